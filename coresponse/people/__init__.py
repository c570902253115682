"""People referred to the program, their addresses, phones, languages and supports."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")

"""Teams: two officers and a clinician, the areas they cover, their membership history."""

from flask import Blueprint

bp = Blueprint("teams", __name__, url_prefix="/teams")

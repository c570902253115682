"""The home page: what needs attention, for each role."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

"""Staff training: Crisis Intervention Training and Mental Health First Aid, with expiry."""

from flask import Blueprint

bp = Blueprint("training", __name__, url_prefix="/staff")

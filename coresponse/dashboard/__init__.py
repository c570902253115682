"""The home page: what needs attention, for each role."""

from flask import Blueprint

bp = Blueprint("dashboard", __name__)

from coresponse.dashboard import views  # noqa: E402,F401  (routes attach to bp)

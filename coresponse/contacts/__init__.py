"""Outreach contacts and addenda."""

from flask import Blueprint

bp = Blueprint("contacts", __name__)

from coresponse.contacts import views  # noqa: E402,F401  (routes attach to bp)

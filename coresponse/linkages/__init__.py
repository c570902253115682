"""Connections to treatment, family and supports; the provider directory."""

from flask import Blueprint

bp = Blueprint("linkages", __name__)

from coresponse.linkages import views  # noqa: E402,F401  (routes attach to bp)

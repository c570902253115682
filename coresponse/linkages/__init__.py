"""Connections to treatment, family and supports; the provider directory."""

from flask import Blueprint

bp = Blueprint("linkages", __name__)

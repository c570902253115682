"""The append-only, hash-chained audit trail, its verification and its reports."""

from flask import Blueprint

bp = Blueprint("audit", __name__, url_prefix="/audit")

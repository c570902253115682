"""Referrals and their triage."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, url_prefix="/referrals")

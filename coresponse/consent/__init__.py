"""Consent to share information, disclosures, the accounting of disclosures, and break-glass."""

from flask import Blueprint

bp = Blueprint("consent", __name__)

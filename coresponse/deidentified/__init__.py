"""The de-identified case export for analysts: one row per case, HIPAA Safe Harbor.

queries.py selects and shapes the rows (what each column holds is in COLUMNS, shown on
the page and in docs/reports.md); views.py counts, audits and streams them as CSV.
"""

from flask import Blueprint

bp = Blueprint("deidentified", __name__, url_prefix="/reports/export")

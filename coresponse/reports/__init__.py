"""Outcome reports: the program's indicators, aggregates only, small cells suppressed.

definitions.py says what each indicator counts; queries.outcomes() computes them for a
range of New York days and a grouping; suppression.suppress() turns the result into
what a page, a CSV or the API may show; tables.py and charts.py lay it out. Who may
see them: policy.can_view_reports.
"""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

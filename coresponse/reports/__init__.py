"""Outcome reports: the program's indicators, aggregates only, small cells suppressed.

definitions.py says what each indicator counts; queries.outcomes() computes them for a
range of New York days and a grouping; suppression.suppress() turns the result into
what a page, a CSV or the API may show. Who may see them: policy.can_view_reports.
"""

"""The de-identified export's page and its CSV download (counted, audited, streamed)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse.clock import utcnow
from coresponse.deidentified import bp, queries, services
from coresponse.deidentified.queries import ExportFilters
from coresponse.formatting import local
from coresponse.people.models import Borough
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.reports.queries import ReportError
from coresponse.web import request_info

LINES_PER_CHUNK = 500  # CSV lines sent together: fewer, larger writes to the socket


def _page(filters: ExportFilters | None, rows: int | None, error: ReportError | None = None) -> str:
    treatment = policy.can_see_treatment_outcomes(current_user)
    return render_template(
        "deidentified/export.html",
        filters=filters,
        rows=rows,
        error=error,
        args=request.args,
        columns=queries.columns(treatment=treatment),
        treatment=treatment,
        teams=queries.team_choices(),
        boroughs=list(Borough),
        default_range=queries.default_range(),
    )


@bp.route("/")
@allow(policy.can_view_reports)
def page() -> ResponseReturnValue:
    """The export's filters, what the file holds and leaves out, and its row count."""
    try:
        filters = queries.parse_filters(request.args)
    except ReportError as error:
        return _page(None, None, error), 422
    return _page(filters, queries.count_cases(filters))


@bp.route("/cases.csv")
@allow(policy.can_view_reports)
def download() -> ResponseReturnValue:
    """One de-identified row per case as a CSV download; the export is audited first."""
    try:
        filters = queries.parse_filters(request.args)
    except ReportError as error:
        return _page(None, None, error), 422
    treatment = policy.can_see_treatment_outcomes(current_user)
    filters = ExportFilters(**{**filters.__dict__, "up_to": queries.last_case_id()})
    rows = queries.count_cases(filters)
    # Committed when this view returns, before the first line is streamed: the rows are
    # read afterwards, in a transaction of their own (coresponse/unit_of_work.py).
    services.record_export(
        filters, rows=rows, treatment=treatment, by=current_user, request_info=request_info()
    )
    now = utcnow()
    lines = _csv_lines(
        [c.name for c in queries.columns(treatment=treatment)],
        queries.export_rows(filters, treatment=treatment, now=now),
    )
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="cases-deidentified-{local(now):%Y%m%d-%H%M}.csv"'
    )
    response.headers["Cache-Control"] = "no-store"
    # The page's progress bar compares the rows received with this.
    response.headers["X-Export-Rows"] = str(rows)
    return response


def _csv_lines(header: list[str], rows: Iterable[list[str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for n, row in enumerate(rows, start=1):
        writer.writerow(row)
        if n % LINES_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

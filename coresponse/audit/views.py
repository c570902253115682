"""Reading the audit trail: the admins' report and CSV export, a person's access log."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from flask import Response, abort, current_app, render_template, request, stream_with_context
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse.audit import bp, queries, services
from coresponse.audit.filters import AuditFilters
from coresponse.audit.forms import AuditFilterForm
from coresponse.audit.queries import AuditRow
from coresponse.clock import utcnow
from coresponse.formatting import local
from coresponse.pagination import BadCursor
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.web import request_info

CSV_COLUMNS = (
    "event_id", "at_utc", "at_local", "username", "full_name", "role", "action", "person_id",
    "person_ids", "record_type", "record_id", "category", "detail", "ip_address", "user_agent", "row_hash",
)  # fmt: skip
# A cell starting with one of these is a formula to a spreadsheet: neutralise it.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _page_size() -> int:
    return int(current_app.config["PAGE_SIZE"])


def _filter_form() -> AuditFilterForm:
    return AuditFilterForm(formdata=request.args)


@bp.route("/")
@allow(policy.can_view_audit_report)
def report() -> ResponseReturnValue:
    """Every audit event, newest first, filtered by user, person, action, record type, dates."""
    form = _filter_form()
    if not form.validate():
        return render_template("audit/report.html", form=form, page=None), 400
    filters = form.filters()
    try:
        page = queries.events_page(
            filters, clinical_reader=policy.can_read_clinical(current_user),
            cursor=request.args.get("after"), size=_page_size(),
        )  # fmt: skip
    except BadCursor as error:
        abort(400, description=str(error))
    body = render_template("audit/report.html", form=form, page=page)
    services.record_report_view(filters, by=current_user, request_info=request_info())
    return body


@bp.route("/export.csv")
@allow(policy.can_view_audit_report)
def export() -> ResponseReturnValue:
    """The audit report with the same filters as a CSV download (the export is audited)."""
    form = _filter_form()
    if not form.validate():
        problems = "; ".join(f"{form[name].label.text}: {' '.join(errors)}"
                             for name, errors in form.errors.items())  # fmt: skip
        abort(400, description=f"The export was not made. {problems}")
    filters = form.filters()
    clinical_reader = policy.can_read_clinical(current_user)
    # Fixed before counting, so the file holds exactly the rows the audit event says.
    up_to = queries.last_event_id()
    rows = queries.count_events(filters, clinical_reader=clinical_reader, up_to=up_to)
    # Committed when this view returns, before the first line is streamed: the rows are
    # read afterwards, in a transaction of their own (coresponse/unit_of_work.py).
    services.record_report_export(filters, rows=rows, by=current_user, request_info=request_info())
    events = queries.export_rows(filters, clinical_reader=clinical_reader, up_to=up_to)
    response = Response(stream_with_context(_csv_lines(events)), mimetype="text/csv")
    stamp = f"{local(utcnow()):%Y%m%d-%H%M}"
    response.headers["Content-Disposition"] = f'attachment; filename="audit-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def _csv_lines(events: Iterable[AuditRow]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Iterable[object]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(v) for v in values])
        return buffer.getvalue()

    yield line(CSV_COLUMNS)
    for e in events:
        yield line((
            e.id, e.at.isoformat(), local(e.at).isoformat(), e.username, e.full_name, e.role,
            e.action.value, e.person_id, e.person_ids, e.record_type, e.record_id, e.category, e.detail,
            e.ip_address, e.user_agent, e.row_hash,
        ))  # fmt: skip


@bp.route("/people/<int:person_id>")
@allow(policy.can_view_access_log)
def person_log(person_id: int) -> ResponseReturnValue:
    """Who opened, changed, printed or exported this person's record, or was shown them in
    a list, newest first."""
    person = queries.get_person(person_id)
    if person is None:
        abort(404)
    try:
        page = queries.events_page(
            AuditFilters(person_id=person.id),
            clinical_reader=policy.can_read_clinical(current_user),
            cursor=request.args.get("after"), size=_page_size(),
        )  # fmt: skip
    except BadCursor as error:
        abort(400, description=str(error))
    body = render_template("audit/person_log.html", person=person, page=page)
    services.record_access_log_view(person.id, by=current_user, request_info=request_info())
    return body

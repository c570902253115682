"""What a report changes: only the audit trail, when its tables leave as a file."""

from __future__ import annotations

from datetime import date

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent, RequestInfo
from coresponse.audit.services import record_event
from coresponse.auth.models import User
from coresponse.reports.definitions import GroupBy


def record_report_export(
    what: str,
    *,
    first: date,
    last: date,
    group_by: GroupBy,
    rows: int,
    by: User,
    request_info: RequestInfo | None = None,
) -> AuditEvent:
    """Note that `by` downloaded report tables (aggregates, small cells suppressed)."""
    return record_event(
        AuditAction.EXPORT,
        by=by,
        record_type="outcome_report",
        category=DataCategory.OPERATIONAL,
        detail=f"{what} CSV: {first:%Y-%m-%d} to {last:%Y-%m-%d}, by {group_by.value}; {rows} rows",
        request_info=request_info,
    )

"""Recording a de-identified export in the audit trail."""

from __future__ import annotations

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent, RequestInfo
from coresponse.audit.services import record_event
from coresponse.auth.models import User
from coresponse.deidentified.queries import ExportFilters


def record_export(
    filters: ExportFilters,
    *,
    rows: int,
    treatment: bool,
    by: User,
    request_info: RequestInfo | None = None,
) -> AuditEvent:
    """Note that `by` downloaded the de-identified case export: the filters and how many rows.

    Operational, not clinical: the file is about no one a reader could name, and the
    administrators who read the audit report must see what was taken (clinical events
    show them no detail)."""
    columns = "connection columns included" if treatment else "connection columns withheld"
    return record_event(
        AuditAction.EXPORT,
        by=by,
        record_type="deidentified_export",
        category=DataCategory.OPERATIONAL,
        detail=f"de-identified case export (CSV): {filters.describe()}; {rows} rows; {columns}",
        request_info=request_info,
    )

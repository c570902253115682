"""What an audit report is narrowed to: shared by the report, its CSV export and their audit rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from coresponse.audit.models import AuditAction


@dataclass(frozen=True)
class AuditFilters:
    """Filters on the audit trail; `start`/`end` are UTC bounds (end excluded)."""

    user_id: int | None = None
    username: str | None = None
    person_id: int | None = None
    action: AuditAction | None = None
    record_type: str | None = None
    start_date: date | None = None  # the local dates the user chose, for describing them
    end_date: date | None = None
    start: datetime | None = None
    end: datetime | None = None

    def describe(self) -> str:
        """The filters in words, for the audit row that records who ran the report."""
        parts = []
        if self.username:
            parts.append(f"user {self.username}")
        if self.person_id is not None:
            parts.append(f"person {self.person_id}")
        if self.action is not None:
            parts.append(f"action {self.action.value}")
        if self.record_type:
            parts.append(f"record type {self.record_type}")
        if self.start_date:
            parts.append(f"from {self.start_date.isoformat()}")
        if self.end_date:
            parts.append(f"to {self.end_date.isoformat()}")
        return ", ".join(parts) or "no filters"

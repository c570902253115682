"""Writing the audit trail. Every access to or change of a record goes through here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select, text

from coresponse.audit.categories import DataCategory
from coresponse.audit.filters import AuditFilters
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import User
from coresponse.db_types import utcnow
from coresponse.extensions import db

GENESIS_HASH = "0" * 64
# Any constant works; it names the lock that serialises chain appends on PostgreSQL.
_CHAIN_LOCK_KEY = 0x434F5245


@dataclass(frozen=True)
class RequestInfo:
    """Where an action came from; empty for the CLI."""

    ip_address: str | None = None
    user_agent: str | None = None


class HashedContent(Protocol):
    """What the hash covers: an AuditEvent, or a plain row of the audit_event table."""

    at: datetime
    user_id: int | None
    username: str | None
    role: str | None
    action: AuditAction
    person_id: int | None
    record_type: str
    record_id: str | None
    category: DataCategory
    detail: str | None
    ip_address: str | None
    user_agent: str | None
    prev_hash: str


def event_hash(event: HashedContent) -> str:
    """SHA-256 over the event's content and the previous row's hash."""
    content = {
        "at": event.at.isoformat(),
        "user_id": event.user_id,
        "username": event.username,
        "role": event.role,
        "action": event.action.value,
        "person_id": event.person_id,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "category": event.category.value,
        "detail": event.detail,
        "ip_address": event.ip_address,
        "user_agent": event.user_agent,
        "prev_hash": event.prev_hash,
    }
    payload = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


def _lock_chain() -> None:
    """Hold the database's write lock before reading the chain's last hash.

    Two transactions that both read the same last hash would both chain onto it and
    fork the trail. PostgreSQL: an advisory lock held until commit. SQLite: a write
    that changes nothing (no row matches, so the append-only triggers never fire)
    takes the database's single write lock, waiting for the busy timeout; the read
    that follows then sees every committed append, and no other writer can append
    until this transaction ends.
    """
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
    elif dialect == "sqlite":
        db.session.execute(text("UPDATE audit_event SET id = id WHERE 0 = 1"))


def record_event(
    action: AuditAction,
    *,
    by: User | None,
    record_type: str,
    record_id: object = None,
    category: DataCategory,
    person_id: int | None = None,
    detail: str | None = None,
    request_info: RequestInfo | None = None,
) -> AuditEvent:
    """Append one event to the chained audit trail (flushed, not committed)."""
    _lock_chain()
    prev_hash = db.session.scalar(
        select(AuditEvent.row_hash).order_by(AuditEvent.id.desc()).limit(1)
    )
    info = request_info or RequestInfo()
    event = AuditEvent(
        at=utcnow(),
        user_id=by.id if by is not None else None,
        username=by.username if by is not None else None,
        role=by.role.value if by is not None else None,
        action=action,
        person_id=person_id,
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        category=category,
        detail=detail,
        ip_address=info.ip_address,
        user_agent=(info.user_agent or None) and info.user_agent[:400],
        prev_hash=prev_hash or GENESIS_HASH,
    )
    event.row_hash = event_hash(event)
    db.session.add(event)
    db.session.flush()
    return event


# Reading the trail is itself on the record ---------------------------------------------


def record_access_log_view(
    person_id: int, *, by: User, request_info: RequestInfo | None = None
) -> AuditEvent:
    """Note that `by` opened the list of who accessed this person's record."""
    return record_event(
        AuditAction.VIEW,
        by=by,
        record_type="access_log",
        record_id=person_id,
        person_id=person_id,
        category=DataCategory.IDENTITY,
        request_info=request_info,
    )


def record_report_view(
    filters: AuditFilters, *, by: User, request_info: RequestInfo | None = None
) -> AuditEvent:
    """Note that `by` read the audit report with these filters."""
    return record_event(
        AuditAction.VIEW,
        by=by,
        record_type="audit_report",
        person_id=filters.person_id,
        category=DataCategory.ACCOUNT,
        detail=f"audit report: {filters.describe()}",
        request_info=request_info,
    )


def record_report_export(
    filters: AuditFilters, *, rows: int, by: User, request_info: RequestInfo | None = None
) -> AuditEvent:
    """Note that `by` exported the audit report as CSV: the filters and how many rows."""
    return record_event(
        AuditAction.EXPORT,
        by=by,
        record_type="audit_report",
        person_id=filters.person_id,
        category=DataCategory.ACCOUNT,
        detail=f"audit report CSV: {filters.describe()}; {rows} rows",
        request_info=request_info,
    )

"""Writing the audit trail. Every access to or change of a record goes through here."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text

from coresponse.audit.categories import DataCategory
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


def event_hash(event: AuditEvent) -> str:
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
    if db.session.get_bind().dialect.name == "postgresql":
        # Two transactions must not both chain onto the same previous row.
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY})
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

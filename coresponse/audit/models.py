"""The audit trail: one append-only row per access to or change of a record."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from coresponse.audit.categories import DataCategory
from coresponse.audit.ddl import attach_append_only_triggers
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import db


class AuditAction(LabelledEnum):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    # People found and shown by a search across the program (the intake's duplicate check).
    SEARCH = "search", "Searched"
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logged out"
    # A supervisor's decision on an account's access to people's records (four eyes).
    APPROVE = "approve", "Approved access"
    REJECT = "reject", "Rejected access"


class AuditEvent(db.Model):
    """Who did what to which record, when (UTC) and from where.

    Each row's hash covers its content and the previous row's hash, so a changed,
    removed or inserted row breaks the chain.
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_person_at", "person_id", "at"),
        Index("ix_audit_event_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # Copies, so the row still says who it was if the account later changes.
    username: Mapped[str | None] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(40))
    action: Mapped[AuditAction] = mapped_column(enum_type(AuditAction), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[DataCategory] = mapped_column(enum_type(DataCategory))
    detail: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)


# The database itself refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE).
attach_append_only_triggers(AuditEvent.__table__)

"""The audit trail: one append-only row per access to or change of a record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column

from coresponse.audit.categories import DataCategory
from coresponse.audit.ddl import attach_append_only_triggers, attach_person_index_triggers
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type, sqlite_only
from coresponse.extensions import Model


@dataclass(frozen=True)
class RequestInfo:
    """Where an action came from; empty for the CLI. An event keeps it in its
    ip_address and user_agent columns; the HTML views (coresponse/web.py), the API and
    the services pass it along, so it lives here, below all of them."""

    ip_address: str | None = None
    user_agent: str | None = None


class AuditAction(LabelledEnum):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Updated"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    # People found and shown by a search across the program (the intake's duplicate check).
    SEARCH = "search", "Searched"
    # A list of people shown (a caseload, a queue, an API page): one event names them all.
    LIST = "list", "Listed"
    LOGIN = "login", "Logged in"
    LOGIN_FAILED = "login_failed", "Failed login"
    LOGOUT = "logout", "Logged out"
    # A supervisor's decision on an account's access to people's records (four eyes).
    APPROVE = "approve", "Approved access"
    REJECT = "reject", "Rejected access"
    # Two records of one person made one, and a merge undone (people.services).
    MERGE = "merge", "Merged records"
    UNMERGE = "unmerge", "Undid a merge"


class AuditEvent(Model):
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
    # The people a list showed, as a JSON array of ids in ascending order ("[3,17,42]"),
    # when the event is about several people (then person_id is empty). Hashed as stored.
    person_ids: Mapped[str | None] = mapped_column(Text)
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[DataCategory] = mapped_column(enum_type(DataCategory))
    detail: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))
    prev_hash: Mapped[str] = mapped_column(String(64))
    row_hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditEventPerson(Model):
    """Each person an audit event names, so "who accessed this person's record" is one
    index range: the event's person_id, and every id of its person_ids.

    Filled by a trigger on audit_event INSERT (see ddl.py): the app still appends an
    event in one statement, and its rows are written with their event (on SQLite a
    foreign key also refuses a row whose event does not exist). `at` is the
    event's, copied so a person's events read newest first straight from the index.
    Append-only like audit_event; not part of the hash (it is derived from hashed columns).

    Every id must name a person. SQLite checks it by the foreign keys below (a lookup of
    each parent's key). PostgreSQL does not keep them: its foreign key is a trigger per
    row that locks the person's row (FOR KEY SHARE), and a supervisor's map names 7,000
    people at city scale, so the two checks cost more than the rest of the append
    together; its trigger checks all the event's people against `person` in one query
    instead, and the event's own row is the one the trigger has just inserted.
    """

    __tablename__ = "audit_event_person"
    __table_args__ = (
        Index("ix_audit_event_person_by_person", "person_id", "at", "event_id"),
        sqlite_only(ForeignKeyConstraint(["event_id"], ["audit_event.id"])),
        sqlite_only(ForeignKeyConstraint(["person_id"], ["person.id"])),
    )

    event_id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


# The database itself refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE).
# (Declarative types __table__ as any FromClause; these two are mapped to Tables.)
attach_append_only_triggers(cast(Table, AuditEvent.__table__))
attach_person_index_triggers(cast(Table, AuditEventPerson.__table__))

"""Writing the audit trail. Every access to or change of a record goes through here."""

from __future__ import annotations

import hashlib
import json
import secrets
import sqlite3
from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Protocol, cast

from sqlalchemy import ColumnElement, Insert, String, Table, bindparam, func, insert, select
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import make_transient_to_detached

from coresponse.audit.categories import DataCategory
from coresponse.audit.filters import AuditFilters
from coresponse.audit.models import AuditAction, AuditEvent, RequestInfo
from coresponse.auth.models import User
from coresponse.clock import utcnow
from coresponse.extensions import db
from coresponse.privacy.policy import is_break_glass_access

GENESIS_HASH = "0" * 64


class HashedContent(Protocol):
    """What the hash covers: an AuditEvent, or a plain row of the audit_event table."""

    at: datetime
    user_id: int | None
    username: str | None
    role: str | None
    action: AuditAction
    person_id: int | None
    person_ids: str | None
    record_type: str
    record_id: str | None
    category: DataCategory
    detail: str | None
    ip_address: str | None
    user_agent: str | None
    prev_hash: str


def _payload(event: HashedContent, prev_hash: str) -> str:
    content: dict[str, object] = {
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
        "prev_hash": prev_hash,
    }
    # Only when present, so every event written before the column existed hashes as before.
    if event.person_ids is not None:
        content["person_ids"] = event.person_ids
    return json.dumps(content, sort_keys=True, separators=(",", ":"))


def event_hash(event: HashedContent) -> str:
    """SHA-256 over the event's content and the previous row's hash."""
    return hashlib.sha256(_payload(event, event.prev_hash).encode()).hexdigest()


def _hash_around_prev(event: AuditEvent) -> tuple[str, str]:
    """The hashed payload split around the previous row's hash: (before, after).

    For any 64-hex-digit previous hash P, sha256(before + P + after) is exactly
    event_hash() of the event chained onto P (a hex string needs no JSON escaping), so
    the database can finish the hash once it has read P under the chain lock.
    """
    marker = secrets.token_hex(32)
    payload = _payload(event, marker)
    before, after = payload.split(f'"prev_hash":"{marker}"')
    return f'{before}"prev_hash":"', f'"{after}'


def _sha256_hex(dialect: str, text_value: ColumnElement[str]) -> ColumnElement[str]:
    if dialect == "postgresql":
        return func.encode(func.sha256(func.convert_to(text_value, "UTF8")), "hex")
    return func.coresponse_sha256(text_value)


@sa_event.listens_for(Engine, "connect")
def _register_sqlite_sha256(dbapi_connection: object, _record: object) -> None:
    """SQLite has no SHA-256 of its own: the chain append borrows Python's."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "coresponse_sha256",
            1,
            lambda value: hashlib.sha256(value.encode()).hexdigest(),
            deterministic=True,
        )


def _append(event: AuditEvent) -> None:
    """Insert the event chained onto the newest row, in one statement.

    The INSERT ... SELECT reads the last hash and finishes the new row's hash in the
    database, so no other append can slip in between:
    SQLite: an INSERT takes the database's single write lock before it reads, so the
    last hash it reads belongs to a chain no one else can extend until this transaction
    ends (the append-only triggers never fire: nothing is updated).
    PostgreSQL: audit_chain_head() (see ddl.py) takes the chain's advisory lock, held
    until commit, and only then reads the last hash, with a snapshot of its own.
    """
    before, after = _hash_around_prev(event)
    values = {name: getattr(event, name) for name in _CONTENT_COLUMNS}
    values |= {"hash_before": before, "hash_after": after}
    stmt = _append_statement(db.session.get_bind().dialect.name)
    event.id, event.prev_hash, event.row_hash = db.session.execute(stmt, values).one()
    # The row is stored: the session keeps the object as loaded, without inserting it again.
    make_transient_to_detached(event)
    db.session.add(event)


_CONTENT_COLUMNS = (
    "at",
    "user_id",
    "username",
    "role",
    "action",
    "person_id",
    "person_ids",
    "record_type",
    "record_id",
    "category",
    "detail",
    "ip_address",
    "user_agent",
)


@cache
def _append_statement(dialect: str) -> Insert:
    """The append of _append, built once per dialect: the event's columns and the hashed
    payload around the previous hash (hash_before, hash_after) are its parameters."""
    table = cast(Table, AuditEvent.__table__)  # (declarative types it as any FromClause)
    if dialect == "postgresql":
        last: ColumnElement[str] = func.audit_chain_head(type_=String)
    else:
        # The newest row by its primary key (max(id) is one index probe, plainly so in the
        # query plan, where ORDER BY id DESC LIMIT 1 reads like a full scan).
        newest = select(func.max(table.c.id)).scalar_subquery()
        last = select(table.c.row_hash).where(table.c.id == newest).scalar_subquery()
    head = select(func.coalesce(last, GENESIS_HASH).label("prev")).subquery("head")
    payload = bindparam("hash_before", type_=String) + head.c.prev
    row_hash = _sha256_hex(dialect, payload + bindparam("hash_after", type_=String))
    names = list(_CONTENT_COLUMNS)
    values = [bindparam(name, type_=table.c[name].type) for name in names]
    return (
        insert(table)
        .from_select([*names, "prev_hash", "row_hash"], select(*values, head.c.prev, row_hash))
        .returning(table.c.id, table.c.prev_hash, table.c.row_hash)
    )


def record_event(
    action: AuditAction,
    *,
    by: User | None,
    record_type: str,
    record_id: object = None,
    category: DataCategory,
    person_id: int | None = None,
    person_ids: Iterable[int] | None = None,
    detail: str | None = None,
    request_info: RequestInfo | None = None,
) -> AuditEvent:
    """Append one event to the chained audit trail (stored, not committed).

    `person_ids`: the people a list showed (for one person, give `person_id`); each is
    then found in that person's access log, as the event's person_id is.
    """
    info = request_info or RequestInfo()
    event = AuditEvent(
        at=utcnow(),
        user_id=by.id if by is not None else None,
        username=by.username if by is not None else None,
        role=by.role.value if by is not None else None,
        action=action,
        person_id=person_id,
        person_ids=None if person_ids is None else people_list(person_ids),
        record_type=record_type,
        record_id=None if record_id is None else str(record_id),
        category=category,
        detail=detail,
        ip_address=info.ip_address,
        user_agent=(info.user_agent or None) and info.user_agent[:400],
    )
    _append(event)
    return event


class AuditedRecord(Protocol):
    """A row record_change() can name: by its table (or its `audit_type`) and its id."""

    __tablename__: str

    @property
    def id(self) -> int: ...


def record_change(
    action: AuditAction,
    record: AuditedRecord,
    *,
    by: User | None,
    detail: str | None = None,
    category: DataCategory = DataCategory.OPERATIONAL,
    person_id: int | None = None,
    request_info: RequestInfo | None = None,
) -> AuditEvent:
    """Append the event of `action` on one row, flushed first so a new row has its id.

    The event names the row by its model's `audit_type` where it has one (a name the
    trail had before the table), else by its table, and names the person: `person_id`
    where given, else the row's `person_id` column where it has one.
    """
    db.session.flush()
    return record_event(
        action,
        by=by,
        record_type=getattr(record, "audit_type", record.__tablename__),
        record_id=record.id,
        person_id=person_id if person_id is not None else getattr(record, "person_id", None),
        category=category,
        detail=detail,
        request_info=request_info,
    )


def people_list(person_ids: Iterable[int]) -> str:
    """The stored (and hashed) form of a list of people: their ids, once each, ascending."""
    return json.dumps(sorted({int(i) for i in person_ids}), separators=(",", ":"))


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
    detail = f"audit report: {filters.describe()}"
    return _record_report(AuditAction.VIEW, filters, detail, by, request_info)


def record_report_export(
    filters: AuditFilters, *, rows: int, by: User, request_info: RequestInfo | None = None
) -> AuditEvent:
    """Note that `by` exported the audit report as CSV: the filters and how many rows."""
    detail = f"audit report CSV: {filters.describe()}; {rows} rows"
    return _record_report(AuditAction.EXPORT, filters, detail, by, request_info)


def _record_report(
    action: AuditAction,
    filters: AuditFilters,
    detail: str,
    by: User,
    request_info: RequestInfo | None,
) -> AuditEvent:
    # Filtered to one person, the read shows in that person's access log too.
    return record_event(
        action,
        by=by,
        record_type="audit_report",
        person_id=filters.person_id,
        category=DataCategory.ACCOUNT,
        detail=detail,
        request_info=request_info,
    )


def record_duplicate_check(
    shown: list[int],
    *,
    in_brief: list[int],
    with_open_case: Iterable[int] = (),
    by: User,
    request_info: RequestInfo | None = None,
) -> None:
    """Note in the audit trail that the intake's duplicate check showed these people
    (one event per check, naming them all; `in_brief`: those outside the user's team,
    shown by name, year of birth and borough only; `with_open_case`: those shown with
    their open case, an operational fact)."""
    detail = "Intake duplicate check"
    if in_brief:
        detail += "; in brief (outside the user's team): " + ", ".join(f"#{i}" for i in in_brief)
    with_open_case = sorted(with_open_case)
    if with_open_case:
        detail += "; with their open case: " + ", ".join(f"#{i}" for i in with_open_case)
    record_event(
        AuditAction.SEARCH,
        by=by,
        record_type="duplicate_check",
        person_ids=shown,
        category=DataCategory.OPERATIONAL if with_open_case else DataCategory.IDENTITY,
        detail=detail,
        request_info=request_info,
    )


def record_list_view(
    person_ids: Iterable[int],
    *,
    by: User,
    what: str,
    record_type: str,
    record_id: object = None,
    category: DataCategory,
    action: AuditAction = AuditAction.LIST,
    request_info: RequestInfo | None,
) -> None:
    """Note in the audit trail that a list (a caseload, a queue, search results, an API
    page) showed these people: one event naming them all, whatever the list's length,
    and none for a list that showed no one. `what` names the list for the audit's
    readers ("My caseload"); it never names a person."""
    shown = set(person_ids)
    if not shown:
        return
    record_event(
        action,
        by=by,
        record_type=record_type,
        record_id=record_id,
        person_ids=shown,
        category=category,
        detail=what,
        request_info=request_info,
    )


def record_view(
    person_id: int,
    *,
    by: User,
    record_type: str,
    record_id: object = None,
    category: DataCategory,
    request_info: RequestInfo | None,
    printed: bool = False,
    detail: str | None = None,
) -> None:
    """Note in the audit trail that someone opened (or printed) part of a person's record.

    Without a `detail`, a read through break-glass says so.
    """
    if detail is None and is_break_glass_access(by, person_id):
        detail = "break-glass"
    record_event(
        AuditAction.PRINT if printed else AuditAction.VIEW,
        by=by,
        record_type=record_type,
        record_id=record_id,
        person_id=person_id,
        category=category,
        detail=detail,
        request_info=request_info,
    )

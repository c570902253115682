"""Reading the audit trail: the admins' report, a person's access log, the CSV export.

Rows are read as plain table rows (never ORM objects), newest first, a keyset page at
a time, so lists and exports stay cheap however long the trail grows. The events of one
person are read through audit_event_person, the index of the people each event names:
that finds the lists they were shown on as well as the reads of their own record.

What a viewer sees of an event follows the privacy rules: for a viewer who may not
read clinical content (police supervisors, administrators), an event about clinical
or substance-use data shows only that a clinical record was touched - not which kind
of record, its id, or the event's detail (which can hold e.g. an addendum's reason).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from coresponse.audit.categories import DataCategory
from coresponse.audit.filters import AuditFilters
from coresponse.audit.models import AuditAction, AuditEvent, AuditEventPerson
from coresponse.auth.models import Role, User
from coresponse.extensions import db
from coresponse.pagination import (
    Page,
    cut_page,
    decode_time_cursor,
    older_than,
    time_cursor,
)
from coresponse.people.models import Person

_EVENT = AuditEvent.__table__
_NAMED = AuditEventPerson.__table__
CLINICAL_CATEGORIES = tuple(c for c in DataCategory if c.clinical)
RESTRICTED_RECORD = "clinical record"
RESTRICTED_CATEGORY = "Clinical (restricted)"
EXPORT_BATCH = 1000


@dataclass(frozen=True)
class AuditRow:
    """One event as a particular viewer may see it."""

    id: int
    at: datetime
    user_id: int | None
    username: str | None
    full_name: str | None
    role: str | None
    role_label: str
    action: AuditAction
    person_id: int | None
    # A list's people as stored (a JSON array of ids), and how many: for lists only.
    person_ids: str | None
    people_count: int | None
    record_type: str
    record_id: str | None
    category: str
    category_label: str
    detail: str | None
    ip_address: str | None
    user_agent: str | None
    row_hash: str
    restricted: bool

    @property
    def record_label(self) -> str:
        """What was read: "case #12", or a list and how many people it showed
        ("My caseload (12 people)", never who the others were)."""
        if self.people_count is not None and not self.restricted:
            what = self.detail or self.record_type.replace("_", " ")
            noun = "person" if self.people_count == 1 else "people"
            return f"{what} ({self.people_count} {noun})"
        label = self.record_type.replace("_", " ")
        return f"{label} #{self.record_id}" if self.record_id else label

    @property
    def extra_detail(self) -> str | None:
        """The detail to show beside the label (a list's detail is its label already)."""
        return None if self.people_count is not None else self.detail


def _role_label(value: str | None) -> str:
    if value is None:
        return "—"
    try:
        return Role(value).label
    except ValueError:
        return value


def _as_row(row: Any, *, clinical_reader: bool) -> AuditRow:
    category: DataCategory = row.category
    restricted = category.clinical and not clinical_reader
    return AuditRow(
        id=row.id,
        at=row.at,
        user_id=row.user_id,
        username=row.username,
        full_name=row.full_name,
        role=row.role,
        role_label=_role_label(row.role),
        action=row.action,
        person_id=row.person_id,
        person_ids=row.person_ids,
        people_count=None if row.person_ids is None else len(json.loads(row.person_ids)),
        record_type=RESTRICTED_RECORD if restricted else row.record_type,
        record_id=None if restricted else row.record_id,
        # Substance use is itself protected (42 CFR Part 2): restricted rows say "clinical".
        category=DataCategory.CLINICAL.value if restricted else category.value,
        category_label=RESTRICTED_CATEGORY if restricted else category.label,
        detail=None if restricted else row.detail,
        ip_address=row.ip_address,
        user_agent=row.user_agent,
        row_hash=row.row_hash,
        restricted=restricted,
    )


# The keys a list of events is ordered and paged by: the event's time and id.
_Keys = tuple[ColumnElement[datetime], ColumnElement[int]]


def _base(filters: AuditFilters, *, clinical_reader: bool) -> tuple[Select, _Keys]:
    """The matching events, and the columns to order them by (newest first)."""
    stmt = select(_EVENT, User.full_name)
    keys: _Keys = (_EVENT.c.at, _EVENT.c.id)
    if filters.person_id is not None:
        # Every event that names the person, theirs alone or a list they were on, newest
        # first straight from the person index (which holds each event's time).
        stmt = (
            stmt.select_from(_NAMED)
            .join(_EVENT, _EVENT.c.id == _NAMED.c.event_id)
            .where(_NAMED.c.person_id == filters.person_id)
        )
        keys = (_NAMED.c.at, _NAMED.c.event_id)
    stmt = stmt.outerjoin(User, User.id == _EVENT.c.user_id)
    if filters.user_id is not None:
        stmt = stmt.where(_EVENT.c.user_id == filters.user_id)
    if filters.action is not None:
        stmt = stmt.where(_EVENT.c.action == filters.action)
    if filters.record_type:
        stmt = stmt.where(_EVENT.c.record_type == filters.record_type)
        if not clinical_reader:
            # Otherwise the filter would reveal which clinical records exist.
            stmt = stmt.where(_EVENT.c.category.not_in(CLINICAL_CATEGORIES))
    at, _ = keys
    if filters.start is not None:
        stmt = stmt.where(at >= filters.start)
    if filters.end is not None:
        stmt = stmt.where(at < filters.end)
    return stmt, keys


def _newest_first(stmt: Select, keys: _Keys) -> Select:
    at, event_id = keys
    return stmt.order_by(at.desc(), event_id.desc())


def _older_than(stmt: Select, keys: _Keys, at: datetime, event_id: int) -> Select:
    return stmt.where(older_than(*keys, at, event_id))


def events_page(
    filters: AuditFilters, *, clinical_reader: bool, cursor: str | None, size: int
) -> Page[AuditRow]:
    """One page of matching events, newest first (raises BadCursor for a forged link)."""
    stmt, keys = _base(filters, clinical_reader=clinical_reader)
    if cursor:
        stmt = _older_than(stmt, keys, *decode_time_cursor(cursor))
    rows = db.session.execute(_newest_first(stmt, keys).limit(size + 1)).all()
    page = cut_page(rows, size, lambda last: time_cursor(last.at, last.id))
    return Page(
        items=[_as_row(r, clinical_reader=clinical_reader) for r in page.items],
        next_cursor=page.next_cursor,
    )


def last_event_id() -> int:
    """The newest event's id (0 when there is none): an export's fixed upper bound."""
    return db.session.scalar(select(func.max(_EVENT.c.id))) or 0


def count_events(filters: AuditFilters, *, clinical_reader: bool, up_to: int) -> int:
    stmt, _keys = _base(filters, clinical_reader=clinical_reader)
    stmt = stmt.where(_EVENT.c.id <= up_to)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def export_rows(
    filters: AuditFilters, *, clinical_reader: bool, up_to: int, batch: int | None = None
) -> Iterator[AuditRow]:
    """Every matching event up to id `up_to`, newest first, read a batch at a time."""
    batch = batch or EXPORT_BATCH
    stmt, keys = _base(filters, clinical_reader=clinical_reader)
    stmt = stmt.where(_EVENT.c.id <= up_to)
    last: Any = None
    while True:
        page_stmt = stmt if last is None else _older_than(stmt, keys, last.at, last.id)
        rows = db.session.execute(_newest_first(page_stmt, keys).limit(batch)).all()
        for row in rows:
            yield _as_row(row, clinical_reader=clinical_reader)
        if len(rows) < batch:
            return
        last = rows[-1]


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


def person_exists(person_id: int) -> bool:
    return db.session.scalar(select(Person.id).where(Person.id == person_id)) is not None


def get_person(person_id: int) -> Person | None:
    """The person whose access log is shown (their name only: no relationships loaded)."""
    return db.session.get(Person, person_id)

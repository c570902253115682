"""Keeping the outcome tallies (reports.models) in step with the records.

A tally cell counts what the records contribute to it, and a person's records contribute
only through that person: their contacts, referrals, cases and connections, grouped by
their current answers and their cases. So whenever something a tally counts or groups
by changes, the tallies change by "this person's contributions now" less "this person's
contributions before", computed from the records by the statement a rebuild runs
(queries.measure_cells), in the same transaction as the change.

The session tells us what changed: before each flush the people whose counted or
grouping records are about to be written are recounted from the database as it still
is; after the flush, again; the difference is added to the cells. Services need not
remember to call anything, and neither do tests that build records by hand. Writes the
session cannot see (a bulk UPDATE) are announced with `coresponse.derived.rewriting`,
which brackets them the same way.

`rebuild()` recomputes every cell from the records (migration 0027's backfill, and after
the bulk loads of `flask seed-demo` and `flask bench-data`); `differences()` compares
the cells with the records (`flask reports rebuild --check`, and the test suite after
every test).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, delete, event, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from coresponse import derived
from coresponse.cases.models import Case, CaseEvent
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from coresponse.linkages.models import Linkage
from coresponse.people.models import (
    Person,
    PersonAddress,
    PersonGender,
    PersonLanguage,
    PersonRaceEthnicity,
)
from coresponse.referrals.models import Referral
from coresponse.reports import queries
from coresponse.reports.models import DAY, MONTH, OutcomeTally

# (measure, grouping, New York day, group, row)
Cell = tuple[str, str, date, str, str]

# The records the tallies count or group by, and the attributes that matter (None: any).
# A person's id is their `person_id` (a Person's own `id`).
_TRACKED: dict[type[Any], tuple[str, ...] | None] = {
    Contact: ("person_id", "case_id", "type", "outcome", "occurred_at"),
    Case: (
        "person_id",
        "team_id",
        "accepted_at",
        "referral_id",
        "first_assigned_at",
    ),
    Referral: ("person_id", "source", "status", "decline_reason", "received_at", "triaged_at"),
    # A repeat referral joins an open case by an entry in its history; closures too.
    CaseEvent: ("case_id", "kind", "referral_id", "at", "closure_reason"),
    Linkage: ("person_id", "case_id", "kind", "status", "created_at", "verified_on"),
    Person: ("date_of_birth",),
    PersonAddress: None,
    PersonLanguage: None,
    PersonGender: None,
    PersonRaceEthnicity: None,
}

# The measures a change to each record can change (None: all, as the records a person
# is grouped by, and a case: its team groups every measure).
_MEASURES_OF: dict[type[Any], frozenset[str] | None] = {
    Contact: frozenset({queries.CONTACTS, queries.FIRST_CONTACT, *queries.FUNNEL_TALLIES}),
    # (A referral is also a closed case's next referral.)
    Referral: frozenset(
        {queries.REFERRALS, queries.TRIAGE, *queries.CLOSURE_TALLIES, *queries.FUNNEL_TALLIES}
    ),
    CaseEvent: frozenset(
        {queries.REFERRALS, queries.TRIAGE, *queries.CLOSURE_TALLIES, *queries.FUNNEL_TALLIES}
    ),
    Linkage: frozenset(
        {queries.CONNECTIONS, queries.CLOSURES, queries.FIRST_VERIFIED, queries.FUNNEL_CONNECTED}
    ),
}

_BEFORE = "coresponse.tallies.before"


def contributions(
    people: Collection[int] | None = None,
    *,
    session: Session | None = None,
    measures: Collection[str] | None = None,
) -> Counter[Cell]:
    """What the records of `people` (or everyone's) contribute to each day cell (of
    `measures`, or all)."""
    session = session or db.session()
    queries.prepare_sqlite(session)
    out: Counter[Cell] = Counter()
    if people is not None and not people:
        return out
    wanted = [m for m in queries.MEASURES if measures is None or m.name in measures]
    rows = {m.name: m.rows for m in wanted}
    stmt, params = queries.measure_cells(wanted, people)
    for name, grouping, day, g, *values, n in session.execute(stmt, params):
        day = day if isinstance(day, date) else date.fromisoformat(day)
        for row in rows[name](*values):
            out[(name, grouping, day, queries.norm(g), row)] += n
    return out


def stored(grain: str = DAY) -> Counter[Cell]:
    """The day (or month) cells as stored, those not zero."""
    t = OutcomeTally
    rows = db.session.execute(
        select(t.measure, t.grouping, t.period, t.group_key, t.row_key, t.n).where(
            t.grain == grain, t.n != 0
        )
    )
    return Counter({(m, g, p, k, r): n for m, g, p, k, r, n in rows})


def add(delta: Counter[Cell] | dict[Cell, int], *, session: Session | None = None) -> None:
    """Add `delta` to the day cells and their months' (one statement; cells in a fixed
    order, so two transactions adding to the same cells never wait for each other in
    a circle)."""
    cells: Counter[tuple[str, str, str, date, str, str]] = Counter()
    for (measure, grouping, day, group, row), n in delta.items():
        if n:
            cells[(measure, grouping, DAY, day, group, row)] += n
            cells[(measure, grouping, MONTH, day.replace(day=1), group, row)] += n
    values = [
        {"measure": m, "grouping": g, "grain": grain, "period": p, "group_key": k,
         "row_key": r, "n": n}
        for (m, g, grain, p, k, r), n in sorted(cells.items()) if n
    ]  # fmt: skip
    if not values:
        return
    session = session or db.session()
    table = cast(Table, OutcomeTally.__table__)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)
    stmt = insert.on_conflict_do_update(
        index_elements=["measure", "grouping", "grain", "period", "group_key", "row_key"],
        set_={"n": table.c.n + insert.excluded.n},
    )
    session.connection().execute(stmt, values)


def rebuild(session: Session | None = None, *, measures: Collection[str] | None = None) -> int:
    """Every cell (of `measures`, or all) recomputed from the records; returns how many
    day cells there are."""
    session = session or db.session()
    forget(session, measures=measures)
    cells = contributions(session=session, measures=measures)
    add(cells, session=session)
    return len(cells)


def forget(session: Session, *, measures: Collection[str] | None = None) -> None:
    """Delete every cell (of `measures`, or all): before a rebuild, or when a migration
    is undone whose code counted them differently."""
    wipe = delete(OutcomeTally)
    if measures is not None:
        wipe = wipe.where(OutcomeTally.measure.in_(measures))
    session.execute(wipe)


def differences() -> dict[Cell, tuple[int, int]]:
    """The day cells where the tallies and the records disagree: (stored, from records).
    A month cell that is not the sum of its days counts too, under its first day."""
    have, want = stored(), contributions()
    out = {c: (have[c], want[c]) for c in have.keys() | want.keys() if have[c] != want[c]}
    months: Counter[Cell] = Counter()
    for (m, g, day, k, r), n in have.items():
        months[(m, g, day.replace(day=1), k, r)] += n
    month_cells = stored(MONTH)
    for cell in month_cells.keys() | months.keys():
        if month_cells[cell] != months[cell]:
            out[("month:" + cell[0], *cell[1:])] = (month_cells[cell], months[cell])
    return out


# --- Following the session --------------------------------------------------------------


def _person_of(obj: Any, session: Session) -> int | None:
    if isinstance(obj, Person):
        return obj.id
    if isinstance(obj, CaseEvent):  # the case's person
        case = inspect(obj).dict.get("case")
        if case is None and obj.case_id is not None:
            case = session.get(Case, obj.case_id)
        return None if case is None else _person_of(case, session)
    if obj.person_id is not None:
        return int(obj.person_id)
    person = inspect(obj).dict.get("person")  # set in memory, not yet flushed
    return None if person is None else person.id


@dataclass
class _Flush:
    """What a flush may change: whose tallies, of which measures (None: all)."""

    people: set[int] = field(default_factory=set)
    later: list[Any] = field(default_factory=list)  # new records, their person known after
    measures: set[str] | None = field(default_factory=set)
    before: Counter[Cell] = field(default_factory=Counter)

    def touch(self, obj: Any) -> None:
        which = _MEASURES_OF.get(type(obj))
        if which is None or self.measures is None:
            self.measures = None
        else:
            self.measures |= which


def _changed(session: Session) -> _Flush:
    """The stored people whose tallies this flush may change, and how."""
    flush = _Flush()
    for obj in session.new:
        if type(obj) in _TRACKED:
            flush.touch(obj)
            flush.later.append(obj)
            person = _person_of(obj, session)
            if person is not None:
                flush.people.add(person)
    for obj in [*session.dirty, *session.deleted]:
        attrs = _TRACKED.get(type(obj), ())
        if attrs == ():
            continue
        state = inspect(obj)
        deleted = obj in session.deleted
        if attrs and not deleted and not any(state.attrs[a].history.has_changes() for a in attrs):
            continue
        flush.touch(obj)
        person = _person_of(obj, session)
        if person is not None:
            flush.people.add(person)
        if hasattr(obj, "person_id"):
            flush.people.update(p for p in state.attrs.person_id.history.deleted if p is not None)
    return flush


def _take_turns(session: Session, people: Collection[int]) -> None:
    """Recount a person in one transaction at a time: two saving at once for one person
    would each count from the records without the other's (a case's first contact
    twice). A statement that writes each person's row without changing it, as
    people.services._take_turns does: a row lock on PostgreSQL, the write turn on
    SQLite, held until the transaction ends, before the "before" is read."""
    if not people:
        return
    table = cast(Table, Person.__table__)
    session.connection().execute(
        update(table)
        .where(table.c.id.in_(sorted(people)))
        .values(version=table.c.version, updated_at=table.c.updated_at)
    )


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    # A flush that failed left its "before" behind: it is no part of this one.
    session.info.pop(_BEFORE, None)
    flush = _changed(session)
    if not flush.people and not flush.later:
        return
    with session.no_autoflush:
        _take_turns(session, flush.people)
        flush.before = contributions(flush.people, session=session, measures=flush.measures)
    session.info[_BEFORE] = flush


def _after_flush(session: Session, _context: Any) -> None:
    flush: _Flush | None = session.info.pop(_BEFORE, None)
    if flush is None:
        return
    people = flush.people | {p for p in (_person_of(o, session) for o in flush.later) if p}
    after = contributions(people, session=session, measures=flush.measures)
    before = flush.before
    add(_change(before, after), session=session)


def _change(before: Counter[Cell], after: Counter[Cell]) -> dict[Cell, int]:
    return {cell: after[cell] - before[cell] for cell in after.keys() | before.keys()}


@contextmanager
def _around(people: Collection[int]) -> Iterator[None]:
    """Recount `people` around writes the session does not see (coresponse.derived)."""
    db.session.flush()
    _take_turns(db.session(), people)
    before = contributions(people)
    yield
    db.session.flush()
    after = contributions(people)
    add(_change(before, after))


def follow(session: Any) -> None:
    """Keep the tallies in step with every flush of `session` (the app's scoped session
    class: every session it makes)."""
    if not event.contains(session, "before_flush", _before_flush):
        event.listen(session, "before_flush", _before_flush)
        event.listen(session, "after_flush_postexec", _after_flush)
    derived.keep(_around)

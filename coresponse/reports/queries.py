"""Outcome indicators for a range of New York days, grouped one way.

`outcomes(first, last, group_by)` computes every indicator of definitions.py. It reads
only the columns it needs, counts in SQL where a count is natural, and fetches one row
per referral, case or closure (never per contact) where a median is needed, computing
percentiles in Python so the code is the same on SQLite and PostgreSQL. Aggregates only:
no name, note or other free text is selected.

Day and month boundaries are New York's (clock.day_bounds); elapsed hours are real
(UTC arithmetic), so 24 hours across the autumn clock change is 24 hours.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.util import find_tables

from coresponse.cases.models import Assignment, Case, CaseEvent, CaseEventKind, ClosureReason
from coresponse.clock import (
    day_bounds,
    day_start,
    program_today,
    program_zone,
    utcnow,
)
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.db_types import UTCDateTime
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageCategory, LinkageKind, LinkageStatus
from coresponse.people.models import (
    Borough,
    Gender,
    Person,
    PersonAddress,
    PersonGender,
    PersonLanguage,
    PersonRaceEthnicity,
    RaceEthnicity,
)
from coresponse.referrals.models import DeclineReason, Referral, ReferralSource, ReferralStatus
from coresponse.reports.definitions import (
    AGE_BANDS,
    ALL,
    COLLATERAL_TYPES,
    CRISIS_OUTCOMES,
    ENGAGEMENT_OUTCOMES,
    FIRST_CONTACT_STANDARD,
    FUNNEL_STAGES,
    GROUP_LABELS,
    INDICATORS,
    MAX_RANGE,
    MULTI_VALUED,
    RE_REFERRAL_WINDOWS,
    RECENT_CONTACT_DAYS,
    UNKNOWN,
    GroupBy,
)
from coresponse.reports.models import DAY, MONTH, OutcomeTally
from coresponse.reports.results import (
    CountTable,
    DurationTable,
    Label,
    Outcomes,
    RateTable,
    Ratio,
    Result,
    summarise,
)
from coresponse.teams.models import Team


class ReportError(DomainError):
    """A report that cannot be asked for as given (the range or the grouping)."""


def parse_group_by(value: str | None) -> GroupBy:
    """The grouping named in a form or query string ("" or None: the whole program)."""
    try:
        return GroupBy(value or GroupBy.NONE)
    except ValueError:
        choices = ", ".join(g.value for g in GroupBy)
        raise ReportError(f"Group by one of: {choices}.", field="group_by") from None


# Reports cover the program's years; a date outside these is a typing slip.
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)


def default_range(today: date | None = None) -> tuple[date, date]:
    """The last twelve months: from the first of the month eleven months ago to today."""
    today = today or program_today()
    month = today.month - 11
    year = today.year + (month - 1) // 12
    return date(year, (month - 1) % 12 + 1, 1), today


def check_range(first: date, last: date) -> None:
    """Refuse a reversed or over-long range, or one outside the program's years, with a
    message a person can act on."""
    for day, field in ((first, "from"), (last, "to")):
        if not EARLIEST <= day <= LATEST:
            raise ReportError(f"Choose a date from {EARLIEST:%Y} to {LATEST:%Y}.", field=field)
    if last < first:
        raise ReportError("The range ends before it starts: swap the dates.", field="to")
    if last - first >= MAX_RANGE:
        raise ReportError("A report covers at most 5 years: shorten the range.", field="from")


def outcomes(
    first: date,
    last: date,
    group_by: GroupBy = GroupBy.NONE,
    *,
    now: datetime | None = None,
    only: Iterable[str] | None = None,
    treatment: bool = True,
) -> Outcomes:
    """Every indicator for the New York days `first`..`last` (both included), by `group_by`
    (or those named in `only`, e.g. the key measures a chart shows: the others are not
    computed).

    `now` (default: the program's clock) bounds "as of the range's end" and decides
    which follow-up windows (24 hours, 90 and 180 days) have passed. Without
    `treatment` the indicators marked so (definitions.Indicator.treatment) are left out,
    and with them every read of the connections' records and measures (the closures'
    tally rows still say whether a case was connected when closed: read, never used).
    """
    check_range(first, last)
    prepare_sqlite()
    scope = _Scope.of(first, last, now or utcnow())
    named = None if only is None else frozenset(only)
    wanted = frozenset(
        i.id
        for i in INDICATORS
        if (named is None or i.id in named) and (treatment or not i.treatment)
    )
    parts = _parts(scope, group_by, wanted)
    if group_by in MULTI_VALUED:
        # A unit counted in several columns: the totals and overall figures are the
        # whole program's (each unit once), not sums of the columns.
        whole = _parts(scope, GroupBy.NONE, wanted)
        parts = {name: _with_totals_of(part, whole[name]) for name, part in parts.items()}
    seen = {key for part in parts.values() for key in part.group_keys()}
    columns = _columns(group_by, scope, seen)
    results: dict[str, Result] = {name: part.build(columns) for name, part in parts.items()}
    return Outcomes(first, last, group_by, columns, results)


def _parts(scope: _Scope, group_by: GroupBy, wanted: frozenset[str]) -> dict[str, _Part]:
    """The indicators in `wanted`: a query runs only when one of its indicators is."""
    parts: dict[str, _Part] = {}

    def want(*names: str) -> bool:
        return not wanted.isdisjoint(names)

    if want("referrals_by_source"):
        parts["referrals_by_source"] = _referrals_by_source(scope, group_by)
    if want("triage_decisions", "hours_to_triage"):
        parts["triage_decisions"], parts["hours_to_triage"] = _triage(scope, group_by)
    if want("people_served"):
        parts["people_served"] = (
            _people_served_by_month(scope)
            if group_by is GroupBy.MONTH
            else _by_month_or_not(scope, group_by, _people_served)
        )
    if want("open_caseload"):
        parts["open_caseload"] = _by_month_or_not(scope, group_by, _open_caseload)
    if want("hours_to_first_contact", "hours_to_first_engagement"):
        first_contact, first_engagement = _first_contacts(scope, group_by)
        parts["hours_to_first_contact"] = first_contact
        parts["hours_to_first_engagement"] = first_engagement
    if want("contacts_by_type", "contacts_by_outcome", "attempts_vs_engagements",
            "crisis_outcomes_per_100_contacts"):  # fmt: skip
        by_type, by_outcome, kinds, crisis = _contacts(scope, group_by)
        parts["contacts_by_type"] = by_type
        parts["contacts_by_outcome"] = by_outcome
        parts["attempts_vs_engagements"] = kinds
        parts["crisis_outcomes_per_100_contacts"] = crisis
    if want("recent_contact_share"):
        parts["recent_contact_share"] = _by_month_or_not(scope, group_by, _recent_contact_share)
    if want("connections_by_category", "connections_by_kind", "connections_by_status"):
        by_category, by_kind, by_status = _connections(scope, group_by)
        parts["connections_by_category"] = by_category
        parts["connections_by_kind"] = by_kind
        parts["connections_by_status"] = by_status
    if want("closure_reasons", "length_of_engagement", "closed_with_verified_connection",
            "re_referral"):  # fmt: skip
        parts.update(_closures(scope, group_by))
    if want("days_to_first_verified_connection"):
        parts["days_to_first_verified_connection"] = _days_to_first_verified(scope, group_by)
    # Only those wanted (a query serves several), in the order of definitions.INDICATORS.
    return {i.id: parts[i.id] for i in INDICATORS if i.id in parts and i.id in wanted}


def funnel(first: date, last: date, *, treatment: bool = True) -> list[tuple[Label, int]]:
    """How far the referrals received in `first`..`last` got, stage by stage, from the
    FUNNEL tally (and FUNNEL_CONNECTED's); without `treatment`, up to engagement (no
    connection read)."""
    check_range(first, last)
    scope = _Scope.of(first, last, utcnow())
    reached = [0] * 5  # referred, accepted, assigned, contacted, engaged
    for row, _g, n in read_tally(FUNNEL, GroupBy.NONE, scope):
        reached[0] += n
        for stage, bit in enumerate(row.split("|"), start=1):
            reached[stage] += int(bit) * n
    counts: list[int | None] = [*reached, None]
    if treatment:
        counts[5] = sum(
            int(row) * n for row, _g, n in read_tally(FUNNEL_CONNECTED, GroupBy.NONE, scope)
        )
    stages = [(Label(key, label), n) for (key, label), n in zip(FUNNEL_STAGES, counts, strict=True)]
    return [(label, int(n)) for label, n in stages if n is not None]


def _funnel_units(filtered: bool) -> Select[Any]:
    """Referrals, on the day received: accepted, assigned, contacted, engaged, and engaged
    with a verified connection, each a subset of the one before, as FUNNEL_DEFINITION
    says (followed to today: a contact tomorrow moves the referral on)."""
    # A repeat referral joined a case that may have been reached long before: it is
    # contacted and engaged only by contacts from its own receipt on.
    opened = Case.referral_id == Referral.id
    since_received = or_(opened, Contact.occurred_at >= Referral.received_at)
    assigned = Case.first_assigned_at.is_not(None)
    contacted = exists().where(Contact.case_id == Case.id, since_received)
    engaged = exists().where(
        Contact.case_id == Case.id,
        Contact.outcome.in_(ENGAGEMENT_OUTCOMES),
        Contact.type.not_in(COLLATERAL_TYPES),
        since_received,
    )
    connected = exists().where(
        Linkage.case_id == Case.id, Linkage.status == LinkageStatus.CONNECTED
    )

    def bit(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return case((condition, 1), else_=0)

    return _units(
        _referral_ctx(Referral.received_at), Referral.received_at,
        [bit(Case.id.is_not(None)), bit(assigned), bit(and_(assigned, contacted)),
         bit(and_(assigned, engaged)), bit(and_(assigned, engaged, connected))],
        Referral, _with_referral_case, [], filtered,
    )  # fmt: skip


# --- The range ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scope:
    first: date
    last: date
    start: datetime  # UTC instant the first day begins
    end: datetime  # UTC instant after the last day ends
    now: datetime

    @classmethod
    def of(cls, first: date, last: date, now: datetime) -> _Scope:
        start, end = day_bounds(first, last)
        return cls(first, last, start, end, now)

    @property
    def as_of(self) -> datetime:
        """The instant "at the end of the range" stands for (now, if the range runs on)."""
        return min(self.end, self.now)

    def months(self) -> list[tuple[str, _Scope]]:
        """Each New York month the range touches, as its key and the part of the range in it."""
        out = []
        month = self.first.replace(day=1)
        while month <= self.last:
            following = (month + timedelta(days=32)).replace(day=1)
            part = _Scope.of(
                max(month, self.first), min(following - timedelta(days=1), self.last), self.now
            )
            out.append((f"{month:%Y-%m}", part))
            month = following
        return out


# --- Groups: one SQL expression per row of a unit ---------------------------------------


@dataclass(frozen=True)
class _Ctx:
    """The columns a unit (referral, case, contact, ...) is grouped by."""

    # Columns or SQL expressions (Any: mapped attributes and expressions alike).
    person_id: Any
    team_id: Any
    age_anchor: Any  # a UTC timestamp: age on its New York date
    month_anchor: Any  # a UTC timestamp, or a date when month_of_date
    month_of_date: bool = False


@dataclass(frozen=True)
class _Key:
    """A unit's group in SQL, and the table of its person's values to join when it is
    read from one (by person_id, outer: a person without one is in "not recorded"). A
    multi-valued dimension's table has a row per answer: the unit counts in each."""

    column: ColumnElement[Any]
    per_person: Any = None  # a table or subquery with a person_id column
    person_id: Any = None

    def label(self, name: str) -> ColumnElement[Any]:
        return self.column.label(name)

    def reads(self, table: Any) -> bool:
        """Whether the group's SQL reads `table` (subqueries included)."""
        parts = [self.column] if self.person_id is None else [self.column, self.person_id]
        # (A mapped attribute, Case.team_id, is an expression once asked for its clause.)
        clauses = [getattr(p, "__clause_element__", lambda p=p: p)() for p in parts]
        return any(table in find_tables(c, check_columns=True) for c in clauses)

    def join(self, stmt: Select[Any]) -> Select[Any]:
        if self.per_person is None:
            return stmt
        return stmt.outerjoin(self.per_person, self.per_person.c.person_id == self.person_id)


def _case_join(
    by: _Key, stmt: Select[Any], onclause: ColumnElement[bool], *, outer: bool = False
) -> Select[Any]:
    """Join each unit's case only when its group reads the case (a contact's team, the
    person of an assignment's case): a join per contact costs more than the count."""
    if not by.reads(Case.__table__):
        return stmt
    return stmt.join(Case, onclause, isouter=outer)


def _referral_case() -> Any:
    """Each referral's case: the one it opened, or the open case a repeat referral joined
    (a "new referral" entry in that case's history). A referral is in at most one."""
    return union_all(
        select(Case.referral_id.label("referral_id"), Case.id.label("case_id")),
        select(CaseEvent.referral_id, CaseEvent.case_id).where(
            CaseEvent.kind == CaseEventKind.NEW_REFERRAL, CaseEvent.referral_id.is_not(None)
        ),
    ).subquery("referral_case")


def _with_referral_case(stmt: Select[Any]) -> Select[Any]:
    """A referral's case (opened or joined), if any."""
    of = _referral_case()
    return stmt.outerjoin(of, of.c.referral_id == Referral.id).outerjoin(
        Case, Case.id == of.c.case_id
    )


def _key(group_by: GroupBy, ctx: _Ctx, scope: _Scope | None) -> _Key:
    if group_by is GroupBy.MONTH:
        assert scope is not None, "a month is of a range"  # noqa: S101
        return _Key(_month(ctx, scope))
    if group_by in MULTI_VALUED or group_by in _PER_PERSON:
        values = _person_values(group_by)
        return _Key(_person_group(group_by, values), values, ctx.person_id)
    return _Key(_DIMENSIONS[group_by](ctx))


# A person's current address and preferred language are joined as a table of one row per
# person (the newest current address; the language at the first position), not looked
# up once per unit: PostgreSQL hashes it once (a year of contacts by borough took 3.0 s
# with a lookup per contact, 0.55 s joined); SQLite reads it by its index either way.
def _current_address(column: Any) -> Any:
    newer = aliased(PersonAddress)
    return (
        select(PersonAddress.person_id, column.label("value"))
        .where(
            PersonAddress.current.is_(True),
            ~exists().where(
                newer.person_id == PersonAddress.person_id,
                newer.current.is_(True),
                or_(
                    newer.recorded_at > PersonAddress.recorded_at,
                    and_(
                        newer.recorded_at == PersonAddress.recorded_at,
                        newer.id > PersonAddress.id,
                    ),
                ),
            ),
        )
        .subquery()
    )


def _preferred_language() -> Any:
    before = aliased(PersonLanguage)
    return (
        select(PersonLanguage.person_id, PersonLanguage.language.label("value"))
        .where(
            ~exists().where(
                before.person_id == PersonLanguage.person_id,
                or_(
                    before.position < PersonLanguage.position,
                    and_(before.position == PersonLanguage.position, before.id < PersonLanguage.id),
                ),
            )
        )
        .subquery()
    )


def _age_band(ctx: _Ctx) -> ColumnElement[Any]:
    dob = select(Person.date_of_birth).where(Person.id == ctx.person_id).scalar_subquery()
    age = _age_at(dob, ctx.age_anchor)
    bands = [(age <= high, key) for key, _label, _low, high in AGE_BANDS if high is not None]
    return case((dob.is_(None), UNKNOWN), *bands, else_=AGE_BANDS[-1][0])


def _month(ctx: _Ctx, scope: _Scope) -> ColumnElement[Any]:
    """The New York month of a time (or a date) in the range, compared with each month's
    end: the same plain comparisons on both engines, no time zone arithmetic per row."""
    months = scope.months()
    if ctx.month_of_date:
        return case(*((ctx.month_anchor <= part.last, key) for key, part in months))
    return case(*((ctx.month_anchor < part.end, key) for key, part in months))


# One expression per unit (a referral, case, contact...).
_DIMENSIONS: dict[GroupBy, Callable[[_Ctx], ColumnElement[Any]]] = {
    GroupBy.NONE: lambda ctx: literal(ALL),
    GroupBy.TEAM: lambda ctx: ctx.team_id,
    GroupBy.AGE_BAND: _age_band,
}

_PER_PERSON: dict[GroupBy, Callable[[], Any]] = {
    GroupBy.BOROUGH: lambda: _current_address(PersonAddress.borough),
    GroupBy.PRECINCT: lambda: _current_address(PersonAddress.precinct),
    GroupBy.LANGUAGE: _preferred_language,
}

# Several answers per person (HMIS): the answers table, its column, and the answer a
# person with none counts as. Such a grouping's totals are not the sums of its columns.
_ANSWERS: dict[GroupBy, tuple[type[Any], str, RaceEthnicity | Gender]] = {
    GroupBy.GENDER: (PersonGender, "gender", Gender.DATA_NOT_COLLECTED),
    GroupBy.RACE_ETHNICITY: (
        PersonRaceEthnicity, "race_ethnicity", RaceEthnicity.DATA_NOT_COLLECTED,
    ),
}  # fmt: skip


def norm(value: object) -> str:
    """A group's or category's key as text (None: not recorded)."""
    if value is None:
        return UNKNOWN
    return str(getattr(value, "value", value))


def _columns(group_by: GroupBy, scope: _Scope, seen: set[str]) -> tuple[Label, ...]:
    unknown = [Label(UNKNOWN, _UNKNOWN_LABELS[group_by])] if UNKNOWN in seen else []
    if group_by is GroupBy.NONE:
        return (Label(ALL, GROUP_LABELS[GroupBy.NONE]),)
    if group_by is GroupBy.MONTH:
        return tuple(
            Label(key, datetime.strptime(key, "%Y-%m").strftime("%B %Y"))
            for key, _ in scope.months()
        )
    if group_by is GroupBy.AGE_BAND:
        return (*(Label(key, label) for key, label, _, _ in AGE_BANDS), *unknown)
    if group_by is GroupBy.BOROUGH:
        return (*(Label(b.value, b.label) for b in Borough), *unknown)
    if group_by is GroupBy.GENDER:
        return tuple(Label(g.value, g.label) for g in Gender)  # the null answers last
    if group_by is GroupBy.RACE_ETHNICITY:
        return tuple(Label(r.value, r.label) for r in RaceEthnicity)
    known = sorted(seen - {UNKNOWN})
    if group_by is GroupBy.TEAM:
        names = dict(
            db.session.execute(
                select(Team.id, Team.name).where(Team.id.in_([int(k) for k in known]))
            ).all()
        )
        ordered = sorted(known, key=lambda k: names.get(int(k), ""))
        return (*(Label(k, names.get(int(k), f"Team {k}")) for k in ordered), *unknown)
    if group_by is GroupBy.PRECINCT:
        ordered = sorted(known, key=lambda k: (not k.isdigit(), int(k) if k.isdigit() else 0, k))
        return (*(Label(k, f"Precinct {k}") for k in ordered), *unknown)
    return (*(Label(k, k) for k in known), *unknown)


_UNKNOWN_LABELS = {
    GroupBy.NONE: "Not recorded",
    GroupBy.MONTH: "Not recorded",
    GroupBy.TEAM: "No team",
    GroupBy.BOROUGH: "Address not recorded",
    GroupBy.PRECINCT: "Precinct not recorded",
    GroupBy.LANGUAGE: "Language not recorded",
    GroupBy.AGE_BAND: "Date of birth not recorded",
}


# --- Local dates in SQL, the same answer on both engines --------------------------------


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def prepare_sqlite(session: Session | None = None) -> None:
    """Give this SQLite connection (the session's; the app's by default) the program's
    calendar (SQLite has no time zones)."""
    session = session or db.session()
    if session.get_bind().dialect.name != "sqlite":
        return
    zone = program_zone()

    def local(value: str | None) -> datetime | None:
        if value is None:
            return None
        return datetime.fromisoformat(value).replace(tzinfo=UTC).astimezone(zone)

    def age(born: str | None, value: str | None) -> int | None:
        at = local(value)
        if born is None or at is None:
            return None
        return _years_between(date.fromisoformat(born), at.date())

    def local_day(value: str | None) -> str | None:
        at = local(value)
        return None if at is None else at.date().isoformat()

    def epoch_micros(value: str | None) -> int | None:
        if value is None:
            return None
        at = datetime.fromisoformat(value).replace(tzinfo=UTC)
        return (at - _EPOCH) // timedelta(microseconds=1)

    raw = session.connection().connection.dbapi_connection
    assert raw is not None  # noqa: S101  (a checked-out connection has its DB-API connection)
    raw.create_function("coresponse_age_at", 2, age, deterministic=True)
    raw.create_function("coresponse_local_day", 1, local_day, deterministic=True)
    raw.create_function("coresponse_epoch_micros", 1, epoch_micros, deterministic=True)


def _years_between(born: date, on: date) -> int:
    """Whole years of age on a day (born on 29 February: a year older on 1 March)."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _local_day(at: Any) -> ColumnElement[date]:
    """The New York date of a UTC instant."""
    if _dialect() == "sqlite":
        return type_coerce(func.coresponse_local_day(at), Date)
    return cast(func.timezone(program_zone().key, at), Date)


def _age_at(born: ColumnElement[Any], at: ColumnElement[Any]) -> ColumnElement[Any]:
    if _dialect() == "sqlite":
        return func.coresponse_age_at(born, at)
    local_day = cast(func.timezone(program_zone().key, at), Date)
    return cast(func.date_part("year", func.age(local_day, born)), Integer)


# --- Intermediate parts, turned into tables once the columns are known -----------------


class _Part:
    def group_keys(self) -> Iterable[str]:
        raise NotImplementedError

    def build(self, columns: tuple[Label, ...]) -> Result:
        raise NotImplementedError


class _Counts(_Part):
    def __init__(
        self,
        rows: Iterable[Label],
        cells: Mapping[tuple[str, str], int],
        *,
        distinct_totals: tuple[Mapping[str, int], int] | None = None,
    ) -> None:
        self.rows = tuple(rows)
        self.cells = dict(cells)
        # Non-additive tables (distinct people): the row totals and the grand total.
        self.distinct_totals = distinct_totals

    def group_keys(self) -> Iterable[str]:
        return (g for _, g in self.cells)

    def build(self, columns: tuple[Label, ...]) -> CountTable:
        rows = self.rows
        cells = {k: v for k, v in self.cells.items() if v}
        column_totals = {c.key: sum(cells.get((r.key, c.key), 0) for r in rows) for c in columns}
        if self.distinct_totals is None:
            row_totals = {r.key: sum(cells.get((r.key, c.key), 0) for c in columns) for r in rows}
            return CountTable(
                rows, columns, cells, row_totals, column_totals, sum(row_totals.values())
            )
        distinct_rows, total = self.distinct_totals
        return CountTable(
            rows, columns, cells, {r.key: distinct_rows.get(r.key, 0) for r in rows},
            column_totals, total, additive=False,
        )  # fmt: skip


class _Rates(_Part):
    def __init__(
        self,
        rows: Iterable[Label],
        cells: Mapping[tuple[str, str], Ratio],
        overall: Mapping[str, Ratio],
        scale: int = 100,
    ) -> None:
        self.rows, self.cells, self.overall, self.scale = tuple(rows), dict(cells), overall, scale

    def group_keys(self) -> Iterable[str]:
        return (g for _, g in self.cells)

    def build(self, columns: tuple[Label, ...]) -> RateTable:
        return RateTable(self.rows, columns, self.cells, dict(self.overall), self.scale)


class _Durations(_Part):
    def __init__(self, unit: str, *, standard: bool = False) -> None:
        self.unit = unit
        self.standard = standard
        self.values: dict[str, list[float]] = defaultdict(list)
        self.within: dict[str, int] = defaultdict(int)
        self.eligible: dict[str, int] = defaultdict(int)
        self.all_values: list[float] = []
        self.all_within = 0
        self.all_eligible = 0

    def add(
        self, group: str, value: float | None, *, eligible: bool = True, within: bool = False
    ) -> None:
        if value is not None:
            self.values[group].append(value)
            self.all_values.append(value)
        if self.standard and eligible:
            self.eligible[group] += 1
            self.all_eligible += 1
            if within:
                self.within[group] += 1
                self.all_within += 1

    def add_many(self, group: str, value: float, n: int) -> None:
        """`n` units of the same value (not for the standard's durations)."""
        self.values[group].extend([value] * n)
        self.all_values.extend([value] * n)

    def group_keys(self) -> Iterable[str]:
        return [*self.values, *self.eligible]

    def build(self, columns: tuple[Label, ...]) -> DurationTable:
        cells = {}
        for c in columns:
            if self.standard:
                cells[c.key] = summarise(
                    self.values.get(c.key, []),
                    within=self.within.get(c.key, 0),
                    eligible=self.eligible.get(c.key, 0),
                )
            else:
                cells[c.key] = summarise(self.values.get(c.key, []))
        overall = (
            summarise(self.all_values, within=self.all_within, eligible=self.all_eligible)
            if self.standard
            else summarise(self.all_values)
        )
        return DurationTable(columns, cells, overall, self.unit)


def _labels(enum: Iterable[Any]) -> list[Label]:
    return [Label(member.value, member.label) for member in enum]


def _in(column: Any, scope: _Scope) -> ColumnElement[bool]:
    return and_(column >= scope.start, column < scope.end)


def _by_month_or_not(
    scope: _Scope, group_by: GroupBy, compute: Callable[[_Scope, Callable[[_Ctx], _Key]], _Part]
) -> _Part:
    """A state indicator (open on a day, as of an instant) by month is computed for each
    month's part of the range; otherwise once, with the grouping's expression."""
    if group_by is not GroupBy.MONTH:
        return compute(scope, lambda ctx: _key(group_by, ctx, scope))
    parts = [(key, compute(part, _constant(key))) for key, part in scope.months()]
    whole = compute(scope, _constant(ALL))
    return _merge_months(parts, whole)


def _constant(key: str) -> Callable[[_Ctx], _Key]:
    return lambda ctx: _Key(literal(key))


def _merge_months(parts: list[tuple[str, _Part]], whole: _Part) -> _Part:
    if isinstance(whole, _Rates):
        cells: dict[tuple[str, str], Ratio] = {}
        for _, part in parts:
            assert isinstance(part, _Rates)  # noqa: S101
            cells.update(part.cells)
        return _Rates(
            whole.rows,
            cells,
            {r: whole.cells.get((r, ALL), Ratio(0, 0)) for r in (x.key for x in whole.rows)},
        )
    assert isinstance(whole, _Counts)  # noqa: S101
    counts: dict[tuple[str, str], int] = {}
    rows: dict[str, Label] = {r.key: r for r in whole.rows}
    for _, part in parts:
        assert isinstance(part, _Counts)  # noqa: S101
        counts.update(part.cells)
        rows.update({r.key: r for r in part.rows})
    # A state over the whole range is not the sum of its months: the totals are the range's.
    row_totals = {r: whole.cells.get((r, ALL), 0) for r in rows}
    return _Counts(rows.values(), counts, distinct_totals=(row_totals, sum(row_totals.values())))


def _with_totals_of(part: _Part, whole: _Part) -> _Part:
    """A multi-valued grouping's part with the whole program's totals: a unit in two
    columns counts once in a total, a percentage's overall figure and a median's."""
    if isinstance(part, _Rates):
        assert isinstance(whole, _Rates)  # noqa: S101
        return _Rates(part.rows, part.cells, whole.overall, part.scale)
    if isinstance(part, _Durations):
        assert isinstance(whole, _Durations)  # noqa: S101
        part.all_values = whole.all_values
        part.all_within, part.all_eligible = whole.all_within, whole.all_eligible
        return part
    assert isinstance(part, _Counts)  # noqa: S101
    assert isinstance(whole, _Counts)  # noqa: S101
    # Each unit is in one row (a source, a team...): the row totals add up to the total.
    row_totals = {r.key: whole.cells.get((r.key, ALL), 0) for r in whole.rows}
    return _Counts(whole.rows, part.cells, distinct_totals=(row_totals, sum(row_totals.values())))


# --- Referrals ---------------------------------------------------------------------------


def _referral_ctx(month_anchor: Any) -> _Ctx:
    return _Ctx(Referral.person_id, Case.team_id, Referral.received_at, month_anchor)


def _referrals_by_source(scope: _Scope, group_by: GroupBy) -> _Part:
    cells = {(row, g): n for row, g, n in read_tally(REFERRALS, group_by, scope)}
    return _Counts(_labels(ReferralSource), cells)


def _grouped_counts(rows: Any) -> dict[tuple[str, str], int]:
    stmt = select(rows.c.row, rows.c.g, func.count()).group_by(rows.c.row, rows.c.g)
    return {(norm(r), norm(g)): n for r, g, n in db.session.execute(stmt)}


_DECIDED = (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED)


def _triage(scope: _Scope, group_by: GroupBy) -> tuple[_Part, _Part]:
    """Triage decisions by reason, and the hours each took."""
    cells: dict[tuple[str, str], int] = defaultdict(int)
    hours = _Durations("hours")
    for row, g, n in read_tally(TRIAGE, group_by, scope):
        decision, micros = row.split("|")
        cells[(decision, g)] += n
        for _ in range(n):
            hours.add(g, _hours_of(micros))
    labels = [Label("accepted", "Accepted")]
    labels += [Label(f"declined_{r.value}", f"Declined: {r.label}") for r in DeclineReason]
    labels.append(Label(f"declined_{UNKNOWN}", "Declined: reason not recorded"))
    return _Counts(labels, cells), hours


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


# --- Cases: served, caseload, first contact ---------------------------------------------


def _case_ctx(month_anchor: Any, team: Any = None) -> _Ctx:
    return _Ctx(
        Case.person_id, Case.team_id if team is None else team, Case.accepted_at, month_anchor
    )


def _closed_throughout(scope: _Scope, *, start: Any = None, end: Any = None) -> ColumnElement[bool]:
    """The case was closed for the whole range (or from `start` to `end`, columns):
    closed before it began and not reopened before it ended (read from the case's
    history, since reopening clears closed_at)."""
    start = scope.start if start is None else start
    end = scope.end if end is None else end
    closing = aliased(CaseEvent)
    reopening = aliased(CaseEvent)
    # Correlated by hand: two levels down, SQLAlchemy would add an outer table (Case, or
    # the months of _people_served_by_month) to this subquery's own FROM, counting any
    # case's reopening, or one before any month's end.
    reopened_after = (
        exists()
        .where(
            reopening.case_id == closing.case_id,
            reopening.kind == CaseEventKind.REOPENED,
            reopening.at > closing.at,
            reopening.at < end,
        )
        .correlate_except(reopening)
    )
    # (closed_at IS NOT NULL first: NOT (NULL OR false) would be NULL, dropping open cases.)
    return or_(
        and_(Case.closed_at.is_not(None), Case.closed_at <= start),
        exists().where(
            closing.case_id == Case.id,
            closing.kind == CaseEventKind.CLOSED,
            closing.at <= start,
            not_(reopened_after),
        ),
    )


def _people_served(scope: _Scope, keys: Callable[[_Ctx], _Key]) -> _Part:
    open_in_range = and_(Case.accepted_at < scope.end, not_(_closed_throughout(scope)))
    by = keys(_case_ctx(Case.accepted_at))
    # Each group's people and everyone, from one pass (a second query for the distinct
    # total would find the open cases again).
    stmt = by.join(
        select(by.label("g"), Case.person_id).select_from(Case).where(open_in_range).distinct()
    )
    people: dict[str, set[int]] = defaultdict(set)
    for g, person_id in db.session.execute(stmt):
        people[norm(g)].add(person_id)
    cells = {("people", g): len(ids) for g, ids in people.items()}
    total = len(set().union(*people.values()))
    return _Counts(
        [Label("people", "People served")], cells, distinct_totals=({"people": total}, total)
    )


def _people_served_by_month(scope: _Scope) -> _Part:
    """People served in each month of the range, from one statement: the cases open in
    the range joined with the months, each month decided by _closed_throughout (a query
    per month read the cases 13 times)."""
    months = scope.months()
    # (A UNION of one-row SELECTs, not VALUES: SQLite cannot name a VALUES list's columns.)
    table = union_all(
        *(
            select(
                literal(key).label("key"), literal(part.start, UTCDateTime()).label("start"),
                literal(part.end, UTCDateTime()).label("end"),
            )
            for key, part in months
        )
    ).subquery("months")  # fmt: skip
    open_in_range = and_(Case.accepted_at < scope.end, not_(_closed_throughout(scope)))
    in_month = and_(
        Case.accepted_at < table.c.end,
        not_(_closed_throughout(scope, start=table.c.start, end=table.c.end)),
    )
    stmt = (
        select(table.c.key, func.count(Case.person_id.distinct()))
        .select_from(Case)
        .join(table, in_month)
        .where(open_in_range)
        .group_by(table.c.key)
    )
    cells = {("people", key): n for key, n in db.session.execute(stmt) if n}
    everyone = select(func.count(Case.person_id.distinct())).where(open_in_range)
    total = db.session.scalar(everyone) or 0
    return _Counts(
        [Label("people", "People served")], cells, distinct_totals=({"people": total}, total)
    )


def _assigned_at(instant: datetime) -> ColumnElement[bool]:
    return and_(
        Assignment.assigned_at < instant,
        or_(Assignment.ended_at.is_(None), Assignment.ended_at >= instant),
    )


def _open_caseload(scope: _Scope, keys: Callable[[_Ctx], _Key]) -> _Part:
    instant = scope.as_of
    by = keys(_case_ctx(literal(instant), team=Assignment.team_id))
    rows = by.join(
        _case_join(
            by,
            select(by.label("g"), Assignment.team_id.label("row")).select_from(Assignment),
            Case.id == Assignment.case_id,
        ).where(_assigned_at(instant))
    ).subquery()
    cells = _grouped_counts(rows)
    team_ids = sorted({int(r) for r, _ in cells})
    names = dict(db.session.execute(select(Team.id, Team.name).where(Team.id.in_(team_ids))).all())
    labels = sorted((Label(str(t), names[t]) for t in team_ids), key=lambda label: label.label)
    return _Counts(labels, cells)


def _first_contacts(scope: _Scope, group_by: GroupBy) -> tuple[_Part, _Part]:
    contact, engagement = _Durations("hours", standard=True), _Durations("hours", standard=True)
    for row, g, n in read_tally(FIRST_CONTACT, group_by, scope):
        contacted, engaged, waiting = row.split("|")
        assigned = _EPOCH + timedelta(microseconds=int(waiting)) if waiting else None
        for _ in range(n):
            _time_to(contact, g, contacted, assigned, scope.now)
            _time_to(engagement, g, engaged, assigned, scope.now)
    return contact, engagement


def _time_to(
    part: _Durations, key: str, micros: str, assigned: datetime | None, now: datetime
) -> None:
    """Real hours from assignment (0 when reached before it); a case not reached yet counts
    against the standard once its 24 hours have passed."""
    if not micros:
        assert assigned is not None  # noqa: S101  (a row not reached says when assigned)
        part.add(key, None, eligible=now - assigned >= FIRST_CONTACT_STANDARD)
        return
    elapsed = timedelta(microseconds=int(micros))
    part.add(key, _hours(elapsed), within=elapsed <= FIRST_CONTACT_STANDARD)


# --- Contacts ---------------------------------------------------------------------------


def _contacts(scope: _Scope, group_by: GroupBy) -> tuple[_Part, _Part, _Part, _Part]:
    """Contacts by type and outcome, from the contacts tally (CONTACTS)."""
    rows = ((*_contact_row(row), g, n) for row, g, n in read_tally(CONTACTS, group_by, scope))
    by_type: dict[tuple[str, str], int] = defaultdict(int)
    by_outcome: dict[tuple[str, str], int] = defaultdict(int)
    kinds: dict[tuple[str, str], int] = defaultdict(int)
    crisis: dict[tuple[str, str], int] = defaultdict(int)
    contacts: dict[str, int] = defaultdict(int)
    for contact_type, outcome, key, n in rows:
        by_type[(contact_type.value, key)] += n
        by_outcome[(outcome.value, key)] += n
        kinds[(_contact_kind(contact_type, outcome), key)] += n
        contacts[key] += n
        if outcome in CRISIS_OUTCOMES:
            crisis[(outcome.value, key)] += n
    kind_labels = [
        Label("engagement", "Engagements"),
        Label("attempt", "Attempts that did not engage"),
        Label("collateral", "Collateral contacts"),
    ]
    crisis_rows = [Label(o.value, o.label) for o in CRISIS_OUTCOMES]
    all_contacts = sum(contacts.values())
    rates = _Rates(
        crisis_rows,
        {
            (r, g): Ratio(crisis.get((r, g), 0), n)
            for r in (o.value for o in CRISIS_OUTCOMES)
            for g, n in contacts.items()
        },
        {
            o.value: Ratio(sum(v for (r, _), v in crisis.items() if r == o.value), all_contacts)
            for o in CRISIS_OUTCOMES
        },
        scale=100,
    )
    return (
        _Counts(_labels(ContactType), by_type),
        _Counts(_labels(ContactOutcome), by_outcome),
        _Counts(kind_labels, kinds),
        rates,
    )


def _contact_kind(contact_type: ContactType, outcome: ContactOutcome) -> str:
    if contact_type in COLLATERAL_TYPES:
        return "collateral"
    return "engagement" if outcome in ENGAGEMENT_OUTCOMES else "attempt"


def _recent_contact_share(scope: _Scope, keys: Callable[[_Ctx], _Key]) -> _Part:
    instant = scope.as_of
    since = day_start(scope.last - timedelta(days=RECENT_CONTACT_DAYS - 1))
    recent = exists().where(
        Contact.case_id == Assignment.case_id,
        Contact.occurred_at >= since,
        Contact.occurred_at < instant,
    )
    by = keys(_case_ctx(literal(instant), team=Assignment.team_id))
    rows = by.join(
        _case_join(
            by,
            select(by.label("g"), case((recent, 1), else_=0).label("recent")).select_from(
                Assignment
            ),
            Case.id == Assignment.case_id,
        ).where(_assigned_at(instant))
    ).subquery()
    stmt = select(rows.c.g, func.count(), func.coalesce(func.sum(rows.c.recent), 0)).group_by(
        rows.c.g
    )
    cells = {}
    numerator = denominator = 0
    for g, n, with_contact in db.session.execute(stmt):
        cells[("share", norm(g))] = Ratio(int(with_contact), n)
        numerator += int(with_contact)
        denominator += n
    label = Label("share", "Open cases with a contact in the last 7 days")
    return _Rates([label], cells, {"share": Ratio(numerator, denominator)})


# --- Connections ------------------------------------------------------------------------


def _connections(scope: _Scope, group_by: GroupBy) -> tuple[_Part, _Part, _Part]:
    by_category: dict[tuple[str, str], int] = defaultdict(int)
    by_kind: dict[tuple[str, str], int] = defaultdict(int)
    by_status: dict[tuple[str, str], int] = defaultdict(int)
    for row, g, n in read_tally(CONNECTIONS, group_by, scope):
        kind, status = LinkageKind(row.split("|")[0]), row.split("|")[1]
        by_category[(kind.category.value, g)] += n
        by_kind[(kind.value, g)] += n
        by_status[(status, g)] += n
    kinds = [Label(k.value, f"{k.category.label}: {k.label}") for k in LinkageKind]
    return (
        _Counts(_labels(LinkageCategory), by_category),
        _Counts(kinds, by_kind),
        _Counts(_labels(LinkageStatus), by_status),
    )


def _closures(scope: _Scope, group_by: GroupBy) -> dict[str, _Part]:
    """Closure reasons, length of engagement, the headline and re-referrals, over the
    closures in the range (from the case's history, which keeps a reopened case's)."""
    reasons: dict[tuple[str, str], int] = defaultdict(int)
    length = _Durations("days")
    # The headline counts a case once in each group, by its last closure in the range:
    # a closure counts when the case did not close again in the range (by month: in
    # that month's part of it).
    headline: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    overall = [0, 0]
    for row, g, n in read_tally(CLOSURES, group_by, scope):
        kind, *rest = row.split("|")
        if kind == "reason":
            reasons[(rest[0], g)] += n
        elif kind == "days":
            length.add_many(g, float(rest[0]), n)
        else:
            connected, next_closed_on = int(rest[0]), rest[1]
            if not next_closed_on or date.fromisoformat(next_closed_on) > scope.last:
                overall[0] += connected * n
                overall[1] += n
            until = scope.last
            if group_by is GroupBy.MONTH:
                until = min(until, _next_month(date.fromisoformat(f"{g}-01")) - timedelta(days=1))
            if not next_closed_on or date.fromisoformat(next_closed_on) > until:
                headline[g][0] += connected * n
                headline[g][1] += n
    reason_labels = [*_labels(ClosureReason), Label(UNKNOWN, "Reason not recorded")]
    re_referred = _re_referrals(scope, group_by)
    rereferral_rows = [
        Label(f"within_{d}_days", f"Re-referred within {d} days") for d in RE_REFERRAL_WINDOWS
    ]
    re_referrals = _Rates(
        rereferral_rows,
        {
            (f"within_{d}_days", key): Ratio(*counts)
            for d, by_key in re_referred.items()
            for key, counts in by_key.items()
        },
        {
            f"within_{d}_days": Ratio(
                sum(c[0] for c in by_key.values()), sum(c[1] for c in by_key.values())
            )
            for d, by_key in re_referred.items()
        },
    )
    return {
        "closure_reasons": _Counts(reason_labels, reasons),
        "length_of_engagement": length,
        "closed_with_verified_connection": _Rates(
            [Label("connected", "Closed cases with a verified connection")],
            {("connected", k): Ratio(*v) for k, v in headline.items()},
            {"connected": Ratio(*overall)},
        ),
        "re_referral": re_referrals,
    }


def _re_referrals(scope: _Scope, group_by: GroupBy) -> dict[int, dict[str, list[int]]]:
    """For each window: by group, [re-referred, closures whose window has passed]. A
    closure's window has passed when it closed at least the window before now: every
    closure on a day before the day of that instant, none after it, and on that day
    those closed by then (read from the closures' times, for that day only)."""
    out: dict[int, dict[str, list[int]]] = {}
    for index, days in enumerate(RE_REFERRAL_WINDOWS):
        by_key: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        passed = scope.now - timedelta(days=days)
        day = passed.astimezone(program_zone()).date()
        if scope.first < day:
            before = _Scope.of(scope.first, min(scope.last, day - timedelta(days=1)), scope.now)
            for row, g, n in read_tally(RE_REFERRALS, group_by, before):
                by_key[g][0] += int(row.split("|")[index]) * n
                by_key[g][1] += n
        if scope.first <= day <= scope.last:
            for row, g, n in read_tally(CLOSURE_TIMES, group_by, _Scope.of(day, day, scope.now)):
                closed, *within = row.split("|")
                if _EPOCH + timedelta(microseconds=int(closed)) <= passed:
                    by_key[g][0] += int(within[index]) * n
                    by_key[g][1] += n
        out[days] = by_key
    return out


def _days_to_first_verified(scope: _Scope, group_by: GroupBy) -> _Part:
    part = _Durations("days")
    for row, g, n in read_tally(FIRST_VERIFIED, group_by, scope):
        for _ in range(n):
            part.add(g, float(row))
    return part


# --- The tallies (reports.models): what the records contribute, and reading them --------

# The tallies are kept for each grouping but the month, read from the whole program's.
TALLIED: tuple[GroupBy, ...] = tuple(g for g in GroupBy if g is not GroupBy.MONTH)
CONTACTS, REFERRALS, TRIAGE, FIRST_CONTACT = "contacts", "referrals", "triage", "first_contact"
CONNECTIONS, CLOSURES, FIRST_VERIFIED = "connections", "closures", "first_verified"
RE_REFERRALS, CLOSURE_TIMES = "re_referrals", "closure_times"
CLOSURE_TALLIES = (CLOSURES, RE_REFERRALS, CLOSURE_TIMES)
FUNNEL, FUNNEL_CONNECTED = "funnel", "funnel_connected"
FUNNEL_TALLIES = (FUNNEL, FUNNEL_CONNECTED)
_VALUES = 7  # the most values a measure's unit has


@dataclass(frozen=True)
class Measure:
    """What a tally counts. `units(filtered)` gives a statement of the units (a contact,
    a referral, a case...) as (person, team, age band, New York day, *values), values as
    text (an instant as microseconds since 1970); `filtered`: of the people in the
    parameter "people". `rows(*values)` is the unit's rows in the tally (none: not
    counted); it is given _VALUES values, the last ones None when a unit has fewer. A
    row holds what the indicators read: a category, a whole number of days, or an exact
    duration in microseconds (a histogram of exact values, so medians and "within 24
    hours" come out as from the records)."""

    name: str
    units: Callable[[bool], Select[Any]]
    rows: Callable[..., tuple[str, ...]]
    groupings: tuple[GroupBy, ...] = ()  # () : every grouping tallied (TALLIED)


def measure_cells(
    measures: Collection[Measure], people: Collection[int] | None
) -> tuple[Select[Any], dict[str, Any]]:
    """One statement for the cells of `measures` from the records of `people` (or
    everyone's): (measure, grouping, day, *values, count), and its parameters. Built once
    per database, time zone and choice: recounting a person runs it on every flush."""
    key = tuple(sorted(m.name for m in measures))
    stmt = _cells_statement(key, _dialect(), program_zone().key, people is not None)
    return stmt, {} if people is None else {"people": sorted(people)}


@functools.cache
def _cells_statement(names: tuple[str, ...], _dialect: str, _zone: str, filtered: bool) -> Any:
    """Each measure's units are found once (a CTE) and counted under every grouping; each
    person's address, language and answers are found once for all the measures."""
    values_of: dict[GroupBy, Any] = {}

    def per_person(group_by: GroupBy) -> Any:
        if group_by not in values_of:
            values = _person_values(group_by)
            stmt = select(values.c.person_id, values.c.value)
            if filtered:
                stmt = stmt.where(values.c.person_id.in_(bindparam("people", expanding=True)))
            values_of[group_by] = stmt.cte(f"{group_by.value}_of_people")
        return values_of[group_by]

    parts = []
    for measure in (m for m in MEASURES if m.name in names):
        units = measure.units(filtered).cte(f"{measure.name}_units")
        values = [c for c in units.c if c.name.startswith("v")]
        padding = [cast(null(), String).label(f"v{i}") for i in range(len(values), _VALUES)]
        for group_by in measure.groupings or TALLIED:
            group, source = _unit_group(group_by, units, per_person)
            parts.append(
                select(
                    literal(measure.name).label("measure"), literal(group_by.value).label("grouping"),
                    units.c.day, cast(group, String).label("g"), *values, *padding,
                ).select_from(source)
            )  # fmt: skip
    rows = union_all(*parts).subquery()
    columns = list(rows.c)
    return select(*columns, func.count()).group_by(*columns)


def _person_values(group_by: GroupBy) -> Any:
    """(person_id, value): a person's current value of a grouping by person, a row per
    answer of a multi-valued one."""
    if group_by in MULTI_VALUED:
        model, answer, _not_collected = _ANSWERS[group_by]
        table = model.__table__
        return select(table.c.person_id, table.c[answer].label("value")).subquery()
    return _PER_PERSON[group_by]()


def _person_group(group_by: GroupBy, values: Any) -> ColumnElement[Any]:
    """The group from _person_values' `values`, outer-joined: a person without one is "not
    recorded", or for a multi-valued grouping "Data not collected" (HMIS)."""
    if group_by in MULTI_VALUED:
        return func.coalesce(values.c.value, literal(_ANSWERS[group_by][2].value))
    return values.c.value


def _unit_group(
    group_by: GroupBy, units: Any, per_person: Callable[[GroupBy], Any]
) -> tuple[ColumnElement[Any], Any]:
    """A unit's group under `group_by` (as _key groups it), and what to select it from."""
    if group_by is GroupBy.NONE:
        return literal(ALL), units
    if group_by is GroupBy.TEAM:
        return units.c.team, units
    if group_by is GroupBy.AGE_BAND:
        return units.c.age, units
    values = per_person(group_by)
    source = units.outerjoin(values, values.c.person_id == units.c.person_id)
    return _person_group(group_by, values), source


def _units(
    ctx: _Ctx,
    day_of: Any,
    values: list[Any],
    base: Any,
    join: Callable[[Select[Any]], Select[Any]],
    where: list[ColumnElement[bool]],
    filtered: bool,
    *,
    on_date: bool = False,
) -> Select[Any]:
    """A unit's statement (Measure.units): its person, team and age band, its New York
    day and its values. `day_of` is an instant, or a date when `on_date`."""
    day = type_coerce(day_of, Date) if on_date else _local_day(day_of)
    columns: Any = select(
        ctx.person_id.label("person_id"), ctx.team_id.label("team"),
        _age_band(ctx).label("age"), day.label("day"),
        *(cast(v, String).label(f"v{i}") for i, v in enumerate(values)),
    ).select_from(base)  # fmt: skip
    stmt = join(columns).where(*where)
    if filtered:
        stmt = stmt.where(ctx.person_id.in_(bindparam("people", expanding=True)))
    return stmt


def _contact_units(filtered: bool) -> Select[Any]:
    """Contacts by type and outcome, grouped as `outcomes` always grouped a contact: the
    person's current answers, the case's team and age at acceptance."""
    return _units(
        _Ctx(Contact.person_id, Case.team_id, Case.accepted_at, Contact.occurred_at),
        Contact.occurred_at, [cast(Contact.type, String) + "|" + cast(Contact.outcome, String)],
        Contact, lambda stmt: stmt.join(Case, Case.id == Contact.case_id), [], filtered,
    )  # fmt: skip


def _referral_units(filtered: bool) -> Select[Any]:
    """Referrals by source, on the day received."""
    return _units(
        _referral_ctx(Referral.received_at), Referral.received_at,
        [Referral.source], Referral, _with_referral_case, [], filtered,
    )  # fmt: skip


def _triage_units(filtered: bool) -> Select[Any]:
    """Decided referrals, on the day decided: the decision and the time it took."""
    return _units(
        _referral_ctx(Referral.triaged_at), Referral.triaged_at,
        [Referral.status, Referral.decline_reason, _epoch_micros(Referral.received_at),
         _epoch_micros(Referral.triaged_at)],
        Referral, _with_referral_case,
        [Referral.status.in_(_DECIDED), Referral.triaged_at.is_not(None)], filtered,
    )  # fmt: skip


def _triage_row(status: str, reason: str | None, received: str, triaged: str, *_: None) -> str:
    decision = "accepted" if status == ReferralStatus.ACCEPTED.value else f"declined_{norm(reason)}"
    return f"{decision}|{max(int(triaged) - int(received), 0)}"


def _first_contact_units(filtered: bool) -> Select[Any]:
    """Cases first assigned, on that day: when first contacted and first engaged. The
    first contact is read from the contacts (what contacts.services keeps on the case as
    first_contact_at, with an UPDATE the session does not follow)."""
    contacted = select(func.min(Contact.occurred_at)).where(Contact.case_id == Case.id)
    engaged = contacted.where(
        Contact.outcome.in_(ENGAGEMENT_OUTCOMES), Contact.type.not_in(COLLATERAL_TYPES)
    )
    return _units(
        _case_ctx(Case.first_assigned_at), Case.first_assigned_at,
        [_epoch_micros(Case.first_assigned_at), _epoch_micros(contacted.scalar_subquery()),
         _epoch_micros(engaged.scalar_subquery())],
        Case, lambda stmt: stmt, [Case.first_assigned_at.is_not(None)], filtered,
    )  # fmt: skip


def _first_contact_row(assigned: str, contacted: str | None, engaged: str | None, *_: None) -> str:
    """Microseconds to the first contact and to the first engagement ("" when not yet),
    and, while either is not yet, when assigned (whether 24 hours have passed is asked
    at report time)."""

    def after(reached: str | None) -> str:
        return "" if reached is None else str(max(int(reached) - int(assigned), 0))

    waiting = contacted is None or engaged is None
    return f"{after(contacted)}|{after(engaged)}|{assigned if waiting else ''}"


def _connection_units(filtered: bool) -> Select[Any]:
    """Connections by kind and status, on the day made."""
    return _units(
        _Ctx(Linkage.person_id, Case.team_id, func.coalesce(Case.accepted_at, Linkage.created_at),
             Linkage.created_at),
        Linkage.created_at, [Linkage.kind, Linkage.status], Linkage,
        lambda stmt: stmt.outerjoin(Case, Case.id == Linkage.case_id), [],
        filtered,
    )  # fmt: skip


def _closure_units(filtered: bool) -> Select[Any]:
    """Closures (from the cases' history: a reopened case's closures too), on the day
    closed: the reason, when, the New York days the case was open then, its first
    verified connection, the person's next referral (a duplicate aside) and the day the
    case was next closed."""
    first_verified = (
        select(func.min(Linkage.verified_on))
        .where(Linkage.case_id == Case.id, Linkage.status == LinkageStatus.CONNECTED)
        .scalar_subquery()
    )
    next_referral = (
        select(func.min(Referral.received_at))
        .where(
            Referral.person_id == Case.person_id,
            Referral.received_at > CaseEvent.at,
            # Declined as a duplicate: the same request twice, not a new one.
            or_(
                Referral.decline_reason.is_(None),
                Referral.decline_reason != DeclineReason.DUPLICATE,
            ),
        )
        .scalar_subquery()
    )
    later = aliased(CaseEvent)
    next_closed = (
        select(func.min(later.at))
        .where(
            later.case_id == CaseEvent.case_id,
            later.kind == CaseEventKind.CLOSED,
            later.at > CaseEvent.at,
        )
        .scalar_subquery()
    )
    return _units(
        _case_ctx(CaseEvent.at), CaseEvent.at,
        [CaseEvent.closure_reason, _epoch_micros(CaseEvent.at), _local_day(CaseEvent.at),
         _local_day(Case.accepted_at), first_verified, _epoch_micros(next_referral),
         _local_day(next_closed)],
        CaseEvent, lambda stmt: stmt.join(Case, Case.id == CaseEvent.case_id),
        [CaseEvent.kind == CaseEventKind.CLOSED], filtered,
    )  # fmt: skip


@dataclass(frozen=True)
class _Closure:
    """A closure's rows in the CLOSURES, RE_REFERRALS and CLOSURE_TIMES tallies."""

    reason: str
    days_open: int
    connected: bool  # a verified connection by the day it closed
    next_closed_on: str  # the New York day the case next closed ("" if not since)
    closed: int  # microseconds since 1970
    re_referred: str  # for each of RE_REFERRAL_WINDOWS: 1 if re-referred within it, "|"-joined

    def rows(self) -> tuple[str, ...]:
        return (
            f"reason|{self.reason}",
            f"days|{self.days_open}",
            f"connected|{int(self.connected)}|{self.next_closed_on}",
        )

    @property
    def timed(self) -> str:
        return f"{self.closed}|{self.re_referred}"


def _closure(
    reason: str | None,
    closed: str,
    closed_on: str,
    opened_on: str,
    verified_on: str | None,
    next_referral: str | None,
    next_closed_on: str | None,
    *_: None,
) -> _Closure:
    closed_day = date.fromisoformat(closed_on)
    gap = None if next_referral is None else int(next_referral) - int(closed)
    within = (
        gap is not None and timedelta(microseconds=gap) <= timedelta(days=days)
        for days in RE_REFERRAL_WINDOWS
    )
    return _Closure(
        reason=norm(reason),
        days_open=(closed_day - date.fromisoformat(opened_on)).days,
        connected=verified_on is not None and date.fromisoformat(verified_on) <= closed_day,
        next_closed_on=next_closed_on or "",
        closed=int(closed),
        re_referred="|".join(str(int(w)) for w in within),
    )


def _first_verified_units(filtered: bool) -> Select[Any]:
    """Cases with a verified connection, on the date of the first: days from opening."""
    firsts = (
        select(Linkage.case_id.label("case_id"), func.min(Linkage.verified_on).label("verified_on"))
        .where(
            Linkage.case_id.is_not(None),
            Linkage.status == LinkageStatus.CONNECTED,
            Linkage.verified_on.is_not(None),
        )
        .group_by(Linkage.case_id)
        .subquery()
    )
    return _units(
        _Ctx(Case.person_id, Case.team_id, Case.accepted_at, firsts.c.verified_on, month_of_date=True),
        firsts.c.verified_on, [_local_day(Case.accepted_at), firsts.c.verified_on], firsts,
        lambda stmt: stmt.join(Case, Case.id == firsts.c.case_id), [], filtered,
        on_date=True,
    )  # fmt: skip


def _first_verified_row(opened_on: str, verified_on: str, *_: None) -> str:
    return str(max((date.fromisoformat(verified_on) - date.fromisoformat(opened_on)).days, 0))


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_micros(at: Any) -> ColumnElement[Any]:
    """A UTC instant as whole microseconds since 1970, exactly, on both engines."""
    if _dialect() == "sqlite":
        return func.coresponse_epoch_micros(at)
    return cast(func.extract("epoch", at) * 1_000_000, BigInteger)


def _hours_of(micros: str) -> float:
    """Hours as the records give them (the same float as _hours of the timedelta)."""
    return _hours(timedelta(microseconds=int(micros)))


MEASURES: tuple[Measure, ...] = (
    Measure(CONTACTS, _contact_units, lambda row, *_: (row,)),
    Measure(REFERRALS, _referral_units, lambda source, *_: (source,)),
    Measure(TRIAGE, _triage_units, lambda *values: (_triage_row(*values),)),
    Measure(FIRST_CONTACT, _first_contact_units, lambda *values: (_first_contact_row(*values),)),
    Measure(CONNECTIONS, _connection_units, lambda kind, status, *_: (f"{kind}|{status}",)),
    # One closure, three tallies: what every report reads, compressed (reason, days open,
    # the headline), whether re-referred, and when closed (read for one day only).
    Measure(CLOSURES, _closure_units, lambda *values: _closure(*values).rows()),
    Measure(RE_REFERRALS, _closure_units, lambda *values: (_closure(*values).re_referred,)),
    Measure(CLOSURE_TIMES, _closure_units, lambda *values: (_closure(*values).timed,)),
    Measure(FIRST_VERIFIED, _first_verified_units, lambda *values: (_first_verified_row(*values),)),
    # The funnel is for the whole program; the connected stage a tally of its own, which
    # the police's reports never read.
    Measure(FUNNEL, _funnel_units, lambda *bits: ("|".join(bits[:4]),), (GroupBy.NONE,)),
    Measure(FUNNEL_CONNECTED, _funnel_units, lambda *bits: (bits[4],), (GroupBy.NONE,)),
)


def _contact_row(row: str) -> tuple[ContactType, ContactOutcome]:
    contact_type, outcome = row.split("|")
    return ContactType(contact_type), ContactOutcome(outcome)


def read_tally(measure: str, group_by: GroupBy, scope: _Scope) -> list[tuple[str, str, int]]:
    """(row, group, count) of `measure` over the range: its whole New York months from
    the month cells, the days before and after them from the day cells. By month, from
    the whole program's cells, each counted in its month."""
    grouping = GroupBy.NONE if group_by is GroupBy.MONTH else group_by
    t = OutcomeTally
    # The whole months in the range: from first_full up to, not including, after_full.
    first_full = scope.first if scope.first.day == 1 else _next_month(scope.first)
    ends_a_month = _next_month(scope.last) - timedelta(days=1) == scope.last
    after_full = _next_month(scope.last) if ends_a_month else scope.last.replace(day=1)
    if first_full < after_full:
        periods = or_(
            and_(t.grain == MONTH, t.period >= first_full, t.period < after_full),
            and_(t.grain == DAY, t.period >= scope.first, t.period < first_full),
            and_(t.grain == DAY, t.period >= after_full, t.period <= scope.last),
        )
    else:
        periods = and_(t.grain == DAY, t.period >= scope.first, t.period <= scope.last)
    where = (t.measure == measure, t.grouping == grouping.value, periods)
    if group_by is GroupBy.MONTH:
        cells: dict[tuple[str, str], int] = defaultdict(int)
        by_month = (
            select(t.period, t.row_key, func.sum(t.n)).where(*where).group_by(t.period, t.row_key)
        )
        for period, row, n in db.session.execute(by_month):
            cells[(row, f"{period:%Y-%m}")] += int(n)
        return [(row, g, n) for (row, g), n in cells.items() if n]
    by_group = (
        select(t.row_key, t.group_key, func.sum(t.n)).where(*where).group_by(t.row_key, t.group_key)
    )
    return [(row, g, int(n)) for row, g, n in db.session.execute(by_group) if n]


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)

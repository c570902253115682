"""Read paths for cases, always filtered by what the user may see."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, NamedTuple

from flask import abort, current_app
from sqlalchemy import (
    BindParameter,
    ColumnElement,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    literal,
    literal_column,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy import case as case_when
from sqlalchemy.orm import aliased, joinedload, load_only, selectinload
from sqlalchemy.sql.util import ClauseAdapter

from coresponse.auth.models import User
from coresponse.cases.models import Assignment, Case, CaseEvent, CaseStatus
from coresponse.clock import utcnow
from coresponse.db_types import UTCDateTime
from coresponse.extensions import db
from coresponse.people.models import LocationStatus, Person, PersonAddress
from coresponse.privacy import policy
from coresponse.privacy.loading import clinical_attributes, withheld
from coresponse.privacy.policy import case_visibility
from coresponse.referrals.models import Referral, ReferralStatus
from coresponse.teams.models import Team, TeamMembership

QUEUE_PREVIEW = 10


# --- A person's open case, as intake and triage show it --------------------------------


@dataclass(frozen=True)
class OpenCase:
    """What the intake's match screen and the triage page say of a person's open case:
    operational facts only (every role that takes or triages referrals may read them)."""

    id: int
    person_id: int
    status: CaseStatus
    team_id: int | None
    team_name: str | None
    accepted_at: datetime
    assigned_at: datetime | None
    last_contact_at: datetime | None


def _open_case_columns() -> tuple[Any, ...]:
    return (
        Case.id, Case.person_id, Case.status, Case.team_id, Team.name, Case.accepted_at, Case.assigned_at,
        Case.last_contact_at,
    )  # fmt: skip


def open_cases_of(person_ids: list[int]) -> dict[int, OpenCase]:
    """The open case (awaiting a team or open) of each of these people who has one, in
    one query of exactly the columns shown."""
    if not person_ids:
        return {}
    rows = db.session.execute(
        select(*_open_case_columns())
        .outerjoin(Team, Team.id == Case.team_id)
        .where(Case.person_id.in_(sorted(set(person_ids))), Case.closed_at.is_(None))
    )
    return {row.person_id: OpenCase(*row) for row in rows}


def cases_for_triage(referral_id: int, person_id: int) -> tuple[OpenCase | None, int | None]:
    """For the triage page, in one query: the person's open case, and the id of the case
    the referral belongs to once accepted (the one it opened, or the open case it joined)."""
    joined = (
        select(CaseEvent.id)
        .where(CaseEvent.case_id == Case.id, CaseEvent.referral_id == referral_id)
        .exists()
    )
    own = or_(Case.referral_id == referral_id, joined)
    rows = db.session.execute(
        select(*_open_case_columns(), Case.closed_at, own.label("own"))
        .outerjoin(Team, Team.id == Case.team_id)
        .where(Case.person_id == person_id, or_(Case.closed_at.is_(None), own))
    ).all()
    open_case = next((OpenCase(*row[:8]) for row in rows if row.closed_at is None), None)
    referral_case = next((row.id for row in rows if row.own), None)
    return open_case, referral_case


def team_for_assignment(team_id: int) -> Team | None:
    """The team a case is being assigned (or returned) to, with its coverage and members,
    which the assignment checks and the history names."""
    return db.session.scalar(
        select(Team)
        .where(Team.id == team_id)
        .options(
            selectinload(Team.coverage),
            selectinload(Team.memberships).selectinload(TeamMembership.user),
        )
    )


def get_visible_case(
    user: User,
    case_id: int,
    *,
    with_person: bool = True,
    with_team_members: bool = False,
    person_details: bool = True,
) -> Case:
    """The case with its person (addresses, phones, languages) and team, or a 404;
    `with_team_members`: also the team's memberships with their users (a handful);
    `person_details=False`: of the person's details only the addresses (the contact form).

    A case the user may not see is indistinguishable from one that does not exist.
    """
    stmt = _visible_case_statement(
        with_person, with_team_members, person_details, policy.can_read_clinical(user)
    )
    case = (
        db.session.scalars(stmt.where(case_visibility(user)), {"case_id": case_id})
        .unique()
        .one_or_none()
    )
    if case is None:
        abort(404)
    return case


@cache
def _visible_case_statement(
    with_person: bool, with_team_members: bool, person_details: bool, clinical: bool
) -> Select[Case]:
    """get_visible_case's statement before the viewer's visibility clause, built once per
    set of options (every case page and every save runs it; building the loader options
    cost about as much as running the query). The case's id is the parameter `case_id`;
    without `clinical`, the case's clinical columns are not loaded."""
    stmt = (
        select(Case)
        .where(Case.id == bindparam("case_id"))
        .options(joinedload(Case.team), *withheld(Case, clinical=clinical))
    )
    if with_team_members:
        stmt = stmt.options(
            joinedload(Case.team).joinedload(Team.memberships).joinedload(TeamMembership.user)
        )
    if with_person and not person_details:
        stmt = stmt.options(joinedload(Case.person).joinedload(Person.addresses))
    elif with_person:
        # One query: a person has a few addresses, phones, languages and aliases, so
        # joining them all multiplies one row by a small number.
        stmt = stmt.options(
            joinedload(Case.person).options(
                joinedload(Person.addresses),
                joinedload(Person.phones),
                joinedload(Person.languages),
                joinedload(Person.aliases),
            )
        )
    return stmt


def load_case_history(case: Case, viewer: User) -> None:
    """Load the case's referral, assignments and events (with people and teams), in one
    query; their clinical columns only for a clinical viewer."""
    stmt = _case_history_statement(policy.can_read_clinical(viewer))
    db.session.scalars(stmt, {"case_id": case.id}).unique().all()


@cache
def _case_history_statement(clinical: bool) -> Select[Case]:
    """load_case_history's statement, built once each way (every case page runs it); the
    case's id is the parameter `case_id`."""
    return (
        select(Case)
        .where(Case.id == bindparam("case_id"))
        .options(
            joinedload(Case.referral).options(
                joinedload(Referral.risk_indicators), *withheld(Referral, clinical=clinical)
            ),
            joinedload(Case.assignments).options(
                joinedload(Assignment.team), joinedload(Assignment.assigned_by)
            ),
            joinedload(Case.events).options(
                joinedload(CaseEvent.by), *withheld(CaseEvent, clinical=clinical)
            ),
            *withheld(Case, clinical=clinical),
        )
    )


# --- The supervisor's queue -----------------------------------------------------


@dataclass(frozen=True)
class QueueSection:
    key: str
    title: str
    count: int
    rows: list


def _stale_days() -> int:
    return int(current_app.config.get("STALE_CASE_DAYS", 7))


@dataclass(frozen=True)
class QueueOrder:
    """How a queue is sorted, most urgent first: by a time, then the id. `at_of(row)` is
    a row's time, for the next page's cursor."""

    at: Any
    id: Any
    newest_first: bool
    at_of: Callable[[Any], datetime]

    @property
    def clauses(self) -> tuple[Any, Any]:
        if self.newest_first:
            return (self.at.desc(), self.id.desc())
        return (self.at, self.id)


def queue_statements() -> dict[str, tuple[Select, QueueOrder]]:
    """Each queue's rows, as (statement, order); shared by the preview and full lists."""
    return _queue_statements(**_queue_times())


def _queue_times() -> dict[str, datetime]:
    now = utcnow()
    return {
        "now": now,
        "stale_before": now - timedelta(days=_stale_days()),
        "closed_since": now - timedelta(days=14),
    }


def _listed(entity: type) -> Select:
    """A list of cases or referrals: no list shows a clinical column, to anyone."""
    return select(entity).options(*withheld(entity, clinical=False))


def _queue_statements(
    now: Any, stale_before: Any, closed_since: Any
) -> dict[str, tuple[Select, QueueOrder]]:
    """The queues for these times: values, or bound parameters of a statement kept for
    reuse."""
    return {
        "triage": (
            # The statuses written into the SQL, not bound: only then does SQLite see
            # that the partial index of waiting referrals applies (else it walks every
            # referral by received_at, oldest first, to find the newest few hundred).
            _listed(Referral).where(
                Referral.status.in_(
                    bindparam(
                        "waiting",
                        [ReferralStatus.RECEIVED, ReferralStatus.INFO_REQUESTED],
                        expanding=True,
                        literal_execute=True,
                    )
                )
            ),
            # The newest first: what came in since the supervisor last looked.
            QueueOrder(Referral.received_at, Referral.id, True, lambda r: r.received_at),
        ),
        "unassigned": (
            _listed(Case).where(Case.status == CaseStatus.AWAITING_ASSIGNMENT),
            QueueOrder(Case.accepted_at, Case.id, False, lambda c: c.accepted_at),
        ),
        "overdue": (
            _listed(Case).where(
                Case.status == CaseStatus.OPEN,
                Case.first_contact_at.is_(None),
                Case.first_contact_due_at < now,
            ),
            # The most overdue first.
            QueueOrder(Case.first_contact_due_at, Case.id, False, lambda c: c.first_contact_due_at),
        ),
        "stale": (
            _listed(Case).where(
                Case.status == CaseStatus.OPEN,
                or_(
                    Case.last_contact_at < stale_before,
                    and_(Case.last_contact_at.is_(None), Case.assigned_at < stale_before),
                ),
            ),
            # The longest without a contact first (never contacted: since assignment).
            QueueOrder(
                func.coalesce(Case.last_contact_at, Case.assigned_at),
                Case.id,
                False,
                lambda c: c.last_contact_at or c.assigned_at,
            ),
        ),
        "closed": (
            _listed(Case).where(Case.status == CaseStatus.CLOSED, Case.closed_at >= closed_since),
            QueueOrder(Case.closed_at, Case.id, True, lambda c: c.closed_at),
        ),
    }


QUEUE_TITLES = {
    "triage": "Referrals waiting for triage",
    "unassigned": "Accepted, waiting for a team",
    "overdue": "Past the first-contact deadline",
    "stale": "Open with no contact for {days} days",
    "closed": "Closed in the last 14 days",
}


def queue_title(key: str) -> str:
    return QUEUE_TITLES[key].format(days=_stale_days())


def supervisor_queue() -> list[QueueSection]:
    """Every queue with its count and first rows, oldest (most urgent) first, in three
    queries: the counts, the referrals waiting for triage, and the cases of the other
    queues (one UNION ALL).

    Each count reads an index only, and each queue's rows come from an ordered index scan
    that stops after QUEUE_PREVIEW rows: nothing here grows with the program's size. (A
    window count or row number taken before the LIMIT would read and sort every row of
    every queue: all the open cases for "stale", a fortnight of closures for "closed".)
    """
    keys, count_stmt, triage_stmt, cases_stmt = _preview_statements()
    times = _queue_times()
    counts = dict(zip(keys, db.session.execute(count_stmt, times).one(), strict=True))
    referrals = list(db.session.scalars(triage_stmt).unique())
    sections = [
        QueueSection(
            key="triage", title=queue_title("triage"), count=counts["triage"], rows=referrals
        )
    ]
    by_section: dict[str, list[tuple[int, Case]]] = {key: [] for key in keys if key != "triage"}
    for case, section, place in db.session.execute(cases_stmt, times).unique():
        by_section[section].append((place, case))
    for key, placed in by_section.items():
        placed.sort(key=lambda item: item[0])
        sections.append(
            QueueSection(
                key=key,
                title=queue_title(key),
                count=counts[key],
                rows=[case for _, case in placed],
            )
        )
    return sections


@cache
def _preview_statements() -> tuple[list[str], Select, Select, Select]:
    """The home page's three queue statements, built once per process with the times as
    bound parameters (building them costs more than running them)."""
    statements = _queue_statements(
        now=bindparam("now"),
        stale_before=bindparam("stale_before"),
        closed_since=bindparam("closed_since"),
    )
    keys = list(statements)
    counts: dict[str, ColumnElement[int]] = {
        key: count_of(stmt) for key, (stmt, _) in statements.items()
    }
    # The stale queue counted as its two disjoint halves, each one range of the
    # (status, last_contact_at, assigned_at) index, instead of reading every open case
    # and filtering on the OR.
    stale_before: BindParameter[datetime] = bindparam("stale_before")
    open_cases = _listed(Case).where(Case.status == CaseStatus.OPEN)
    counts["stale"] = count_of(open_cases.where(Case.last_contact_at < stale_before)) + count_of(
        open_cases.where(Case.last_contact_at.is_(None), Case.assigned_at < stale_before)
    )
    count_stmt = select(*(counts[key] for key in keys))
    triage, triage_order = statements.pop("triage")
    triage_stmt = (
        triage.options(joinedload(Referral.person).joinedload(Person.addresses))
        .order_by(*triage_order.clauses)
        .limit(QUEUE_PREVIEW)
    )
    # Each queue's first rows, and each row's place among them, numbered after the LIMIT;
    # a case may sit in two queues and comes back once for each.
    parts = []
    for key, (stmt, order) in statements.items():
        first = (
            stmt.with_only_columns(*_listed_columns())
            .order_by(*order.clauses)
            .limit(QUEUE_PREVIEW)
            .subquery()
        )
        in_first = ClauseAdapter(first)
        # ORM attributes are not clause elements: the adapter needs their columns.
        columns = [getattr(o, "__clause_element__", lambda o=o: o)() for o in order.clauses]
        parts.append(
            select(
                first,
                literal(key).label("section"),
                func.row_number()
                .over(order_by=[in_first.traverse(c) for c in columns])
                .label("place"),
            )
        )
    queued = union_all(*parts).subquery("queued")
    rows_of = aliased(Case, queued)
    cases_stmt = select(rows_of, queued.c.section, queued.c.place).options(
        joinedload(rows_of.person).joinedload(Person.addresses),
        joinedload(rows_of.team),
        *withheld(rows_of, clinical=False),
    )
    return keys, count_stmt, triage_stmt, cases_stmt


def _listed_columns() -> list[Any]:
    """The case table's columns a list may select (its clinical ones left out)."""
    withheld_names = set(clinical_attributes(Case))
    return [c for c in Case.__table__.columns if c.key not in withheld_names]


def count_of(stmt: Select) -> ScalarSelect[int]:
    """The number of rows `stmt` finds, as a scalar subquery that selects only the id of
    its entity (so an index can answer alone); the home page's counts use it too."""
    (entity,) = stmt.column_descriptions
    key = entity["entity"].id
    return (
        select(func.count()).select_from(stmt.with_only_columns(key).subquery()).scalar_subquery()
    )


def caseload(team_id: int) -> list[Case]:
    """A team's open cases: past the deadline first, then first contact due soonest,
    then longest without contact."""
    cases = list(db.session.scalars(_caseload_statement(), {"team_id": team_id}).unique())
    far = utcnow() + timedelta(days=3650)

    def urgency(case: Case) -> tuple[object, ...]:
        waiting = case.first_contact_at is None
        return (
            not waiting,
            case.first_contact_due_at or far if waiting else far,
            case.last_contact_at or case.assigned_at or far,
            case.id,
        )

    return sorted(cases, key=urgency)


@cache
def _caseload_statement() -> Select[Case]:
    """caseload's statement, built once (every visit to My caseload runs it); the team's
    id is the parameter `team_id`."""
    # Only what a caseload row shows (templates/cases/_row.html): a team has dozens of
    # open cases, and loading every column of each case, person and address is most
    # of the cost of the query (another column would load row by row: the statement
    # budget test would see it).
    return (
        select(Case)
        .where(Case.team_id == bindparam("team_id"), Case.status == CaseStatus.OPEN)
        .options(
            load_only(
                Case.person_id, Case.team_id, Case.status, Case.accepted_at,
                Case.assigned_at, Case.first_contact_due_at, Case.first_contact_at,
                Case.last_contact_at, Case.next_contact_planned_at, Case.closed_at,
                Case.closure_reason,
            ),
            joinedload(Case.person)
            .load_only(
                Person.first_name, Person.last_name, Person.preferred_name
            )
            .selectinload(Person.addresses)
            .load_only(
                PersonAddress.line1, PersonAddress.precinct, PersonAddress.current,
                PersonAddress.recorded_at,
            ),
        )
    )  # fmt: skip


# --- The map of open cases ---------------------------------------------------------


class MapCase(NamedTuple):
    """One open case as the case map shows it: what a caseload row shows, and the point.
    Operational only (the same for every reader): nothing clinical is read. A tuple: a
    supervisor's map makes thousands of them per request."""

    case_id: int
    person_id: int
    name: str
    address: str | None
    precinct: str | None
    latitude: float | None
    longitude: float | None
    approximate: bool
    team_id: int | None
    # No first contact yet: `moment` is when it is due; otherwise the last contact.
    waiting: bool
    moment: datetime | None

    def overdue(self, now: datetime) -> bool:
        """Past the first-contact deadline with no contact yet (the queue's "overdue")."""
        return self.waiting and self.moment is not None and self.moment < now


def map_cases(user: User, team_id: int | None = None) -> list[MapCase]:
    """The open cases the user may list, for the map: a supervisor's are every team's
    (or `team_id`'s), a team member's are their team's, as on My caseload. One query
    of the columns shown, whatever the number of cases (the teams' names: map_team_names)."""
    if policy.sees_all_cases(user):
        team = team_id
    elif policy.is_field_member(user):
        # A member's map is their caseload: never another team's, whatever was asked.
        team = policy.current_team_id(user)
        if team is None:
            return []
    else:
        return []
    stmt = _map_statement().where(case_visibility(user))
    if team is not None:
        stmt = stmt.where(Case.team_id == team)
    found: dict[int, MapCase] = {}
    approximate = LocationStatus.APPROXIMATE
    name_of = Person.name_of
    # Rows unpacked as tuples, through the session's connection (a supervisor's map reads
    # thousands: ORM result handling and Row attributes cost more than the query), and
    # fetched at once (row by row, psycopg's fetchone costs as much as the row itself).
    for (
        case_id, person_id, case_team_id, waiting, moment, first_name, preferred_name,
        last_name, line1, precinct, latitude, longitude, location_status,
    ) in db.session.connection().execute(stmt).all():  # fmt: skip
        if case_id in found:
            continue  # a second current address (none should exist): the first is shown
        found[case_id] = MapCase(
            case_id, person_id, name_of(first_name, preferred_name, last_name), line1,
            precinct, latitude, longitude, location_status is approximate, case_team_id,
            bool(waiting), moment,
        )  # fmt: skip
    return sorted(found.values())


def map_team_names(team_ids: Iterable[int | None]) -> dict[int, str]:
    """The names of the teams a map's cases are with: a few hundred at most, read once
    rather than joined onto each of thousands of rows."""
    wanted = {team_id for team_id in team_ids if team_id is not None}
    if not wanted:
        return {}
    rows = db.session.execute(select(Team.id, Team.name).where(Team.id.in_(sorted(wanted))))
    return {row[0]: row[1] for row in rows}


@cache
def _map_statement() -> Select:
    """map_cases's statement before the viewer's clause, built once. Of a case's times
    it reads the one a pin shows (first contact due, or the last contact): a supervisor's
    map has thousands of rows, and each time read is a string parsed on SQLite."""
    waiting = Case.first_contact_at.is_(None)
    moment = type_coerce(
        case_when((waiting, Case.first_contact_due_at), else_=Case.last_contact_at), UTCDateTime
    )
    return (
        select(
            Case.id, Case.person_id, Case.team_id, waiting.label("waiting"),
            moment.label("moment"),
            Person.first_name, Person.preferred_name, Person.last_name,
            PersonAddress.line1, PersonAddress.precinct, PersonAddress.latitude,
            PersonAddress.longitude, PersonAddress.location_status,
        )
        .join(Person, Person.id == Case.person_id)
        .outerjoin(
            PersonAddress,
            and_(PersonAddress.person_id == Case.person_id, PersonAddress.current.is_(True)),
        )
        # The status written into the statement, not bound: ix_case_open_map holds the
        # open cases only, and neither SQLite nor a PostgreSQL plan prepared for any
        # status (psycopg prepares a statement run five times) may use it otherwise.
        # No ORDER BY: map_cases sorts them.
        .where(Case.status == literal_column(f"'{CaseStatus.OPEN.value}'"))
    )  # fmt: skip

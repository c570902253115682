"""Read paths for cases, always filtered by what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app
from sqlalchemy import Select, and_, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload, load_only

from coresponse.auth.models import User
from coresponse.cases.models import Assignment, Case, CaseEvent, CaseStatus
from coresponse.db_types import utcnow
from coresponse.extensions import db
from coresponse.people.models import Person, PersonAddress
from coresponse.privacy.policy import case_visibility
from coresponse.referrals.models import Referral, ReferralStatus
from coresponse.teams.models import Team, TeamMembership

QUEUE_PREVIEW = 10


def get_visible_case(
    user: User, case_id: int, *, with_person: bool = True, with_team_members: bool = False
) -> Case:
    """The case with its person (addresses, phones, languages) and team, or a 404;
    `with_team_members`: also the team's memberships with their users (a handful).

    A case the user may not see is indistinguishable from one that does not exist.
    """
    stmt = select(Case).where(Case.id == case_id, case_visibility(user))
    stmt = stmt.options(joinedload(Case.team))
    if with_team_members:
        stmt = stmt.options(
            joinedload(Case.team).joinedload(Team.memberships).joinedload(TeamMembership.user)
        )
    if with_person:
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
    case = db.session.scalars(stmt).unique().one_or_none()
    if case is None:
        abort(404)
    return case


def load_case_history(case: Case) -> None:
    """Load the case's referral, assignments and events (with people and teams), in one query."""
    db.session.scalars(
        select(Case)
        .where(Case.id == case.id)
        .options(
            joinedload(Case.referral).joinedload(Referral.risk_indicators),
            joinedload(Case.assignments).options(
                joinedload(Assignment.team), joinedload(Assignment.assigned_by)
            ),
            joinedload(Case.events).joinedload(CaseEvent.by),
        )
    ).unique().all()


# --- The supervisor's queue -----------------------------------------------------


@dataclass(frozen=True)
class QueueSection:
    key: str
    title: str
    count: int
    rows: list


def _stale_days() -> int:
    return int(current_app.config.get("STALE_CASE_DAYS", 7))


def queue_statements() -> dict[str, tuple[Select, tuple]]:  # type: ignore[type-arg]
    """Each queue's rows, as (statement, order); shared by the preview and full lists."""
    now = utcnow()
    stale_before = now - timedelta(days=_stale_days())
    return {
        "triage": (
            select(Referral).where(
                Referral.status.in_([ReferralStatus.RECEIVED, ReferralStatus.INFO_REQUESTED])
            ),
            (Referral.received_at, Referral.id),
        ),
        "unassigned": (
            select(Case).where(Case.status == CaseStatus.AWAITING_ASSIGNMENT),
            (Case.accepted_at, Case.id),
        ),
        "overdue": (
            select(Case).where(
                Case.status == CaseStatus.OPEN,
                Case.first_contact_at.is_(None),
                Case.first_contact_due_at < now,
            ),
            (Case.first_contact_due_at, Case.id),
        ),
        "stale": (
            select(Case).where(
                Case.status == CaseStatus.OPEN,
                or_(
                    Case.last_contact_at < stale_before,
                    and_(Case.last_contact_at.is_(None), Case.assigned_at < stale_before),
                ),
            ),
            (Case.last_contact_at, Case.id),
        ),
        "closed": (
            select(Case).where(
                Case.status == CaseStatus.CLOSED, Case.closed_at >= now - timedelta(days=14)
            ),
            (Case.closed_at.desc(), Case.id.desc()),
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
    """Every queue with its count and first rows, oldest (most urgent) first, in two queries:
    the referrals waiting for triage, and the cases of the other queues (one UNION ALL)."""
    statements = queue_statements()
    triage_stmt, triage_order = statements.pop("triage")
    referral_rows = db.session.execute(
        triage_stmt.add_columns(func.count().over().label("total"))
        .options(joinedload(Referral.person).joinedload(Person.addresses))
        .order_by(*triage_order)
        .limit(QUEUE_PREVIEW)
    ).unique()
    referrals = [(referral, total) for referral, total in referral_rows]
    sections = [
        QueueSection(
            key="triage",
            title=queue_title("triage"),
            count=referrals[0][1] if referrals else 0,
            rows=[referral for referral, _ in referrals],
        )
    ]
    # Each queue's first rows with its size (a window count, taken before the LIMIT) and
    # each row's place in it; a case may sit in two queues and comes back once for each.
    parts = []
    for key, (stmt, order) in statements.items():
        part = (
            stmt.with_only_columns(
                *Case.__table__.columns,
                literal(key).label("section"),
                func.count().over().label("total"),
                func.row_number().over(order_by=order).label("place"),
            )
            .order_by(*order)
            .limit(QUEUE_PREVIEW)
            .subquery()
        )
        parts.append(select(part))
    queued = union_all(*parts).subquery("queued")
    rows_of = aliased(Case, queued)
    found = db.session.execute(
        select(rows_of, queued.c.section, queued.c.total, queued.c.place).options(
            joinedload(rows_of.person).joinedload(Person.addresses), joinedload(rows_of.team)
        )
    ).unique()
    by_section: dict[str, list[tuple[int, Case]]] = {key: [] for key in statements}
    totals: dict[str, int] = {}
    for case, section, total, place in found:
        by_section[section].append((place, case))
        totals[section] = total
    for key, placed in by_section.items():
        placed.sort(key=lambda item: item[0])
        sections.append(
            QueueSection(
                key=key,
                title=queue_title(key),
                count=totals.get(key, 0),
                rows=[case for _, case in placed],
            )
        )
    return sections


def caseload(team_id: int) -> list[Case]:
    """A team's open cases: past the deadline first, then first contact due soonest,
    then longest without contact."""
    # Only what a caseload row shows (templates/cases/_row.html): a team has dozens of
    # open cases, and loading every column of each case, person and address is most
    # of the cost of the query (another column would load row by row: the statement
    # budget test would see it).
    stmt = (
        select(Case)
        .where(Case.team_id == team_id, Case.status == CaseStatus.OPEN)
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
    cases = list(db.session.scalars(stmt).unique())
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

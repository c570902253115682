"""Read paths for cases, always filtered by what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from coresponse.auth.models import User
from coresponse.cases.models import Assignment, Case, CaseEvent, CaseStatus
from coresponse.db_types import utcnow
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.privacy.policy import case_visibility
from coresponse.referrals.models import Referral, ReferralStatus

QUEUE_PREVIEW = 10


def get_visible_case(user: User, case_id: int, *, with_person: bool = True) -> Case:
    """The case with its person (addresses, phones, languages) and team, or a 404.

    A case the user may not see is indistinguishable from one that does not exist.
    """
    stmt = select(Case).where(Case.id == case_id, case_visibility(user))
    stmt = stmt.options(joinedload(Case.team))
    if with_person:
        stmt = stmt.options(
            joinedload(Case.person).options(
                selectinload(Person.addresses),
                selectinload(Person.phones),
                selectinload(Person.languages),
                selectinload(Person.aliases),
            )
        )
    case = db.session.scalar(stmt)
    if case is None:
        abort(404)
    return case


def load_case_history(case: Case) -> None:
    """Load the case's referral, assignments and events (with people and teams)."""
    db.session.scalars(
        select(Case)
        .where(Case.id == case.id)
        .options(
            joinedload(Case.referral).selectinload(Referral.risk_indicators),
            selectinload(Case.assignments).options(
                joinedload(Assignment.team), joinedload(Assignment.assigned_by)
            ),
            selectinload(Case.events).joinedload(CaseEvent.by),
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


def _case_rows(stmt: Select, order, limit: int) -> list[Case]:  # type: ignore[type-arg,no-untyped-def]
    stmt = stmt.options(
        joinedload(Case.person).selectinload(Person.addresses), joinedload(Case.team)
    )
    return list(db.session.scalars(stmt.order_by(*order).limit(limit)).unique())


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
    """Every queue with its count and first rows, oldest (most urgent) first."""
    statements = queue_statements()
    # Every count in one round trip.
    counts = (
        db.session.execute(
            select(
                *(
                    select(func.count()).select_from(stmt.subquery()).scalar_subquery().label(key)
                    for key, (stmt, _order) in statements.items()
                )
            )
        )
        .one()
        ._asdict()
    )
    sections = []
    for key, (stmt, order) in statements.items():
        count = counts[key] or 0
        if key == "triage":
            rows = list(
                db.session.scalars(
                    stmt.options(joinedload(Referral.person).selectinload(Person.addresses))
                    .order_by(*order)
                    .limit(QUEUE_PREVIEW)
                ).unique()
            )
        else:
            rows = _case_rows(stmt, order, QUEUE_PREVIEW)
        sections.append(QueueSection(key=key, title=queue_title(key), count=count, rows=rows))
    return sections


def caseload(team_id: int) -> list[Case]:
    """A team's open cases: past the deadline first, then first contact due soonest,
    then longest without contact."""
    stmt = (
        select(Case)
        .where(Case.team_id == team_id, Case.status == CaseStatus.OPEN)
        .options(joinedload(Case.person).selectinload(Person.addresses))
    )
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

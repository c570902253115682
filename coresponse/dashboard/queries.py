"""Counts for the home page. Aggregates only: no names, no clinical content."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from coresponse.cases.models import Case, CaseStatus
from coresponse.db_types import utcnow
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.referrals.models import Referral, ReferralStatus


@dataclass(frozen=True)
class ProgramCounts:
    referrals_awaiting_triage: int
    referrals_info_requested: int
    cases_awaiting_team: int
    open_cases: int
    first_contact_overdue: int
    people: int


@dataclass(frozen=True)
class TeamCounts:
    open_cases: int
    first_contact_overdue: int


def program_counts() -> ProgramCounts:
    """Program-wide work in progress, in four queries."""
    referral_counts = dict(
        db.session.execute(
            select(Referral.status, func.count())
            .where(Referral.status.in_([ReferralStatus.RECEIVED, ReferralStatus.INFO_REQUESTED]))
            .group_by(Referral.status)
        ).all()
    )
    case_counts = dict(
        db.session.execute(
            select(Case.status, func.count())
            .where(Case.status != CaseStatus.CLOSED)
            .group_by(Case.status)
        ).all()
    )
    return ProgramCounts(
        referrals_awaiting_triage=referral_counts.get(ReferralStatus.RECEIVED, 0),
        referrals_info_requested=referral_counts.get(ReferralStatus.INFO_REQUESTED, 0),
        cases_awaiting_team=case_counts.get(CaseStatus.AWAITING_ASSIGNMENT, 0),
        open_cases=case_counts.get(CaseStatus.OPEN, 0),
        first_contact_overdue=_overdue(None),
        people=db.session.scalar(select(func.count()).select_from(Person)) or 0,
    )


def team_counts(team_id: int) -> TeamCounts:
    """Open cases of one team and how many are past their first-contact deadline."""
    open_cases = db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(Case.team_id == team_id, Case.status == CaseStatus.OPEN)
    )
    return TeamCounts(open_cases=open_cases or 0, first_contact_overdue=_overdue(team_id))


def _overdue(team_id: int | None) -> int:
    stmt = (
        select(func.count())
        .select_from(Case)
        .where(
            Case.status == CaseStatus.OPEN,
            Case.first_contact_at.is_(None),
            Case.first_contact_due_at < utcnow(),
        )
    )
    if team_id is not None:
        stmt = stmt.where(Case.team_id == team_id)
    return db.session.scalar(stmt) or 0

"""Counts for the home page. Aggregates only: no names, no clinical content."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, literal, select
from sqlalchemy.orm import joinedload, load_only

from coresponse.auth import queries as auth_queries
from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.queries import count_of
from coresponse.clock import utcnow
from coresponse.consent import queries as consent_queries
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.privacy import policy
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
    """Program-wide work in progress, every count in one query."""
    counts = db.session.execute(
        select(
            count_of(select(Referral.id).where(Referral.status == ReferralStatus.RECEIVED)),
            count_of(select(Referral.id).where(Referral.status == ReferralStatus.INFO_REQUESTED)),
            count_of(select(Case.id).where(Case.status == CaseStatus.AWAITING_ASSIGNMENT)),
            count_of(select(Case.id).where(Case.status == CaseStatus.OPEN)),
            count_of(_overdue(None)),
            count_of(select(Person.id).where(Person.merged_into_id.is_(None))),
        )
    ).one()
    return ProgramCounts(*(value or 0 for value in counts))


@dataclass(frozen=True)
class Decisions:
    """What waits for a supervisor's decision."""

    break_glass: int  # emergency accesses to review (clinical supervisors)
    access_requests: int  # accounts' access to people's records they may approve


def decisions_waiting(user: User) -> Decisions:
    """A supervisor's reviews and approvals waiting, both counts in one query."""
    break_glass = (
        count_of(consent_queries.unacknowledged_break_glass_ids())
        if policy.can_review_break_glass(user)
        else literal(0)
    )
    counts = db.session.execute(
        select(break_glass, count_of(auth_queries.access_requests_for(user)))
    ).one()
    return Decisions(*(value or 0 for value in counts))


def team_counts(team_id: int) -> TeamCounts:
    """Open cases of one team and how many are past their first-contact deadline, in one query."""
    open_cases, overdue = db.session.execute(
        select(
            count_of(
                select(Case.id).where(Case.team_id == team_id, Case.status == CaseStatus.OPEN)
            ),
            count_of(_overdue(team_id)),
        )
    ).one()
    return TeamCounts(open_cases=open_cases or 0, first_contact_overdue=overdue or 0)


def new_referrals_for_team(team_id: int) -> list[Case]:
    """The team's open cases a repeat referral joined since anyone on the team last opened
    them, newest news first (with the person's name: the home page lists them)."""
    return list(
        db.session.scalars(
            select(Case)
            .where(
                Case.team_id == team_id,
                Case.new_referral_at.is_not(None),
                Case.status == CaseStatus.OPEN,
            )
            .options(
                load_only(Case.person_id, Case.team_id, Case.status, Case.new_referral_at),
                joinedload(Case.person).load_only(
                    Person.first_name, Person.last_name, Person.preferred_name
                ),
            )
            .order_by(Case.new_referral_at.desc(), Case.id.desc())
        )
    )


def _overdue(team_id: int | None) -> Select[int]:
    """Open cases still waiting for their first contact after its deadline."""
    stmt = select(Case.id).where(
        Case.status == CaseStatus.OPEN,
        Case.first_contact_at.is_(None),
        Case.first_contact_due_at < utcnow(),
    )
    if team_id is not None:
        stmt = stmt.where(Case.team_id == team_id)
    return stmt

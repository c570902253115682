"""Access rules for people, cases and clinical content. Deny by default.

Pages, printouts, exports, search and the API ask these functions; templates call
them too and never restate a rule. A record the user may not see is a 404.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import ColumnElement, false, select, true

from coresponse.auth.models import Role, User
from coresponse.cases.models import Case
from coresponse.extensions import db
from coresponse.teams.models import TeamMembership


def current_team_id(user: User) -> int | None:
    """The id of the team the user is on now (cached for the request)."""
    if not user.is_authenticated:
        return None
    cache_key = f"_team_id_{user.id}"
    if has_request_context() and cache_key in g:
        return g.get(cache_key)
    team_id = db.session.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.user_id == user.id, TeamMembership.left_at.is_(None)
        )
    )
    if has_request_context():
        setattr(g, cache_key, team_id)
    return team_id


def sees_all_cases(user: User) -> bool:
    """Supervisors oversee every case of the program."""
    return user.is_authenticated and user.active and user.role is Role.SUPERVISOR


def is_field_member(user: User) -> bool:
    return user.is_authenticated and user.active and user.role in (Role.OFFICER, Role.CLINICIAN)


def can_read_clinical(user: User) -> bool:
    """Clinical notes, risk, diagnoses and substance use: clinicians and clinical supervisors."""
    return user.is_authenticated and user.active and user.is_clinical


def case_visibility(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Case limiting rows to those the user may see."""
    if sees_all_cases(user):
        return true()
    if is_field_member(user):
        team_id = current_team_id(user)
        if team_id is not None:
            return Case.team_id == team_id
    return false()


def can_view_case(user: User, case: Case) -> bool:
    if sees_all_cases(user):
        return True
    return (
        is_field_member(user)
        and case.team_id is not None
        and (case.team_id == current_team_id(user))
    )


def can_view_person(user: User, person_id: int) -> bool:
    """Supervisors see everyone; team members see people with a case of their team."""
    if sees_all_cases(user):
        return True
    if not is_field_member(user) or current_team_id(user) is None:
        return False
    return (
        db.session.scalar(
            select(Case.id).where(Case.person_id == person_id, case_visibility(user)).limit(1)
        )
        is not None
    )


def can_search_people(user: User) -> bool:
    return sees_all_cases(user) or is_field_member(user)


def can_take_referrals(user: User) -> bool:
    """Intake: supervisors and clinicians record referrals."""
    return user.is_authenticated and user.active and user.role in (Role.SUPERVISOR, Role.CLINICIAN)


def can_triage(user: User) -> bool:
    return sees_all_cases(user)


def can_assign(user: User) -> bool:
    return sees_all_cases(user)


def can_close_case(user: User, case: Case) -> bool:
    """Supervisors and the team's clinician close and reopen cases."""
    if sees_all_cases(user):
        return True
    return user.role is Role.CLINICIAN and can_view_case(user, case)


def can_log_contact(user: User, case: Case) -> bool:
    """The team's officers and clinician log contacts on the team's cases."""
    return is_field_member(user) and can_view_case(user, case)


def can_manage_linkages(user: User, case: Case) -> bool:
    """Connections to care are clinical: the team's clinician and clinical supervisors."""
    return can_read_clinical(user) and can_view_case(user, case)


def can_view_linkages(user: User) -> bool:
    return can_read_clinical(user)


def can_manage_providers(user: User) -> bool:
    return (
        user.is_authenticated
        and user.active
        and (user.role in (Role.CLINICIAN, Role.ADMIN) or user.is_clinical)
    )

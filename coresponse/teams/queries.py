"""Read paths for teams: lists with members loaded, each team's staffing (training read in
the same statement), and who can still join."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TypeVarTuple

from sqlalchemy import Date, Row, Select, bindparam, exists, func, literal, or_, select
from sqlalchemy.orm import joinedload, selectinload

from coresponse.auth.models import TEAM_ROLES, User
from coresponse.clock import program_today
from coresponse.extensions import db
from coresponse.privacy.policy import current_team_id
from coresponse.teams.models import REQUIRED_COMPOSITION, Staffing, Team, TeamMembership
from coresponse.training import queries as training_queries

_Ts = TypeVarTuple("_Ts")

# One query: a team has a few coverage areas and a few memberships, so joining both
# multiplies a team's rows by a small number, not by the data's size.
_TEAM_JOINS = (
    joinedload(Team.coverage),
    joinedload(Team.memberships).joinedload(TeamMembership.user),
)


def staffing_of(team: Team) -> Staffing:
    """Whether this team (members loaded) can be dispatched now, and what stops it: the
    rule dispatch and reopening apply. One statement, for who lacks training."""
    missing = db.session.scalar(
        select(training_queries.officers_missing_cit_column(literal(team.id)))
    )
    return team.staffing(training_queries.missing_cit_ids(missing))


def list_teams() -> list[Team]:
    """Every team, active first, with coverage and members loaded, in one query."""
    stmt = select(Team).options(*_TEAM_JOINS).order_by(Team.active.desc(), Team.name)
    return list(db.session.scalars(stmt).unique())


def list_teams_with_staffing() -> list[tuple[Team, Staffing]]:
    """Every team, active first, with coverage and members loaded and whether it can be
    dispatched (training included), in one query."""
    stmt = (
        select(Team, training_queries.officers_missing_cit_column(Team.id))
        .options(*_TEAM_JOINS)
        .order_by(Team.active.desc(), Team.name)
    )
    return _with_staffing(db.session.execute(stmt).unique())


def _with_staffing(
    rows: Iterable[Row[Team, str | None]] | Iterable[tuple[Team, str | None]],
) -> list[tuple[Team, Staffing]]:
    """Rows of (team, officers_missing_cit_column) as each team and its staffing."""
    return [
        (team, team.staffing(training_queries.missing_cit_ids(missing))) for team, missing in rows
    ]


@dataclass(frozen=True)
class TeamsAttention:
    """The active teams that cannot be dispatched now (each with what stops it), and how
    many teams are active."""

    teams: list[tuple[Team, Staffing]]
    active: int


def teams_needing_attention() -> TeamsAttention:
    """Active teams that cannot be dispatched now, with coverage and members loaded: the
    home page lists what needs a supervisor, not every team of a city. One query (two when
    every team can be dispatched, to tell that apart from having no team at all).

    The query keeps the teams whose current active members differ from the required two
    officers and one clinician, and those with an officer lacking current Crisis
    Intervention Training; the team's staffing has the last word.
    """
    understaffed, active = _attention_statements(training_queries.cit_required())
    found = list(db.session.execute(understaffed, {"cit_day": program_today()}).unique())
    if not found:
        return TeamsAttention(teams=[], active=db.session.scalar(active) or 0)
    teams = [
        (team, staffing)
        for team, staffing in _with_staffing((team, missing) for team, missing, _ in found)
        if not staffing.dispatchable
    ]
    return TeamsAttention(teams=teams, active=found[0][2])


@cache
def _attention_statements(cit_required: bool) -> tuple[Select[Team, str | None, int], Select[int]]:
    """teams_needing_attention's statements, built once for each setting of the training
    rule (the supervisor home runs them on every visit; the day is a parameter): the
    active teams not staffed as required or with an officer lacking training, each with
    those officers and the number of active teams; and that number alone."""
    # The teams staffed as required, from one pass over the current memberships (a
    # count per team and role would probe them 400 times for 200 teams); the query
    # keeps the active teams not among them.
    staffed = (
        select(TeamMembership.team_id)
        .join(User, User.id == TeamMembership.user_id)
        .where(TeamMembership.left_at.is_(None), User.active)
        .group_by(TeamMembership.team_id)
        .having(
            *(
                func.count().filter(User.role == role) == needed
                for role, needed in REQUIRED_COMPOSITION.items()
            )
        )
    )
    active = select(func.count()).select_from(Team).where(Team.active)
    missing_cit = training_queries.officers_missing_cit_column(
        Team.id, bindparam("cit_day", type_=Date()), required=cit_required
    )
    understaffed = (
        select(Team, missing_cit, active.scalar_subquery())
        .options(*_TEAM_JOINS)
        .where(Team.active, or_(Team.id.not_in(staffed), missing_cit.is_not(None)))
        .order_by(Team.name)
    )
    return understaffed, active


def get_team(team_id: int) -> Team | None:
    """One team with coverage, membership history and the people involved loaded."""
    return db.session.scalar(_get_team_statement(select(Team), team_id))


def get_team_with_staffing(team_id: int) -> tuple[Team, Staffing] | None:
    """get_team, and whether the team can be dispatched (training included), in the same
    statements."""
    stmt = select(Team, training_queries.officers_missing_cit_column(Team.id))
    found = _with_staffing(db.session.execute(_get_team_statement(stmt, team_id)))
    return found[0] if found else None


def _get_team_statement(stmt: Select[*_Ts], team_id: int) -> Select[*_Ts]:
    return stmt.options(
        selectinload(Team.coverage),
        selectinload(Team.memberships).options(
            selectinload(TeamMembership.user),
            selectinload(TeamMembership.added_by),
            selectinload(TeamMembership.removed_by),
        ),
    ).where(Team.id == team_id)


def team_of(user: User) -> Team | None:
    """The team the user is on now, with coverage and members loaded, in one query
    (none when the request already knows the user is on no team)."""
    team_id = current_team_id(user)
    if team_id is None:
        return None
    stmt = select(Team).options(*_TEAM_JOINS).where(Team.id == team_id)
    return db.session.scalars(stmt).unique().one_or_none()


def team_with_staffing_of(user: User) -> tuple[Team, Staffing] | None:
    """team_of, and whether the team can be dispatched (training included), in the same
    query."""
    team_id = current_team_id(user)
    if team_id is None:
        return None
    stmt = (
        select(Team, training_queries.officers_missing_cit_column(Team.id))
        .options(*_TEAM_JOINS)
        .where(Team.id == team_id)
    )
    found = _with_staffing(db.session.execute(stmt).unique())
    return found[0] if found else None


def users_free_to_join() -> list[User]:
    """Active officers and clinicians who are not on any team now."""
    on_a_team = exists().where(TeamMembership.user_id == User.id, TeamMembership.left_at.is_(None))
    stmt = (
        select(User)
        .where(User.active, User.role.in_(TEAM_ROLES), ~on_a_team)
        .order_by(User.role, User.full_name)
    )
    return list(db.session.scalars(stmt))


def map_entry(team: Team) -> dict[str, object]:
    """What a map draws of a team (no one's data): its base and the precincts it covers
    (coverage loaded)."""
    placed = team.base_latitude is not None and team.base_longitude is not None
    return {
        "id": team.id,
        "name": team.name,
        "base": [team.base_latitude, team.base_longitude] if placed else None,
        "precincts": team.precincts,
    }

"""Read paths for teams: lists with members loaded, and who can still join."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import joinedload, selectinload

from coresponse.auth.models import TEAM_ROLES, User
from coresponse.extensions import db
from coresponse.privacy.policy import current_team_id
from coresponse.teams.models import REQUIRED_COMPOSITION, Team, TeamMembership

# One query: a team has a few coverage areas and a few memberships, so joining both
# multiplies a team's rows by a small number, not by the data's size.
_TEAM_JOINS = (
    joinedload(Team.coverage),
    joinedload(Team.memberships).joinedload(TeamMembership.user),
)


def list_teams() -> list[Team]:
    """Every team, active first, with coverage and members loaded, in one query."""
    stmt = select(Team).options(*_TEAM_JOINS).order_by(Team.active.desc(), Team.name)
    return list(db.session.scalars(stmt).unique())


@dataclass(frozen=True)
class TeamsAttention:
    """The active teams that cannot be dispatched now, and how many teams are active."""

    teams: list[Team]
    active: int


def teams_needing_attention() -> TeamsAttention:
    """Active teams that cannot be dispatched now, with coverage and members loaded: the
    home page lists what needs a supervisor, not every team of a city. One query (two when
    every team can be dispatched, to tell that apart from having no team at all).

    The query keeps the teams whose current active members differ from the required two
    officers and one clinician; the model's own staffing check has the last word.
    """
    understaffed, active = _attention_statements()
    found = list(db.session.execute(understaffed).unique())
    if not found:
        return TeamsAttention(teams=[], active=db.session.scalar(active) or 0)
    teams = [team for team, _ in found if not team.dispatchable]
    return TeamsAttention(teams=teams, active=found[0][1])


@cache
def _attention_statements() -> tuple[Select[Team, int], Select[int]]:
    """teams_needing_attention's statements, built once (the supervisor home runs them
    on every visit): the active teams not staffed as required, each with the number of
    active teams; and that number alone."""
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
    understaffed = (
        select(Team, active.scalar_subquery())
        .options(*_TEAM_JOINS)
        .where(Team.active, Team.id.not_in(staffed))
        .order_by(Team.name)
    )
    return understaffed, active


def get_team(team_id: int) -> Team | None:
    """One team with coverage, membership history and the people involved loaded."""
    stmt = (
        select(Team)
        .options(
            selectinload(Team.coverage),
            selectinload(Team.memberships).options(
                selectinload(TeamMembership.user),
                selectinload(TeamMembership.added_by),
                selectinload(TeamMembership.removed_by),
            ),
        )
        .where(Team.id == team_id)
    )
    return db.session.scalar(stmt)


def team_of(user: User) -> Team | None:
    """The team the user is on now, with coverage and members loaded, in one query
    (none when the request already knows the user is on no team)."""
    team_id = current_team_id(user)
    if team_id is None:
        return None
    stmt = select(Team).options(*_TEAM_JOINS).where(Team.id == team_id)
    return db.session.scalars(stmt).unique().one_or_none()


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

"""Every change to teams: creating, editing, coverage, and membership."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change
from coresponse.auth.models import TEAM_ROLES, Role, User
from coresponse.clock import utcnow
from coresponse.errors import Conflict, DomainError
from coresponse.extensions import db
from coresponse.geo.nyc import normalise_precinct
from coresponse.geo.precincts import PrecinctIndex, current_index
from coresponse.geo.services import check_point, geocode_line
from coresponse.locking import check_version, flush_or_conflict
from coresponse.people.models import LocationStatus
from coresponse.teams.models import (
    REQUIRED_COMPOSITION,
    AreaType,
    Team,
    TeamCoverage,
    TeamMembership,
)


class TeamError(DomainError):
    """A team change the rules refuse."""


@dataclass
class TeamDetails:
    """What a supervisor fills in for a team. Without a base point, the base is placed from
    its address (as a person's address is); the base's precinct follows from the point."""

    name: str
    base_address: str
    base_latitude: float | None = None
    base_longitude: float | None = None
    precincts: list[str] = field(default_factory=list)
    shift_start: time | None = None
    shift_end: time | None = None
    active: bool = True


def _validated(
    details: TeamDetails, *, team_id: int | None, index: PrecinctIndex
) -> tuple[str, list[str]]:
    name = " ".join(details.name.split())
    if not name:
        raise TeamError("A team needs a name.", field="name")
    if not details.base_address.strip():
        raise TeamError("A team needs a base address.", field="base_address")
    check_point(
        details.base_latitude,
        details.base_longitude,
        error=TeamError,
        latitude_field="base_latitude",
        longitude_field="base_longitude",
    )
    if (details.shift_start is None) != (details.shift_end is None):
        raise TeamError(
            "Give both shift start and end, or leave both empty for around the clock.",
            field="shift_start",
        )
    if details.shift_start is not None and details.shift_start == details.shift_end:
        raise TeamError(
            "Shift start and end are the same; leave both empty for around the clock.",
            field="shift_start",
        )
    precincts: list[str] = []
    for raw in details.precincts:
        code = normalise_precinct(str(raw))
        if code is None or code not in index.by_code:
            raise TeamError(f"{raw!r} is not an NYC police precinct.", field="precincts")
        if code not in precincts:
            precincts.append(code)
    if not precincts:
        raise TeamError("A team must cover at least one precinct.", field="precincts")
    taken = db.session.scalar(
        select(Team.id).where(func.lower(Team.name) == name.lower(), Team.id != (team_id or 0))
    )
    if taken:
        raise Conflict(f"There is already a team called {name!r}.", field="name")
    return name, sorted(precincts, key=int)


def _set_coverage(team: Team, precincts: list[str]) -> None:
    wanted = {code: int(code) for code in precincts}
    have = {(c.area_type, c.area_code): c for c in team.coverage}
    for code, sort_key in sorted(wanted.items(), key=lambda w: w[1]):
        if (AreaType.PRECINCT, code) not in have:
            team.coverage.append(
                TeamCoverage(area_type=AreaType.PRECINCT, area_code=code, sort_key=sort_key)
            )
    # Coverage is configuration, not a record of a person: replacing it is not a deletion
    # of history (the audit event keeps what changed).
    for (area_type, code), row in have.items():
        if area_type is not AreaType.PRECINCT or code not in wanted:
            team.coverage.remove(row)


def _place_base(team: Team, details: TeamDetails, index: PrecinctIndex) -> None:
    """Put the base at the point typed, or else where its address is (geocoded like a
    person's address); its precinct follows from the point."""
    address = details.base_address.strip()
    latitude, longitude = details.base_latitude, details.base_longitude
    typed = (latitude, longitude)
    stored = (team.base_latitude, team.base_longitude)
    moved = address != team.base_address
    if latitude is None or longitude is None or (moved and typed == stored):
        # Nothing typed, or the form only sent back the point of the old address.
        found = geocode_line(address)
        if found is None:
            team.base_latitude = team.base_longitude = team.base_precinct = None
            team.base_location_status = LocationStatus.NEEDED
            return
        latitude, longitude = found.latitude, found.longitude
        status = (
            LocationStatus.LOCATED if found.precision == "address" else LocationStatus.APPROXIMATE
        )
    else:
        status = (
            team.base_location_status
            if typed == stored and team.base_location_status is not None
            else LocationStatus.MANUAL
        )
        if typed != stored and not index.locate(latitude, longitude).inside:
            raise TeamError(
                f"{latitude:.5f}, {longitude:.5f} is outside the program's area: no NYC police "
                "precinct contains it. Check the base's latitude and longitude, or leave them "
                "empty to place the base from its address.",
                field="base_latitude",
            )
    team.base_latitude, team.base_longitude = latitude, longitude
    team.base_location_status = status
    team.base_precinct = index.locate(latitude, longitude).precinct


def create_team(
    details: TeamDetails, *, by: User | None, request_info: RequestInfo | None = None
) -> Team:
    """Create a team with its base and coverage; it has no members yet."""
    index = current_index()
    name, precincts = _validated(details, team_id=None, index=index)
    team = Team(
        name=name,
        base_address="",
        base_location_status=LocationStatus.NEEDED,
        shift_start=details.shift_start,
        shift_end=details.shift_end,
        active=details.active,
        created_by_id=by.id if by else None,
        coverage=[],
        memberships=[],
    )
    _place_base(team, details, index)
    team.base_address = details.base_address.strip()
    _set_coverage(team, precincts)
    db.session.add(team)
    _audit(AuditAction.CREATE, team, by, f"created team {team.name}", request_info)
    return team


def update_team(
    team: Team,
    details: TeamDetails,
    *,
    by: User | None,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> Team:
    """Change a team's name, base, coverage, shift or active flag."""
    check_version(team, expected_version, team.name)
    index = current_index()
    name, precincts = _validated(details, team_id=team.id, index=index)
    team.name = name
    _place_base(team, details, index)
    team.base_address = details.base_address.strip()
    team.shift_start = details.shift_start
    team.shift_end = details.shift_end
    team.active = details.active
    _set_coverage(team, precincts)
    # Coverage lives in its own rows: the team row changes too, so its version moves on.
    team.updated_at = utcnow()
    flush_or_conflict(team.name, expected_version)
    _audit(AuditAction.UPDATE, team, by, "details edited", request_info)
    return team


def rederive_base_areas(index: PrecinctIndex) -> int:
    """Give every placed team base the precinct its point is in under `index` (new
    boundaries); returns how many changed."""
    changed = 0
    for team in db.session.scalars(select(Team).where(Team.base_latitude.is_not(None))):
        if team.base_latitude is None or team.base_longitude is None:
            continue
        precinct = index.locate(team.base_latitude, team.base_longitude).precinct
        if precinct != team.base_precinct:
            team.base_precinct = precinct
            changed += 1
    db.session.flush()
    return changed


def current_membership(user: User) -> TeamMembership | None:
    """The user's membership now, with its team loaded."""
    return db.session.scalar(
        select(TeamMembership)
        .options(selectinload(TeamMembership.team))
        .where(TeamMembership.user_id == user.id, TeamMembership.left_at.is_(None))
    )


def add_member(
    team: Team,
    user: User,
    *,
    by: User | None,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> TeamMembership:
    """Put an officer or clinician on a team, keeping it to two officers and one clinician.

    The team's version moves on with every membership change, so two supervisors
    filling the same place at once cannot both succeed: the second gets a 409.
    """
    check_version(team, expected_version, team.name)
    if not user.active:
        raise TeamError(f"{user.full_name}'s account is disabled.", field="user_id")
    if user.role not in TEAM_ROLES:
        raise TeamError(
            f"{user.full_name} is a {user.role_label.lower()}; only officers and clinicians "
            "are team members.",
            field="user_id",
        )
    existing = current_membership(user)
    if existing is not None:
        where = "this team" if existing.team_id == team.id else existing.team.name
        raise Conflict(
            f"{user.full_name} is already on {where}. Remove them there first.",
            field="user_id",
        )
    same_role = db.session.execute(
        select(func.count())
        .select_from(TeamMembership)
        .join(User, User.id == TeamMembership.user_id)
        .where(
            TeamMembership.team_id == team.id,
            TeamMembership.left_at.is_(None),
            User.role == user.role,
            User.active,
        )
    ).scalar_one()
    limit = REQUIRED_COMPOSITION[user.role]
    if same_role >= limit:
        noun = "two officers" if user.role is Role.OFFICER else "a clinician"
        raise TeamError(
            f"{team.name} already has {noun}. Remove one before adding {user.full_name}.",
            field="user_id",
        )
    membership = TeamMembership(team=team, user=user, added_by_id=by.id if by else None)
    db.session.add(membership)
    team.updated_at = utcnow()
    flush_or_conflict(team.name, expected_version)
    _audit(AuditAction.UPDATE, team, by, f"{user.username} joined", request_info)
    return membership


def remove_member(
    membership: TeamMembership,
    *,
    by: User | None,
    reason: str | None = None,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> TeamMembership:
    """End a membership; the row stays as history (`membership.team` must be loaded)."""
    team = membership.team
    check_version(team, expected_version, team.name)
    if membership.left_at is not None:
        raise TeamError("That person has already left the team.")
    membership.left_at = utcnow()
    membership.removed_by_id = by.id if by else None
    membership.leave_reason = (reason or "").strip() or None
    team.updated_at = membership.left_at
    flush_or_conflict(team.name, expected_version)
    _audit(
        AuditAction.UPDATE,
        membership.team,
        by,
        f"{membership.user.username} left" + (f": {membership.leave_reason}" if reason else ""),
        request_info,
    )
    return membership


def end_current_membership(user: User, *, by: User | None, reason: str) -> TeamMembership | None:
    """Take a user off their team, if they are on one (used when an account is disabled)."""
    membership = current_membership(user)
    if membership is None:
        return None
    membership.user = user
    return remove_member(membership, by=by, reason=reason)


def _audit(
    action: AuditAction, team: Team, by: User | None, detail: str, info: RequestInfo | None
) -> None:
    # A team's events are account data: who may be dispatched, not anyone's record.
    record_change(
        action, team, by=by, detail=detail, category=DataCategory.ACCOUNT, request_info=info
    )

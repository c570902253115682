"""Teams with their coverage, members and membership history (through the team services),
and the team a supervisor would pick for a place."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from coresponse.demo.reference import TEAM_SPECS, Departure, Neighborhood
from coresponse.demo.world import TEAM_FOUNDED_DAYS, Span, TeamTimeline, World
from coresponse.geo.nyc import precinct_label
from coresponse.teams.models import Team, TeamMembership
from coresponse.teams.services import TeamDetails, add_member, create_team, remove_member


def create_teams(world: World) -> None:
    """Six teams with their coverage, members and membership history."""
    admin = world.users["admin"]
    founded = world.now - timedelta(days=TEAM_FOUNDED_DAYS)
    for spec in TEAM_SPECS:
        team = create_team(
            TeamDetails(
                name=spec.name,
                base_address=spec.base_address,
                base_latitude=spec.latitude,
                base_longitude=spec.longitude,
                precincts=list(spec.precincts),
                shift_start=spec.shift[0] if spec.shift else None,
                shift_end=spec.shift[1] if spec.shift else None,
            ),
            by=admin,
        )
        team.created_at = founded
        timeline = TeamTimeline(spec=spec, team_id=team.id)
        memberships: dict[str, TeamMembership] = {}
        for username in (spec.clinician, *spec.officers):
            memberships[username] = add_member(team, world.users[username], by=admin)
            # Founders joined within the team's first weeks; history should look lived-in.
            memberships[username].joined_at = founded + world.dice.days(0, 21)
        if spec.departure is not None:
            _staff_change(world, team, spec.departure, memberships)
        for username, membership in memberships.items():
            user = world.users[username]
            timeline.spans.append(
                Span(user.id, user.full_name, user.role, membership.joined_at, membership.left_at)
            )
        world.teams.append(timeline)


def _staff_change(
    world: World, team: Team, departure: Departure, memberships: dict[str, TeamMembership]
) -> None:
    """An officer leaves (and maybe is replaced), dated back so the history reads true."""
    admin = world.users["admin"]
    leaving = memberships[departure.username]
    remove_member(leaving, by=admin, reason=departure.reason)
    leaving.left_at = world.now - timedelta(days=departure.days_ago)
    if departure.replaced_by is not None and departure.replaced_days_ago is not None:
        joining = add_member(team, world.users[departure.replaced_by], by=admin)
        joining.joined_at = world.now - timedelta(days=departure.replaced_days_ago)
        memberships[departure.replaced_by] = joining


def team_for(world: World, place: Neighborhood, at: datetime) -> tuple[TeamTimeline, str]:
    """The team a supervisor would pick: the covering one, else the nearest that can take cases."""
    covering = [t for t in world.teams if t.covers(place)]
    ready = [t for t in covering if t.dispatchable_at(at)]
    area = precinct_label(place.precinct)
    if ready:
        by_precinct = place.precinct in ready[0].spec.precincts
        return ready[0], f"Covers the {area}." if by_precinct else f"Covers {place.borough.label}."
    available = [t for t in world.teams if t.dispatchable_at(at)] or world.teams
    nearest = min(available, key=lambda t: distance_km(place, t.spec.latitude, t.spec.longitude))
    if covering:
        why = f"{covering[0].spec.name} is short-staffed; nearest team that can take cases."
    else:
        why = f"No team covers the {area}; nearest team that can take cases."
    return nearest, why


def reassignment_team(
    world: World, place: Neighborhood, at: datetime, current: TeamTimeline
) -> TeamTimeline | None:
    """The nearest other team that can take the case at that moment, if any."""
    others = [t for t in world.teams if t is not current and t.dispatchable_at(at)]
    if not others:
        return None
    return min(others, key=lambda t: distance_km(place, t.spec.latitude, t.spec.longitude))


def distance_km(place: Neighborhood, latitude: float, longitude: float) -> float:
    """Rough distance in km; enough to rank teams by how far their base is."""
    dy = (place.latitude - latitude) * 111.0
    dx = (place.longitude - longitude) * 111.0 * math.cos(math.radians(place.latitude))
    return math.hypot(dx, dy)

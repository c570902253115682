"""Ranking teams for a case, with the reasons a supervisor weighs."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import program_zone, utcnow
from coresponse.extensions import db
from coresponse.geo.distance import distance_km
from coresponse.geo.nyc import precinct_label
from coresponse.people.models import PersonAddress
from coresponse.teams.models import Team, TeamMembership
from coresponse.training import queries as training_queries


@dataclass
class TeamOption:
    """One team as a candidate for the case."""

    team: Team
    dispatchable: bool
    covers_precinct: bool
    distance_km: float | None
    open_cases: int
    on_shift: bool
    current: bool = False
    reasons: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[object, ...]:
        # Only dispatchable teams can be chosen; among them: covers the person's precinct,
        # then on shift now, then nearest base, then the fewest open cases.
        return (
            not self.dispatchable,
            not self.covers_precinct,
            not self.on_shift,
            self.distance_km if self.distance_km is not None else math.inf,
            self.open_cases,
            self.team.name,
        )


@dataclass
class Ranking:
    """The teams for a case, best first, and what the supervisor must be told about the
    person's place before choosing (nothing when a dispatchable team covers it)."""

    options: list[TeamOption]
    notice: str | None = None
    # The notice is about the person's point (none, or outside the area): a better
    # location would help, so the page offers the location form.
    needs_location: bool = False


def on_shift(team: Team, at: datetime) -> bool:
    """Whether the team is working at this moment (program-local shift hours)."""
    if team.around_the_clock or team.shift_start is None or team.shift_end is None:
        return True
    local: time = at.astimezone(program_zone()).time()
    if team.shift_start < team.shift_end:
        return team.shift_start <= local < team.shift_end
    return local >= team.shift_start or local < team.shift_end  # overnight


def rank_teams(case: Case, address: PersonAddress | None) -> Ranking:
    """Every active team, best first: coverage of the person's precinct, shift, distance
    from the team's base, caseload."""
    # The members' users joined to their memberships (one each): a query fewer than a
    # third selectin, which leaves the dispatch page room for its audit row. Each team
    # carries the ids of its officers lacking current Crisis Intervention Training.
    rows = db.session.execute(
        select(Team, training_queries.officers_missing_cit_column(Team.id))
        .options(
            selectinload(Team.coverage),
            selectinload(Team.memberships).joinedload(TeamMembership.user),
        )
        .where(Team.active)
    ).all()
    caseloads = dict(
        db.session.execute(
            select(Case.team_id, func.count())
            .where(Case.status == CaseStatus.OPEN, Case.team_id.is_not(None))
            .group_by(Case.team_id)
        ).all()
    )
    now = utcnow()
    point = (
        (address.latitude, address.longitude)
        if address is not None and address.latitude is not None
        else None
    )
    precinct = address.precinct if address is not None and point is not None else None
    options = []
    for team, missing_cit in rows:
        problems = team.staffing(training_queries.missing_cit_ids(missing_cit)).problems
        option = TeamOption(
            team=team,
            dispatchable=not problems,
            covers_precinct=team.covers(precinct),
            distance_km=distance_km(point, (team.base_latitude, team.base_longitude))
            if team.base_latitude is not None
            else None,
            open_cases=caseloads.get(team.id, 0),
            on_shift=on_shift(team, now),
            current=case.team_id == team.id and case.status is CaseStatus.OPEN,
            problems=problems,
        )
        if precinct is not None:
            label = precinct_label(precinct)
            option.reasons.append(
                f"covers the {label}" if option.covers_precinct else f"does not cover the {label}"
            )
        option.reasons.append("on shift now" if option.on_shift else "off shift now")
        if option.distance_km is not None:
            miles = option.distance_km * 0.621371
            option.reasons.append(f"{option.distance_km:.1f} km ({miles:.1f} mi) from base")
        elif point is not None:
            option.reasons.append("base not on the map: no distance")
        option.reasons.append(
            f"{option.open_cases} open case{'s' if option.open_cases != 1 else ''}"
        )
        options.append(option)
    options.sort(key=lambda o: o.sort_key)
    return Ranking(
        options,
        _notice(address, point, precinct, options),
        needs_location=address is not None and precinct is None,
    )


def _notice(
    address: PersonAddress | None,
    point: tuple[float, float | None] | None,
    precinct: str | None,
    options: list[TeamOption],
) -> str | None:
    """What stops matching the person's place to a team, in plain words."""
    if address is None:
        return "The person has no address on record, so no team can be matched by precinct."
    if point is None:
        return "The person's address is not on the map yet, so no team can be matched by precinct."
    if precinct is None:
        return (
            "The person's location is outside the program's area: it is in no NYC police "
            "precinct (the water, or outside the city), so no team covers it."
        )
    if any(o.covers_precinct and o.dispatchable for o in options):
        return None
    where = precinct_label(precinct)
    if address.borough is not None:
        where += f" ({address.borough.label})"
    covering = [o.team.name for o in options if o.covers_precinct]
    if covering:
        return (
            f"No dispatchable team covers the {where}: {', '.join(covering)} covers it but "
            "cannot take cases now. The teams below are ranked by shift, distance and caseload."
        )
    return (
        f"No dispatchable team covers the {where}. The teams below are ranked by shift, "
        "distance and caseload."
    )


def map_data(options: list[TeamOption], address: PersonAddress | None) -> dict[str, object]:
    """What the dispatch map draws (static/js/maps/dispatch.js): the person's point, and
    each team in rank order with its base and coverage. The ranked list beside it is the
    map's text alternative."""
    placed = address is not None and address.latitude is not None and address.longitude is not None
    return {
        "person": (
            {
                "point": [address.latitude, address.longitude],
                "label": address.line1,
                "precinct": address.precinct,
            }
            if placed and address is not None
            else None
        ),
        "teams": [
            {
                "id": option.team.id,
                "rank": rank,
                "name": option.team.name,
                "base": (
                    [option.team.base_latitude, option.team.base_longitude]
                    if option.team.base_latitude is not None
                    and option.team.base_longitude is not None
                    else None
                ),
                "precincts": option.team.precincts,
                "dispatchable": option.dispatchable,
            }
            for rank, option in enumerate(options, start=1)
        ],
    }

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
from coresponse.training.models import TrainingKind


@dataclass
class TeamOption:
    """One team as a candidate for the case."""

    team: Team
    dispatchable: bool
    covers_precinct: bool
    covers_borough: bool
    distance_km: float | None
    open_cases: int
    on_shift: bool
    current: bool = False
    reasons: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def sort_key(self) -> tuple[object, ...]:
        return (
            not self.dispatchable,
            not self.covers_precinct,
            not self.covers_borough,
            self.distance_km if self.distance_km is not None else math.inf,
            self.open_cases,
            not self.on_shift,
            self.team.name,
        )


def on_shift(team: Team, at: datetime) -> bool:
    """Whether the team is working at this moment (program-local shift hours)."""
    if team.around_the_clock or team.shift_start is None or team.shift_end is None:
        return True
    local: time = at.astimezone(program_zone()).time()
    if team.shift_start < team.shift_end:
        return team.shift_start <= local < team.shift_end
    return local >= team.shift_start or local < team.shift_end  # overnight


def rank_teams(case: Case, address: PersonAddress | None) -> list[TeamOption]:
    """Every active team, best first: coverage, distance, caseload, shift."""
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
    teams = [team for team, _ in rows]
    untrained = {int(uid) for _, ids in rows if ids for uid in str(ids).split(",")}
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
    options = []
    for team in teams:
        staffing = team.staffing()
        problems = staffing.problems + [
            f"{u.full_name} has no current {TrainingKind.CIT.label}"
            for u in team.current_members
            if u.id in untrained
        ]
        precinct = address.precinct if address else None
        borough = address.borough.value if address and address.borough else None
        option = TeamOption(
            team=team,
            dispatchable=not problems,
            covers_precinct=bool(precinct and precinct in team.precincts),
            covers_borough=bool(borough and borough in team.boroughs)
            or bool(precinct and precinct in team.precincts),
            distance_km=distance_km(point, (team.base_latitude, team.base_longitude))
            if team.base_latitude is not None
            else None,
            open_cases=caseloads.get(team.id, 0),
            on_shift=on_shift(team, now),
            current=case.team_id == team.id and case.status is CaseStatus.OPEN,
            problems=problems,
        )
        if option.covers_precinct and precinct:
            option.reasons.append(f"covers the {precinct_label(precinct)}")
        elif option.covers_borough and address and address.borough:
            option.reasons.append(f"covers {address.borough.label}")
        else:
            option.reasons.append("outside its coverage")
        if option.distance_km is not None:
            miles = option.distance_km * 0.621371
            option.reasons.append(f"{option.distance_km:.1f} km ({miles:.1f} mi) from base")
        option.reasons.append(
            f"{option.open_cases} open case{'s' if option.open_cases != 1 else ''}"
        )
        option.reasons.append("on shift now" if option.on_shift else "off shift now")
        options.append(option)
    options.sort(key=lambda o: o.sort_key)
    return options

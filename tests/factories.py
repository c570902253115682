"""Plain factory functions for test data, with defaults and overrides."""

from __future__ import annotations

import itertools
from typing import Any

from werkzeug.security import generate_password_hash

from coresponse.auth.models import Discipline, Role, User
from coresponse.extensions import db
from coresponse.teams.models import AreaType, Team, TeamCoverage, TeamMembership

PASSWORD = "correct horse battery staple"
# Hashed once per test run: scrypt is deliberately slow.
PASSWORD_HASH = generate_password_hash(PASSWORD)

_counter = itertools.count(1)


def make_user(role: Role = Role.CLINICIAN, **overrides: Any) -> User:
    """A saved, active user who logs in with PASSWORD."""
    n = next(_counter)
    discipline = overrides.pop("discipline", None)
    if role is Role.SUPERVISOR and discipline is None:
        discipline = Discipline.CLINICAL
    fields: dict[str, Any] = {
        "username": f"{role.value}{n}",
        "full_name": f"{role.label} Number{n}",
        "role": role,
        "discipline": discipline,
        "password_hash": PASSWORD_HASH,
    }
    fields.update(overrides)
    user = User(memberships=[], **fields)
    db.session.add(user)
    db.session.flush()
    return user


def make_team(*, precincts: tuple[str, ...] = ("75",), **overrides: Any) -> Team:
    """A saved team with no members."""
    n = next(_counter)
    fields: dict[str, Any] = {
        "name": f"Team {n}",
        "base_address": f"{n} Station Plaza, Brooklyn, NY",
        "base_latitude": 40.67,
        "base_longitude": -73.88,
    }
    fields.update(overrides)
    team = Team(memberships=[], coverage=[], **fields)
    for code in precincts:
        team.coverage.append(
            TeamCoverage(area_type=AreaType.PRECINCT, area_code=code, sort_key=int(code))
        )
    db.session.add(team)
    db.session.flush()
    return team


def add_to_team(team: Team, user: User) -> TeamMembership:
    membership = TeamMembership(team=team, user=user)
    db.session.add(membership)
    db.session.flush()
    return membership


def make_staffed_team(**overrides: Any) -> tuple[Team, User, User, User]:
    """A dispatchable team: (team, officer, officer, clinician)."""
    team = make_team(**overrides)
    officer_a = make_user(Role.OFFICER)
    officer_b = make_user(Role.OFFICER)
    clinician = make_user(Role.CLINICIAN)
    for user in (officer_a, officer_b, clinician):
        add_to_team(team, user)
    return team, officer_a, officer_b, clinician

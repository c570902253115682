"""Plain factory functions for test data, with defaults and overrides."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from coresponse.auth.models import Discipline, Role, User
from coresponse.cases.models import Assignment, Case, CaseStatus
from coresponse.clock import program_zone, utcnow
from coresponse.extensions import db
from coresponse.people.details import name_key
from coresponse.people.models import (
    Borough,
    LocationStatus,
    Person,
    PersonAddress,
    PersonAlias,
    PersonLanguage,
    PersonPhone,
)
from coresponse.people.services import refresh_search_keys
from coresponse.referrals.models import Referral, ReferralSource, ReferralStatus
from coresponse.teams.models import AreaType, Team, TeamCoverage, TeamMembership
from coresponse.training.models import Training, TrainingKind

PASSWORD = "correct horse battery staple"
# Hashed once per test run: scrypt is deliberately slow.
PASSWORD_HASH = generate_password_hash(PASSWORD)

_counter = itertools.count(1)


def local_input(at: datetime) -> str:
    """An instant as a datetime-local field sends it: the program's wall clock, to the minute."""
    return at.astimezone(program_zone()).strftime("%Y-%m-%dT%H:%M")


def minutes_ago_input(minutes: int) -> str:
    """The datetime-local text for `minutes` ago (negative: from now)."""
    return local_input(utcnow() - timedelta(minutes=minutes))


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


def give_training(
    user: User,
    kind: TrainingKind = TrainingKind.CIT,
    *,
    completed_on: date | None = None,
    expires_on: date | None = None,
) -> Training:
    """A completed course for `user` (by default Crisis Intervention Training, current)."""
    training = Training(
        user_id=user.id,
        kind=kind,
        completed_on=completed_on or date(2024, 1, 15),
        expires_on=expires_on,
    )
    db.session.add(training)
    db.session.flush()
    return training


def make_staffed_team(**overrides: Any) -> tuple[Team, User, User, User]:
    """A dispatchable team: (team, officer, officer, clinician), the officers CIT-trained."""
    team = make_team(**overrides)
    officer_a = make_user(Role.OFFICER)
    officer_b = make_user(Role.OFFICER)
    give_training(officer_a)
    give_training(officer_b)
    clinician = make_user(Role.CLINICIAN)
    for user in (officer_a, officer_b, clinician):
        add_to_team(team, user)
    return team, officer_a, officer_b, clinician


def make_person(**overrides: Any) -> Person:
    """A saved person with a current Brooklyn address and a phone."""
    n = next(_counter)
    first = overrides.pop("first_name", f"Alex{n}")
    last = overrides.pop("last_name", f"Rivera{n}")
    address = overrides.pop("address", {})
    fields: dict[str, Any] = {
        "first_name": first,
        "last_name": last,
        "first_name_key": first.lower(),
        "last_name_key": last.lower(),
        "date_of_birth": date(1980, 1, 1 + n % 28),
    }
    fields.update(overrides)
    person = Person(
        aliases=[],
        languages=[],
        addresses=[],
        phones=[],
        support_contacts=[],
        race_ethnicity_rows=[],
        gender_rows=[],
        search_keys=[],
        **fields,
    )
    person.addresses.append(
        PersonAddress(
            **{
                "line1": f"{n} Pennsylvania Ave",
                "postal_code": "11207",
                "borough": Borough.BROOKLYN,
                "precinct": "75",
                "latitude": 40.6705,
                "longitude": -73.894,
                "location_status": LocationStatus.APPROXIMATE,
                **address,
            }
        )
    )
    person.phones.append(PersonPhone(number=f"(718) 555-{n:04d}", digits=f"718555{n:04d}"))
    person.languages.append(PersonLanguage(language="English", position=0))
    # The keys search finds the person by, as the people services write them.
    refresh_search_keys(person)
    db.session.add(person)
    db.session.flush()
    return person


def add_alias(person: Person, name: str, **overrides: Any) -> PersonAlias:
    """Another name for a saved person (its search keys kept up to date, as the services do)."""
    alias = PersonAlias(name=name, name_key=name_key(name), **overrides)
    person.aliases.append(alias)
    refresh_search_keys(person)
    db.session.flush()
    return alias


def make_referral(person: Person | None = None, **overrides: Any) -> Referral:
    """A saved referral awaiting triage."""
    fields: dict[str, Any] = {
        "person_id": (person or make_person()).id,
        "source": ReferralSource.NYPD_PRECINCT,
        "source_detail": "75th Precinct",
        "received_at": utcnow() - timedelta(days=2),
        "referrer_name": "Sgt. Referrer",
        "reason": "Repeated 911 calls; neighbours worried.",
    }
    fields.update(overrides)
    referral = Referral(risk_indicators=[], events=[], **fields)
    db.session.add(referral)
    db.session.flush()
    return referral


def make_case(
    team: Team | None = None,
    person: Person | None = None,
    *,
    status: CaseStatus | None = None,
    **overrides: Any,
) -> Case:
    """A saved case from an accepted referral; open on `team` when one is given."""
    person = person or make_person()
    referral = make_referral(person, status=ReferralStatus.ACCEPTED)
    now = utcnow()
    fields: dict[str, Any] = {
        "person_id": person.id,
        "referral_id": referral.id,
        "referred_at": referral.received_at,
        "accepted_at": referral.received_at + timedelta(hours=2),
        "status": status or (CaseStatus.OPEN if team else CaseStatus.AWAITING_ASSIGNMENT),
    }
    if status is CaseStatus.CLOSED:
        # As close_case leaves it: a person has at most one case without closed_at.
        fields["closed_at"] = now - timedelta(hours=1)
    if team is not None:
        fields.update(
            team_id=team.id,
            assigned_at=now - timedelta(hours=30),
            first_assigned_at=now - timedelta(hours=30),
            first_contact_due_at=now - timedelta(hours=6),
        )
    fields.update(overrides)
    # The case holds its person and referral: the session keeps only weak references,
    # so `case.person` would otherwise depend on the garbage collector.
    case = Case(assignments=[], events=[], person=person, referral=referral, **fields)
    db.session.add(case)
    db.session.flush()
    if team is not None:
        case.assignments.append(
            Assignment(
                case_id=case.id,
                team_id=team.id,
                assigned_at=case.assigned_at,
                first_contact_due_at=case.first_contact_due_at,
            )
        )
        db.session.flush()
    return case


def current_contact_details(person_id: int) -> tuple[list[str], list[str]]:
    """The person's current address lines and current phone digits, as stored."""
    lines = db.session.scalars(
        select(PersonAddress.line1).where(
            PersonAddress.person_id == person_id, PersonAddress.current.is_(True)
        )
    ).all()
    phones = db.session.scalars(
        select(PersonPhone.digits).where(
            PersonPhone.person_id == person_id, PersonPhone.current.is_(True)
        )
    ).all()
    return list(lines), list(phones)

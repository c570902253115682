"""A day is a New York day: the program's rules at the instants that break software.

Late evening, when the machine's UTC date is already tomorrow; just after midnight;
the night the clocks go back (01:30 happens twice) and forward (02:30 never happens);
New Year's Eve; 29 February. Each test moves the clock with time-machine.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Role
from coresponse.cases import services as case_services
from coresponse.clock import (
    NonexistentLocalTime,
    day_bounds,
    day_start,
    local_to_utc,
    program_today,
    utcnow,
)
from coresponse.consent.models import ConsentMethod, ShareScope
from coresponse.consent.services import ConsentError, record_consent
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.dashboard.queries import team_counts
from coresponse.extensions import db
from coresponse.people.details import PersonDetails
from coresponse.people.models import Person
from coresponse.people.services import PersonError, create_person
from tests.consent.helpers import make_world, to_contact
from tests.factories import make_case, make_staffed_team, make_user

NY = ZoneInfo("America/New_York")


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)  # type: ignore[misc]


# (the instant, the New York day it falls in)
INSTANTS = {
    "23:59, UTC already tomorrow": (ny(2026, 12, 6, 23, 59), date(2026, 12, 6)),
    "00:01": (ny(2026, 12, 7, 0, 1), date(2026, 12, 7)),
    "01:30 the first time (EDT)": (ny(2026, 11, 1, 1, 30, fold=0), date(2026, 11, 1)),
    "01:30 the second time (EST)": (ny(2026, 11, 1, 1, 30, fold=1), date(2026, 11, 1)),
    "03:30 after the clocks go forward": (ny(2027, 3, 14, 3, 30), date(2027, 3, 14)),
    "New Year's Eve, UTC already next year": (ny(2026, 12, 31, 23, 30), date(2026, 12, 31)),
    "29 February 2028, late": (ny(2028, 2, 29, 23, 30), date(2028, 2, 29)),
}


@pytest.fixture(params=list(INSTANTS), ids=list(INSTANTS))
def instant(request: pytest.FixtureRequest, time_machine) -> tuple[datetime, date]:  # type: ignore[no-untyped-def]
    """The clock stopped at one of the instants (the app's services read it)."""
    at, day = INSTANTS[request.param]
    time_machine.move_to(at, tick=False)
    return at, day


def test_today_is_the_new_york_day(app: Flask, instant: tuple[datetime, date]) -> None:
    at, day = instant
    assert utcnow() == at.astimezone(UTC)
    assert program_today() == day
    start, end = day_bounds(day, day)
    assert start <= utcnow() < end


def test_consent_given_today_is_accepted_and_tomorrow_refused(
    app: Flask, instant: tuple[datetime, date]
) -> None:
    _, day = instant
    world = make_world()
    fields = {
        "by": world.clinician, "recipient": to_contact(world.mother),
        "scopes": [ShareScope.ATTENDANCE], "purpose": "Help with appointments",
        "method": ConsentMethod.WRITTEN,
    }  # fmt: skip
    assert record_consent(world.person, given_on=day, **fields).given_on == day
    with pytest.raises(ConsentError, match="cannot be in the future"):
        record_consent(world.person, given_on=day + timedelta(days=1), **fields)


def test_a_birth_today_is_accepted_and_tomorrow_refused(
    app: Flask, instant: tuple[datetime, date]
) -> None:
    _, day = instant

    def born(on: date) -> Person:
        details = PersonDetails(first_name="Baby", last_name="Lopez", date_of_birth=on)
        return create_person(details, by=make_user(Role.CLINICIAN))

    assert born(day).date_of_birth == day
    with pytest.raises(PersonError, match="cannot be in the future"):
        born(day + timedelta(days=1))


@pytest.mark.parametrize(
    ("day", "hours"),
    [
        (date(2026, 12, 6), 24),
        (date(2026, 11, 1), 25),  # the clocks go back: 01:00-01:59 twice
        (date(2027, 3, 14), 23),  # the clocks go forward: 02:00-02:59 never
        (date(2028, 2, 29), 24),
    ],
)
def test_a_day_lasts_the_hours_its_clocks_show(app: Flask, day: date, hours: int) -> None:
    start, end = day_bounds(day, day)
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(NY).replace(tzinfo=None) == datetime(day.year, day.month, day.day)


def test_a_time_that_happened_twice_is_the_first_and_one_that_never_happened_is_refused(
    app: Flask,
) -> None:
    assert local_to_utc(datetime(2026, 11, 1, 1, 30)) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)
    with pytest.raises(NonexistentLocalTime, match="clocks went forward"):
        local_to_utc(datetime(2027, 3, 14, 2, 30))
    assert day_start(date(2027, 3, 14)) == datetime(2027, 3, 14, 5, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("assigned", "due_on_the_clock"),
    [
        (ny(2026, 10, 31, 12, 0), ny(2026, 11, 1, 11, 0)),  # the night has 25 hours
        (ny(2027, 3, 13, 12, 0), ny(2027, 3, 14, 13, 0)),  # the night has 23 hours
    ],
)
def test_first_contact_is_due_24_real_hours_after_assignment_across_a_clock_change(
    app: Flask, time_machine, assigned: datetime, due_on_the_clock: datetime
) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(assigned, tick=False)
    team, *_ = make_staffed_team()
    case = make_case()
    case_services.assign_case(case, team, by=make_user(Role.SUPERVISOR))
    db.session.commit()
    assert case.first_contact_due_at == due_on_the_clock.astimezone(UTC)
    assert case.first_contact_due_at - case.assigned_at == timedelta(hours=24)

    time_machine.move_to(due_on_the_clock - timedelta(minutes=1), tick=False)
    assert team_counts(team.id).first_contact_overdue == 0
    time_machine.move_to(due_on_the_clock + timedelta(minutes=1), tick=False)
    assert team_counts(team.id).first_contact_overdue == 1


def _contact_form(occurred_at: str) -> dict[str, str]:
    return {
        "uuid": str(uuid.uuid4()),
        "type": ContactType.IN_PERSON_HOME.value,
        "occurred_at": occurred_at,
        "location": "12 Pennsylvania Ave, Brooklyn",
        "outcome": ContactOutcome.ENGAGED.value,
        "operational_note": "Talked at the door; calm.",
    }


def _contacts() -> int:
    return db.session.scalar(select(func.count()).select_from(Contact)) or 0


def _officer_logs_a_contact(login, time_machine, *, now: datetime, typed: str):  # type: ignore[no-untyped-def]
    """At `now`, an officer posts the contact form with `typed` as the contact's time."""
    time_machine.move_to(now, tick=False)
    team, officer, _, _ = make_staffed_team()
    case = make_case(team)
    return login(officer).post(f"/cases/{case.id}/contacts/new", data=_contact_form(typed))


def test_a_contact_typed_at_01_30_on_the_night_the_clocks_go_back_is_the_first_01_30(
    app: Flask, login, time_machine
) -> None:  # type: ignore[no-untyped-def]
    response = _officer_logs_a_contact(
        login, time_machine, now=ny(2026, 11, 1, 3, 0), typed="2026-11-01T01:30"
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    saved = db.session.scalar(select(Contact))
    assert saved is not None
    assert saved.occurred_at == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # 01:30 EDT


def test_a_contact_at_a_time_the_clocks_skipped_is_refused_with_a_message(
    app: Flask, login, time_machine
) -> None:  # type: ignore[no-untyped-def]
    response = _officer_logs_a_contact(
        login, time_machine, now=ny(2027, 3, 14, 4, 0), typed="2027-03-14T02:30"
    )
    assert response.status_code == 422
    assert "clocks went forward an hour that night" in response.get_data(as_text=True)
    assert _contacts() == 0


def test_an_age_turns_over_at_new_york_midnight_not_utc(app: Flask, login, time_machine) -> None:  # type: ignore[no-untyped-def]
    """At 23:59 on 6 December in New York (already the 7th in UTC), someone born on
    7 December 1996 is still 29."""
    time_machine.move_to(ny(2026, 12, 6, 23, 59), tick=False)
    team, _, _, clinician = make_staffed_team()
    case = make_case(team)
    case.person.date_of_birth = date(1996, 12, 7)
    client = login(clinician)
    assert "29 yrs" in client.get(f"/people/{case.person_id}").get_data(as_text=True)
    time_machine.move_to(ny(2026, 12, 7, 0, 1), tick=False)
    assert "30 yrs" in client.get(f"/people/{case.person_id}").get_data(as_text=True)

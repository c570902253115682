"""Dispatch, closure and reopening, without HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Role
from coresponse.cases import services
from coresponse.cases.dispatch import on_shift, rank_teams
from coresponse.cases.models import Assignment, CaseEvent, CaseEventKind, CaseStatus, ClosureReason
from coresponse.clock import program_now, utcnow
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.nyc import precinct_label
from coresponse.people.models import Borough, LocationStatus
from tests.factories import make_case, make_person, make_staffed_team, make_team, make_user


def events(case_id: int) -> list[CaseEventKind]:
    rows = db.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)
    )
    return [e.kind for e in rows]


def test_assign_sets_the_first_contact_deadline(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    team, *_ = make_staffed_team()
    case = make_case()
    before = utcnow()
    services.assign_case(case, team, by=supervisor)
    assert case.status is CaseStatus.OPEN and case.team_id == team.id
    assert case.first_contact_due_at - case.assigned_at == timedelta(hours=24)
    assert case.assigned_at >= before
    assert events(case.id) == [CaseEventKind.ASSIGNED]


def test_the_deadline_window_is_configurable(app: Flask) -> None:
    app.config["FIRST_CONTACT_DUE_HOURS"] = 48
    team, *_ = make_staffed_team()
    case = make_case()
    services.assign_case(case, team, by=make_user(Role.SUPERVISOR))
    assert case.first_contact_due_at - case.assigned_at == timedelta(hours=48)


def test_a_team_that_is_not_dispatchable_is_refused_with_what_it_needs(app: Flask) -> None:
    team = make_team(name="Half Team")
    with pytest.raises(DomainError, match="Half Team cannot take cases now: needs two officers"):
        services.assign_case(make_case(), team, by=make_user(Role.SUPERVISOR))


def test_reassignment_keeps_history_and_needs_a_reason(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    first, *_ = make_staffed_team(name="First")
    second, *_ = make_staffed_team(name="Second")
    case = make_case()
    services.assign_case(case, first, by=supervisor)
    deadline = case.first_contact_due_at
    with pytest.raises(DomainError, match="already with First"):
        services.assign_case(case, first, by=supervisor)
    with pytest.raises(DomainError, match="Say why"):
        services.assign_case(case, second, by=supervisor)
    services.assign_case(case, second, by=supervisor, reason="Person moved to the Bronx")
    rows = db.session.scalars(
        select(Assignment).where(Assignment.case_id == case.id).order_by(Assignment.id)
    ).all()
    assert [(a.team_id, a.ended_at is None) for a in rows] == [(first.id, False), (second.id, True)]
    assert rows[0].end_reason == "Person moved to the Bronx"
    assert case.team_id == second.id
    assert case.first_contact_due_at >= deadline  # still waiting: the new team gets a full window
    assert events(case.id) == [CaseEventKind.ASSIGNED, CaseEventKind.REASSIGNED]


def test_close_and_reopen_keep_the_history(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    team, *_ = make_staffed_team()
    case = make_case(team)
    with pytest.raises(DomainError, match="Write a closing note"):
        services.close_case(case, by=supervisor, reason=ClosureReason.CONNECTED_TO_CARE, note=" ")
    services.close_case(
        case, by=supervisor, reason=ClosureReason.CONNECTED_TO_CARE, note="At clinic"
    )
    assert case.status is CaseStatus.CLOSED and case.closed_at is not None
    assert all(a.ended_at is not None for a in case.assignments)
    with pytest.raises(DomainError, match="already closed"):
        services.close_case(case, by=supervisor, reason=ClosureReason.OTHER, note="x")
    with pytest.raises(DomainError, match="reopen it before assigning"):
        services.assign_case(case, team, by=supervisor)
    with pytest.raises(DomainError, match="Say why"):
        services.reopen_case(case, by=supervisor, note="")
    services.reopen_case(case, by=supervisor, note="New 911 call", team=team)
    assert case.status is CaseStatus.OPEN and case.team_id == team.id and case.closed_at is None
    assert case.reopened_at is not None
    assert events(case.id) == [CaseEventKind.CLOSED, CaseEventKind.REOPENED]
    with pytest.raises(DomainError, match="Only a closed case"):
        services.reopen_case(case, by=supervisor, note="again")


def test_reopen_waits_for_a_team_when_the_old_one_cannot_take_it(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    team = make_team()  # no members: not dispatchable
    case = make_case(team)
    services.close_case(case, by=supervisor, reason=ClosureReason.UNABLE_TO_LOCATE, note="Gone")
    reopened = services.reopen_case(case, by=supervisor, note="Found again", team=team)
    assert case.status is CaseStatus.AWAITING_ASSIGNMENT and case.team_id is None
    assert reopened.team is None
    assert reopened.waits_because == (
        f"{team.name} cannot take cases now: needs two officers; needs one clinician."
    )


def _off_shift_now() -> dict[str, time]:
    """Shift hours that exclude this moment in New York (the suite runs at any time)."""
    now = program_now()
    start = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    end = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    return {"shift_start": start, "shift_end": end}


def test_ranking_covers_the_precinct_then_on_shift_then_distance_then_caseload(
    app: Flask,
) -> None:
    # 40.6705, -73.894: the centre of ZIP 11207, in the 75th Precinct's boundary.
    person = make_person(address={"precinct": "75", "latitude": 40.6705, "longitude": -73.894})
    far, near = {"base_latitude": 40.85, "base_longitude": -73.9}, {
        "base_latitude": 40.67, "base_longitude": -73.89
    }  # fmt: skip
    make_staffed_team(name="Covers, far, on shift", precincts=("75",), **far)
    make_staffed_team(name="Covers, near, off shift", precincts=("75",), **near, **_off_shift_now())
    make_staffed_team(name="Covers, far, off shift", precincts=("75",), **far, **_off_shift_now())
    busy, *_ = make_staffed_team(name="Near, busy", precincts=("110",), **near)
    make_staffed_team(name="Near, idle", precincts=("110",), **near)
    make_staffed_team(name="Far", precincts=("120",), base_latitude=40.64, base_longitude=-74.08)
    make_staffed_team(name="Near, off shift", precincts=("110",), **near, **_off_shift_now())
    make_team(name="Short", precincts=("75",), **near)
    make_case(busy)  # one open case on "Near, busy"
    case = make_case(person=person)
    ranking = rank_teams(case, person.current_address)
    assert [o.team.name for o in ranking.options] == [
        "Covers, far, on shift",
        "Covers, near, off shift",
        "Covers, far, off shift",
        "Near, idle",
        "Near, busy",
        "Far",
        "Near, off shift",
        "Short",  # cannot be dispatched: last, whatever it covers
    ]
    assert ranking.notice is None
    by_name = {o.team.name: o for o in ranking.options}
    assert by_name["Covers, far, on shift"].reasons[:2] == [
        "covers the 75th Precinct",
        "on shift now",
    ]
    assert by_name["Near, idle"].reasons[0] == "does not cover the 75th Precinct"
    assert "off shift now" in by_name["Near, off shift"].reasons
    assert by_name["Near, busy"].open_cases == 1 and "1 open case" in by_name["Near, busy"].reasons
    assert by_name["Near, idle"].distance_km < 1 < by_name["Far"].distance_km
    assert not by_name["Short"].dispatchable and by_name["Short"].problems


def test_ranking_says_plainly_when_no_dispatchable_team_covers_the_point(app: Flask) -> None:
    # Staten Island, as in the demo: its team covers the island but is an officer short.
    person = make_person(
        address={"precinct": "122", "borough": Borough.STATEN_ISLAND, "latitude": 40.58,
                 "longitude": -74.15, "location_status": LocationStatus.LOCATED}
    )  # fmt: skip
    make_team(name="Staten Island", precincts=("120", "121", "122", "123"))
    make_staffed_team(name="Brooklyn North", precincts=("75",))
    case = make_case(person=person)
    ranking = rank_teams(case, person.current_address)
    assert ranking.notice == (
        "No dispatchable team covers the 122nd Precinct (Staten Island): Staten Island covers "
        "it but cannot take cases now. The teams below are ranked by shift, distance and "
        "caseload."
    )
    assert [o.team.name for o in ranking.options] == ["Brooklyn North", "Staten Island"]
    make_team(name="Queens", precincts=("101",))
    ranking = rank_teams(case, person.current_address)
    assert ranking.notice is not None and ranking.notice.startswith(
        "No dispatchable team covers the 122nd Precinct (Staten Island):"
    )
    # With nobody covering it at all.
    elsewhere = make_person(
        address={"precinct": "62", "borough": Borough.BROOKLYN, "latitude": 40.6, "longitude": -74.0}
    )  # fmt: skip
    assert rank_teams(make_case(person=elsewhere), elsewhere.current_address).notice == (
        "No dispatchable team covers the 62nd Precinct (Brooklyn). The teams below are ranked "
        "by shift, distance and caseload."
    )


@pytest.mark.parametrize(
    ("address", "notice"),
    [
        ({"latitude": 40.93, "longitude": -73.9, "precinct": None, "borough": None},
         "outside the program's area"),
        ({"latitude": None, "longitude": None, "precinct": "75",
          "location_status": LocationStatus.NEEDED}, "not on the map yet"),
    ],
)  # fmt: skip
def test_ranking_says_why_a_place_cannot_be_matched(
    app: Flask, address: dict[str, object], notice: str
) -> None:
    person = make_person(address=address)
    make_staffed_team(name="Brooklyn North", precincts=("75",))
    ranking = rank_teams(make_case(person=person), person.current_address)
    assert ranking.notice is not None and notice in ranking.notice
    # Nobody is said to cover a place that has no precinct from a point.
    assert not any(o.covers_precinct for o in ranking.options)


@pytest.mark.parametrize(
    ("start", "end", "utc_hour", "expected"),
    [
        (time(8), time(20), 15, True),  # 10:00 in New York
        (time(8), time(20), 3, False),  # 22:00
        (time(20), time(8), 3, True),  # overnight shift at 22:00
        (time(20), time(8), 15, False),
    ],
)
def test_on_shift_uses_program_local_time(app: Flask, start, end, utc_hour, expected) -> None:  # type: ignore[no-untyped-def]
    team = make_team(shift_start=start, shift_end=end)
    at = datetime(2026, 11, 27, utc_hour, 0, tzinfo=UTC)
    assert on_shift(team, at) is expected
    assert on_shift(make_team(), at) is True  # around the clock


def test_the_issue_story_a_new_team_covering_1_5_and_6_is_ranked_first_with_a_distance(
    app: Flask,
) -> None:
    """Issue 17: "1 Police Plaza, 10038" and "55 Water St, 10041", placed by the offline
    geocoder at their ZIP codes' centres, fall in the 5th and 1st Precincts; a new team
    based at 1 Police Plaza covering 1, 5 and 6 covers both, and shows its distance."""
    from coresponse.people import services as people
    from coresponse.people.details import AddressDetails, PersonDetails
    from coresponse.teams import services as teams
    from coresponse.teams.services import TeamDetails
    from tests.factories import add_to_team, give_training

    team = teams.create_team(
        TeamDetails(name="Lower Manhattan", base_address="1 Police Plaza, New York, NY 10038",
                    precincts=["1", "5", "6"]),
        by=None,
    )  # fmt: skip
    for role in (Role.OFFICER, Role.OFFICER, Role.CLINICIAN):
        member = make_user(role)
        add_to_team(team, member)
        if role is Role.OFFICER:
            give_training(member)  # Crisis Intervention Training: dispatchable
    make_staffed_team(name="Brooklyn North", precincts=("75",))
    for line1, postal, precinct in (
        ("1 Police Plaza", "10038", "5"),
        ("55 Water St", "10041", "1"),
    ):
        person = people.create_person(
            PersonDetails("Ana", line1, address=AddressDetails(line1=line1, postal_code=postal)),
            by=None,
        )
        address = person.current_address
        assert address.precinct == precinct
        assert address.location_status is LocationStatus.APPROXIMATE
        ranking = rank_teams(make_case(person=person), address)
        first = ranking.options[0]
        assert first.team.name == "Lower Manhattan" and ranking.notice is None
        assert first.reasons[0] == f"covers the {precinct_label(precinct)}"
        assert first.distance_km is not None and first.distance_km < 1.5
        assert any(r.endswith("from base") for r in first.reasons)

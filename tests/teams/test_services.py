"""Team services, without HTTP."""

from __future__ import annotations

from datetime import time

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from coresponse.audit.models import AuditEvent
from coresponse.auth.models import Role
from coresponse.errors import Conflict, DomainError
from coresponse.extensions import db
from coresponse.people.models import Borough, LocationStatus
from coresponse.teams import services
from coresponse.teams.models import TeamMembership
from coresponse.teams.queries import staffing_of
from coresponse.teams.services import TeamDetails
from tests.factories import add_to_team, give_training, make_staffed_team, make_team, make_user


def details(**overrides: object) -> TeamDetails:
    fields: dict[str, object] = {
        "name": "Brooklyn North",
        "base_address": "127 Pennsylvania Ave, Brooklyn, NY 11207",
        "base_latitude": 40.6702,
        "base_longitude": -73.8962,
        "precincts": ["075", "73rd", "75"],
    }
    fields.update(overrides)
    return TeamDetails(**fields)  # type: ignore[arg-type]


def test_create_team_normalises_coverage_and_audits(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    team = services.create_team(details(precincts=["75", "073", "1"]), by=supervisor)
    assert team.precincts == ["1", "73", "75"]
    assert team.coverage_by_borough == [
        (Borough.MANHATTAN, ["1"]),
        (Borough.BROOKLYN, ["73", "75"]),
    ]
    assert team.memberships == [] and not staffing_of(team).dispatchable
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "team"))
    assert event.user_id == supervisor.id and event.record_id == str(team.id)


def test_a_base_typed_by_hand_is_placed_and_its_precinct_derived(app: Flask) -> None:
    # 127 Pennsylvania Ave, Brooklyn: in the 75th Precinct's boundary.
    team = services.create_team(details(), by=None)
    assert (team.base_latitude, team.base_longitude) == (40.6702, -73.8962)
    assert team.base_precinct == "75"
    assert team.base_location_status is LocationStatus.MANUAL


def test_a_base_without_a_point_is_geocoded_from_its_address(app: Flask) -> None:
    """The issue's story: a new team at 1 Police Plaza is placed at its ZIP code's centre
    (approximate), which lies in the 5th Precinct, so dispatch can show distances."""
    team = services.create_team(
        details(base_address="1 Police Plaza, New York, NY 10038", base_latitude=None,
                base_longitude=None, precincts=["1", "5", "6"]),
        by=None,
    )  # fmt: skip
    assert team.base_latitude == pytest.approx(40.7101, abs=0.001)
    assert team.base_precinct == "5"
    assert team.base_location_status is LocationStatus.APPROXIMATE


def test_a_moved_base_is_placed_again_unless_a_new_point_is_typed(app: Flask) -> None:
    team = services.create_team(details(base_latitude=None, base_longitude=None), by=None)
    assert team.base_precinct == "75"  # the centre of ZIP 11207
    old_point = (team.base_latitude, team.base_longitude)
    # The edit form sends the old point back with the new address: the new address wins.
    services.update_team(
        team,
        details(base_address="55 Water St, New York, NY 10041", base_latitude=old_point[0],
                base_longitude=old_point[1]),
        by=None,
    )  # fmt: skip
    assert team.base_precinct == "1"
    assert team.base_location_status is LocationStatus.APPROXIMATE
    # A point typed for it is kept, and marked as set by hand.
    services.update_team(
        team,
        details(base_address="55 Water St, New York, NY 10041", base_latitude=40.7034,
                base_longitude=-74.0096),
        by=None,
    )  # fmt: skip
    assert team.base_location_status is LocationStatus.MANUAL and team.base_precinct == "1"


def test_a_base_without_any_point_is_said_to_need_one(app: Flask) -> None:
    team = services.create_team(
        details(base_address="The station house", base_latitude=None, base_longitude=None),
        by=None,
    )
    assert team.base_latitude is None and team.base_precinct is None
    assert team.base_location_status is LocationStatus.NEEDED


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "  "}, "name", "needs a name"),
        ({"base_address": ""}, "base_address", "base address"),
        ({"precincts": ["999"]}, "precincts", "not an NYC police precinct"),
        # The 116th was carved out after the 2021 boundaries: not a precinct in force.
        ({"precincts": ["116"]}, "precincts", "not an NYC police precinct"),
        ({"precincts": []}, "precincts", "at least one precinct"),
        (
            {"base_latitude": 40.66, "base_longitude": -74.05},
            "base_latitude",
            "outside the program's area",
        ),
        ({"base_longitude": None}, "base_latitude", "both latitude and longitude"),
        ({"base_latitude": 91.0}, "base_latitude", "between -90 and 90"),
        ({"shift_start": time(8)}, "shift_start", "both shift start and end"),
        ({"shift_start": time(8), "shift_end": time(8)}, "shift_start", "the same"),
    ],
)
def test_create_team_refuses_bad_details(
    app: Flask, overrides: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(DomainError, match=message) as info:
        services.create_team(details(**overrides), by=None)
    assert info.value.field == field


def test_team_names_are_unique_ignoring_case(app: Flask) -> None:
    services.create_team(details(), by=None)
    with pytest.raises(Conflict, match="already a team called"):
        services.create_team(details(name="brooklyn  NORTH"), by=None)


def test_update_team_replaces_coverage_and_shift(app: Flask) -> None:
    team = services.create_team(details(), by=None)
    services.update_team(
        team,
        details(precincts=["79", "101"], shift_start=time(20), shift_end=time(8)),
        by=None,
    )
    assert team.precincts == ["79", "101"]
    assert not team.around_the_clock


def test_team_becomes_dispatchable_with_two_trained_officers_and_a_clinician(
    app: Flask,
) -> None:
    team = services.create_team(details(), by=None)
    officer_a = make_user(Role.OFFICER, full_name="Ana Ortiz")
    officer_b = make_user(Role.OFFICER, full_name="Ben Okafor")
    clinician = make_user(Role.CLINICIAN)
    give_training(officer_a)
    services.add_member(team, officer_a, by=None)
    assert staffing_of(team).problems == ["needs one more officer", "needs one clinician"]
    services.add_member(team, clinician, by=None)
    assert not staffing_of(team).dispatchable
    services.add_member(team, officer_b, by=None)
    assert staffing_of(team).problems == ["Ben Okafor has no current Crisis Intervention Training"]
    give_training(officer_b)
    assert staffing_of(team).dispatchable


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ANALYST, Role.ADMIN])
def test_only_officers_and_clinicians_join_teams(app: Flask, role: Role) -> None:
    team = make_team()
    with pytest.raises(DomainError, match="only officers and clinicians"):
        services.add_member(team, make_user(role), by=None)


def test_a_user_is_on_at_most_one_team(app: Flask) -> None:
    first, second = make_team(name="First"), make_team(name="Second")
    officer = make_user(Role.OFFICER)
    services.add_member(first, officer, by=None)
    with pytest.raises(Conflict, match="already on First"):
        services.add_member(second, officer, by=None)
    with pytest.raises(Conflict, match="already on this team"):
        services.add_member(first, officer, by=None)


def test_the_database_also_refuses_two_current_memberships(app: Flask) -> None:
    officer = make_user(Role.OFFICER)
    add_to_team(make_team(), officer)
    db.session.commit()
    with pytest.raises(IntegrityError):
        add_to_team(make_team(), officer)
    db.session.rollback()


def test_a_full_team_refuses_a_third_officer_or_second_clinician(app: Flask) -> None:
    team, *_ = make_staffed_team(name="Full")
    with pytest.raises(DomainError, match="already has two officers"):
        services.add_member(team, make_user(Role.OFFICER), by=None)
    with pytest.raises(DomainError, match="already has a clinician"):
        services.add_member(team, make_user(Role.CLINICIAN), by=None)


def test_disabled_users_cannot_join(app: Flask) -> None:
    with pytest.raises(DomainError, match="disabled"):
        services.add_member(make_team(), make_user(Role.OFFICER, active=False), by=None)


def test_removal_keeps_history_and_allows_rejoining_elsewhere(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    team, officer, _, _ = make_staffed_team()
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.user_id == officer.id)
    )
    services.remove_member(membership, by=supervisor, reason=" transferred ")
    assert membership.left_at is not None
    assert membership.removed_by_id == supervisor.id and membership.leave_reason == "transferred"
    assert not staffing_of(team).dispatchable
    with pytest.raises(DomainError, match="already left"):
        services.remove_member(membership, by=supervisor)
    services.add_member(make_team(), officer, by=supervisor)
    rows = db.session.scalars(select(TeamMembership).where(TeamMembership.user_id == officer.id))
    assert len(rows.all()) == 2

"""Staffing rules: dispatchable only with exactly two officers and one clinician, both
officers with current Crisis Intervention Training."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.auth.models import Role
from coresponse.teams.queries import staffing_of
from tests.factories import add_to_team, make_staffed_team, make_team, make_user


@pytest.mark.parametrize(
    ("officers", "clinicians", "problems"),
    [
        (0, 0, ["needs two officers", "needs one clinician"]),
        (1, 0, ["needs one more officer", "needs one clinician"]),
        (2, 0, ["needs one clinician"]),
        (1, 1, ["needs one more officer"]),
        (0, 1, ["needs two officers"]),
        (2, 1, []),
    ],
)
def test_staffing_names_what_is_missing(
    app: Flask, officers: int, clinicians: int, problems: list[str]
) -> None:
    team = make_team()
    for _ in range(officers):
        add_to_team(team, make_user(Role.OFFICER))
    for _ in range(clinicians):
        add_to_team(team, make_user(Role.CLINICIAN))
    staffing = team.staffing(missing_cit=())
    assert staffing.problems == problems
    assert staffing.dispatchable is (problems == [])


def test_inactive_team_or_disabled_member_is_not_dispatchable(app: Flask) -> None:
    team, officer, _, _ = make_staffed_team()
    assert staffing_of(team).dispatchable
    officer.active = False
    assert staffing_of(team).problems == ["needs one more officer"]
    officer.active = True
    team.active = False
    assert staffing_of(team).problems == ["team is inactive"]
    assert staffing_of(team).summary == "Not dispatchable: team is inactive"


def test_surplus_is_reported_too(app: Flask) -> None:
    team, *_ = make_staffed_team()
    add_to_team(team, make_user(Role.CLINICIAN))
    assert staffing_of(team).problems == ["has one clinician too many"]

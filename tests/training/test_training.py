"""Staff training: recorded by supervisors and administrators (audited), shown on the
team page, and required of both officers before dispatch (unless the program says not)."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.services import CaseError, assign_case
from coresponse.extensions import db
from coresponse.training.models import Training, TrainingKind
from tests.factories import (
    add_to_team,
    give_training,
    make_case,
    make_staffed_team,
    make_team,
    make_user,
)

NY = ZoneInfo("America/New_York")


def _team_missing_cit():  # type: ignore[no-untyped-def]
    team = make_team(name="Queens West")
    trained = make_user(Role.OFFICER, full_name="Ana Trained")
    untrained = make_user(Role.OFFICER, full_name="Ben Untrained")
    clinician = make_user(Role.CLINICIAN, full_name="Cleo Clinician")
    give_training(trained)
    for user in (trained, untrained, clinician):
        add_to_team(team, user)
    return team, trained, untrained


def test_a_team_without_both_officers_trained_is_not_dispatched(app: Flask) -> None:
    team, _, untrained = _team_missing_cit()
    case = make_case()
    with pytest.raises(
        CaseError, match="Ben Untrained has no current Crisis Intervention Training"
    ):
        assign_case(case, team, by=make_user(Role.SUPERVISOR))
    give_training(untrained, expires_on=date(2020, 1, 1), completed_on=date(2019, 1, 1))  # expired
    with pytest.raises(CaseError, match="Ben Untrained"):
        assign_case(case, team, by=make_user(Role.SUPERVISOR))
    give_training(untrained)
    assign_case(case, team, by=make_user(Role.SUPERVISOR))
    assert case.team_id == team.id


def test_the_rule_can_be_turned_off(app: Flask) -> None:
    app.config["REQUIRE_CIT"] = False
    team, _, _ = _team_missing_cit()
    case = make_case()
    assign_case(case, team, by=make_user(Role.SUPERVISOR))
    assert case.team_id == team.id


def test_dispatch_says_why_and_the_team_page_says_who(login) -> None:  # type: ignore[no-untyped-def]
    team, _, _ = _team_missing_cit()
    case = make_case()
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    page = client.get(f"/cases/{case.id}/assign").get_data(as_text=True)
    assert "Not dispatchable: Ben Untrained has no current Crisis Intervention Training" in page
    response = client.post(f"/cases/{case.id}/assign", data={"team_id": str(team.id)})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Case, case.id).team_id is None

    page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "Not dispatchable" in page
    assert "Missing: Ben Untrained has no current Crisis Intervention Training." in page
    assert "<h2>Training</h2>" in page and "Current (does not expire)" in page


def test_supervisors_record_training_and_it_is_audited(login, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    officer = make_user(Role.OFFICER, full_name="Ben Untrained")
    sup = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    client = login(sup)
    response = client.post(
        f"/staff/{officer.id}/training",
        data={"kind": "cit", "completed_on": "2026-11-20", "expires_on": "2029-11-19"},
    )
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Current until 19 Nov 2029" in page
    row = db.session.scalar(select(Training).where(Training.user_id == officer.id))
    assert row.kind is TrainingKind.CIT and row.recorded_by_id == sup.id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "training"))
    assert (
        event.user_id == sup.id
        and "Crisis Intervention Training completed 2026-11-20" in event.detail
    )

    bad = client.post(
        f"/staff/{officer.id}/training",
        data={"kind": "mhfa", "completed_on": "2026-12-25", "expires_on": ""},
    )
    assert bad.status_code == 422 and "cannot be in the future" in bad.get_data(as_text=True)
    bad = client.post(
        f"/staff/{officer.id}/training",
        data={"kind": "mhfa", "completed_on": "2026-12-01", "expires_on": "2026-11-01"},
    )
    assert bad.status_code == 422 and "cannot be before the completion" in bad.get_data(
        as_text=True
    )
    client.post("/logout")

    # The officer reads their own training but cannot record any; a clinician cannot see it.
    client = login(officer)
    assert client.get(f"/staff/{officer.id}/training").status_code == 200
    assert client.post(f"/staff/{officer.id}/training", data={}).status_code == 403
    client.post("/logout")
    client = login(make_user(Role.CLINICIAN))
    assert client.get(f"/staff/{officer.id}/training").status_code == 404


def _card(page: str, team_name: str) -> str:
    """The team list's card (or the home page's table row) naming this team."""
    for block in re.findall(r"<article.*?</article>|<tr>.*?</tr>", page, re.S):
        if team_name in block:
            return " ".join(re.sub(r"<[^>]+>", " ", block).split())
    raise AssertionError(f"{team_name} is not listed")


def test_the_home_page_and_the_team_list_count_training_too(login) -> None:  # type: ignore[no-untyped-def]
    """A team with two officers and a clinician is still not dispatchable while an officer
    lacks current Crisis Intervention Training: every page that says "dispatchable" says
    so, and names who is missing it."""
    _, trained, untrained = _team_missing_cit()
    give_training(untrained, completed_on=date(2019, 1, 1), expires_on=date(2020, 1, 1))
    make_staffed_team(name="Bronx Ready")
    missing = "Ben Untrained has no current Crisis Intervention Training"
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    client = login(supervisor)

    home = client.get("/").get_data(as_text=True)
    assert '<span class="count alert">1</span>' in home
    assert _card(home, "Queens West").endswith(f"Not dispatchable {missing}")
    assert "Bronx Ready" not in home
    teams = client.get("/teams/").get_data(as_text=True)
    assert _card(teams, "Queens West").startswith(f"Queens West Not dispatchable {missing}")
    assert _card(teams, "Bronx Ready").startswith("Bronx Ready Dispatchable")
    client.post("/logout")
    # The team's own members read it on their home page.
    client = login(trained)
    own = " ".join(re.sub(r"<[^>]+>", " ", client.get("/").get_data(as_text=True)).split())
    assert f"Your team: Queens West Not dispatchable {missing}" in own
    client.post("/logout")

    give_training(untrained)  # renewed
    db.session.commit()
    client = login(supervisor)
    home = client.get("/").get_data(as_text=True)
    assert "Queens West" not in home and "Every active team can be dispatched." in home
    teams = client.get("/teams/").get_data(as_text=True)
    assert _card(teams, "Queens West").startswith("Queens West Dispatchable")


def test_with_the_rule_off_no_page_asks_for_training(login, app) -> None:  # type: ignore[no-untyped-def]
    app.config["REQUIRE_CIT"] = False
    _team_missing_cit()
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    home = client.get("/").get_data(as_text=True)
    assert "Queens West" not in home and "Every active team can be dispatched." in home
    teams = client.get("/teams/").get_data(as_text=True)
    assert _card(teams, "Queens West").startswith("Queens West Dispatchable")
    assert "Crisis Intervention Training" not in _card(teams, "Queens West")


def test_a_reopened_case_returns_to_its_team_only_while_its_officers_are_trained(
    login, time_machine
) -> None:  # type: ignore[no-untyped-def]
    """Training lapsed while the case was closed: reopening puts it back in the queue for
    a team, and the supervisor is told why."""
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    team = make_team(name="Queens West")
    lapsing = make_user(Role.OFFICER, full_name="Ben Lapsing")
    renewed = make_user(Role.OFFICER, full_name="Ana Trained")
    give_training(lapsing, expires_on=date(2026, 12, 31))
    give_training(renewed)
    for user in (lapsing, renewed, make_user(Role.CLINICIAN)):
        add_to_team(team, user)
    case = make_case(team)
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    client = login(supervisor)
    closed = client.post(f"/cases/{case.id}/close", data={"reason": "other", "note": "Moved"})
    assert closed.status_code == 302
    # Reopened the same month: the team still can take it back.
    response = client.post(f"/cases/{case.id}/reopen", data={"note": "Back in the area"})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status is CaseStatus.OPEN and case.team_id == team.id
    closed = client.post(f"/cases/{case.id}/close", data={"reason": "other", "note": "Again"})
    assert closed.status_code == 302

    time_machine.move_to(datetime(2027, 1, 4, 10, 0, tzinfo=NY), tick=False)  # CIT lapsed
    client.post("/logout")
    client = login(supervisor)  # the session timed out meanwhile
    response = client.post(
        f"/cases/{case.id}/reopen", data={"note": "Re-referred"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert (
        "Case reopened. It needs a team. Queens West cannot take cases now: "
        "Ben Lapsing has no current Crisis Intervention Training." in page
    )
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.status is CaseStatus.AWAITING_ASSIGNMENT and case.team_id is None

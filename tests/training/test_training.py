"""Staff training: recorded by supervisors and administrators (audited), shown on the
team page, and required of both officers before dispatch (unless the program says not)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import Case
from coresponse.cases.services import CaseError, assign_case
from coresponse.extensions import db
from coresponse.training.models import Training, TrainingKind
from tests.factories import add_to_team, give_training, make_case, make_team, make_user

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

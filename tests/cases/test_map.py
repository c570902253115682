"""The map of open cases: who gets which pins, what a pin carries, and the audit trail."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select, text

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseStatus, ClosureReason
from coresponse.clock import utcnow
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.contacts.services import log_contact
from coresponse.extensions import db
from coresponse.people.models import LocationStatus
from coresponse.referrals.models import ReferralRiskIndicator, RiskIndicator
from tests.conftest import POSTGRES_URL, on_each_statement
from tests.factories import make_case, make_person, make_staffed_team, make_user

# What a pin may carry: the fields of a caseload row and the point, nothing else (the
# case's address and its team's name are each sent once, not per pin).
PIN_FIELDS = [
    "id", "name", "address", "precinct", "team_id", "latitude", "longitude",
    "approximate", "overdue", "when",
]  # fmt: skip
ANSWER_KEYS = {"fields", "cases", "teams", "case_url", "count", "overdue", "unplaced"}
CANARIES = ("CANARY-MAP-REASON-m1", "CANARY-MAP-CLINICAL-NOTE-m2")


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Two teams: ours with an overdue case, a case contacted in time and a person with
    no point; theirs with one case. A closed case and one awaiting a team, off the map."""
    team, officer, _, clinician = make_staffed_team(name="Brooklyn North")
    other, other_officer, _, _ = make_staffed_team(name="Queens South", precincts=("105",))
    overdue = make_case(team, make_person(last_name="Zamora"))
    contacted = make_case(
        team, make_person(last_name="Quintero", address={"location_status": LocationStatus.MANUAL}),
        first_contact_at=utcnow() - timedelta(hours=20),
        last_contact_at=utcnow() - timedelta(hours=20),
    )  # fmt: skip
    unplaced = make_case(
        team, make_person(last_name="Ibarra", address={
            "latitude": None, "longitude": None, "location_status": LocationStatus.NEEDED,
        }),
        first_contact_due_at=utcnow() + timedelta(hours=10),
    )  # fmt: skip
    theirs = make_case(other, make_person(last_name="Okonkwo", address={"precinct": "105"}))
    closed = make_case(
        team, make_person(last_name="Lindqvist"), status=CaseStatus.CLOSED,
        closed_at=utcnow() - timedelta(days=1), closure_reason=ClosureReason.CONNECTED_TO_CARE,
    )  # fmt: skip
    waiting = make_case(None, make_person(last_name="Marchetti"))
    # Clinical content on the overdue case: none of it may reach any pin.
    overdue.referral.reason = f"Overdose last month. {CANARIES[0]}"
    db.session.add(
        ReferralRiskIndicator(
            referral_id=overdue.referral_id, indicator=RiskIndicator.SUBSTANCE_USE
        )
    )
    log_contact(
        overdue, by=clinician, type=ContactType.PHONE, occurred_at=utcnow() - timedelta(hours=1),
        outcome=ContactOutcome.NOT_FOUND, participants=[clinician],
        operational_note="No answer.", clinical_note=CANARIES[1], risk_level=RiskLevel.HIGH,
        risk_factors=[RiskFactor.SUICIDAL_IDEATION],
    )  # fmt: skip
    # The contact counted as a first contact: put the deadline back to show it overdue.
    overdue.first_contact_at = None
    db.session.commit()
    return {
        "team": team, "other": other, "officer": officer, "clinician": clinician,
        "other_officer": other_officer, "overdue": overdue, "contacted": contacted,
        "unplaced": unplaced, "theirs": theirs, "closed": closed, "waiting": waiting,
    }  # fmt: skip


def _pins(client, query: str = "") -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The map's answer, each pin unpacked as static/js/maps/cases.js unpacks it."""
    response = client.get(f"/cases/map.json{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert set(data) == ANSWER_KEYS and data["fields"] == PIN_FIELDS
    head, tail = data["case_url"]
    pins = []
    for row in data["cases"]:
        pin = dict(zip(data["fields"], row, strict=True))
        pin["url"] = f"{head}{pin['id']}{tail}"
        pin["team"] = data["teams"][str(pin["team_id"])]
        pins.append(pin)
    return {**data, "cases": pins}


def _last_event_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _events_after(event_id: int) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.id > event_id)))


@pytest.mark.parametrize("discipline", [Discipline.CLINICAL, Discipline.POLICE])
def test_a_supervisor_gets_every_open_case_and_which_are_overdue(world, login, discipline) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR, discipline=discipline))
    data = _pins(client)
    pins = {pin["id"]: pin for pin in data["cases"]}
    open_ids = {world[k].id for k in ("overdue", "contacted", "unplaced", "theirs")}
    assert set(pins) == open_ids  # not the closed case, not the one waiting for a team
    assert (data["count"], data["overdue"], data["unplaced"]) == (4, 2, 1)
    overdue = pins[world["overdue"].id]
    assert overdue["overdue"] is True and overdue["when"].startswith("Overdue since")
    assert overdue["url"] == f"/cases/{world['overdue'].id}"
    assert overdue["team"] == "Brooklyn North" and overdue["precinct"] == "75"
    assert (overdue["latitude"], overdue["longitude"]) == (40.6705, -73.894)
    assert overdue["approximate"] is True
    contacted = pins[world["contacted"].id]
    assert contacted["overdue"] is False and contacted["approximate"] is False
    assert contacted["when"].startswith("Last contact")
    unplaced = pins[world["unplaced"].id]
    assert unplaced["latitude"] is None and unplaced["longitude"] is None
    assert unplaced["when"].startswith("First contact due")


def test_a_supervisor_may_show_one_team(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    data = _pins(client, f"?team={world['other'].id}")
    assert [pin["id"] for pin in data["cases"]] == [world["theirs"].id]


@pytest.mark.parametrize("who", ["officer", "clinician"])
def test_a_team_member_gets_the_teams_cases_whatever_team_is_asked_for(world, login, who) -> None:  # type: ignore[no-untyped-def]
    client = login(world[who])
    ours = {world[k].id for k in ("overdue", "contacted", "unplaced")}
    assert {pin["id"] for pin in _pins(client)["cases"]} == ours
    asked_for_theirs = _pins(client, f"?team={world['other'].id}")
    assert {pin["id"] for pin in asked_for_theirs["cases"]} == ours


def test_a_member_of_no_team_gets_an_empty_map_and_no_audit_event(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.OFFICER))
    before = _last_event_id()
    assert {k: v for k, v in _pins(client).items() if k in ("cases", "count", "teams")} == {
        "cases": [], "count": 0, "teams": {},
    }  # fmt: skip
    assert [e for e in _events_after(before) if e.action is AuditAction.LIST] == []
    page = client.get("/cases/map").get_data(as_text=True)
    assert "You are not on a team" in page


@pytest.mark.parametrize(
    "who", ["officer", "police_supervisor", "clinician", "clinical_supervisor"]
)
def test_no_pin_carries_anything_clinical(world, login, who) -> None:  # type: ignore[no-untyped-def]
    """The map is operational for everyone: even a clinical reader's pins carry only
    what a caseload row shows."""
    user = {
        "officer": world["officer"],
        "clinician": world["clinician"],
        "police_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "clinical_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
    }[who]
    client = login(user)
    response = client.get("/cases/map.json")
    body = response.get_data(as_text=True)
    for canary in CANARIES:
        assert canary not in body
    for label in ("Substance use", "Suicidal", "High", "risk", "Connected to care"):
        assert label not in body, label
    answer = response.get_json()
    assert set(answer) == ANSWER_KEYS and answer["fields"] == PIN_FIELDS
    page = client.get("/cases/map").get_data(as_text=True)
    for canary in CANARIES:
        assert canary not in page


def test_the_map_data_is_audited_once_naming_the_people_shown(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["officer"])
    before = _last_event_id()
    _pins(client)
    (event,) = [e for e in _events_after(before) if e.action is AuditAction.LIST]
    assert event.record_type == "case_map" and event.user_id == world["officer"].id
    assert set(json.loads(event.person_ids)) == {
        world[k].person_id for k in ("overdue", "contacted", "unplaced")
    }
    assert event.category is DataCategory.OPERATIONAL
    assert event.detail == "Case map"

    supervisor = make_user(Role.SUPERVISOR)
    client.post("/logout")
    client = login(supervisor)
    before = _last_event_id()
    _pins(client, f"?team={world['other'].id}")
    (event,) = [e for e in _events_after(before) if e.action is AuditAction.LIST]
    assert set(json.loads(event.person_ids)) == {world["theirs"].person_id}
    assert event.detail == "Case map: Queens South"
    assert event.record_id == str(world["other"].id)


def test_the_page_itself_names_no_one_and_is_not_audited(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    before = _last_event_id()
    response = client.get(f"/cases/map?team={world['team'].id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in ("Zamora", "Quintero", "Ibarra", "Okonkwo"):
        assert name not in html
    assert [e for e in _events_after(before) if e.action is AuditAction.LIST] == []
    page = BeautifulSoup(html, "html.parser")
    element = page.select_one('[data-map="cases"]')
    assert element["data-source"] == f"/cases/map.json?team={world['team'].id}"
    assert element["data-team"] == str(world["team"].id)
    teams = json.loads(page.select_one("#case-map-teams").get_text())
    chosen = next(t for t in teams if t["id"] == world["team"].id)
    assert chosen == {
        "id": world["team"].id, "name": "Brooklyn North", "base": [40.67, -73.88],
        "precincts": ["75"],
    }  # fmt: skip


def test_a_team_members_page_draws_their_team(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["officer"])
    page = BeautifulSoup(client.get("/cases/map").get_data(as_text=True), "html.parser")
    teams = json.loads(page.select_one("#case-map-teams").get_text())
    assert [t["id"] for t in teams] == [world["team"].id]
    assert page.select_one('[data-map="cases"]')["data-source"] == "/cases/map.json"
    assert page.select_one("select#team") is None  # no choice of team


@pytest.mark.parametrize("team", ["x", "1.5", "-3", "99999999999999999999", "%00"])
def test_a_team_that_is_not_an_id_is_a_400(world, login, team) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    assert client.get("/cases/map.json", query_string={"team": team}).status_code == 400
    assert client.get("/cases/map", query_string={"team": team}).status_code == 400


def test_a_team_that_does_not_exist_is_a_404(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    assert client.get("/cases/map.json?team=9999").status_code == 404
    assert client.get("/cases/map?team=9999").status_code == 404


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ADMIN])
def test_roles_without_a_caseload_are_refused(world, login, role) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(role))
    assert client.get("/cases/map.json").status_code == 403
    assert client.get("/cases/map").status_code == 403


def test_the_assign_page_maps_the_person_and_the_teams_in_rank_order(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    near, *_ = make_staffed_team(name="Covers 75", precincts=("75",))
    far, *_ = make_staffed_team(
        name="Queens base", precincts=("105",), base_latitude=40.72, base_longitude=-73.75
    )
    unplaced_base, *_ = make_staffed_team(
        name="No base yet", precincts=("40",), base_latitude=None, base_longitude=None
    )
    person = make_person(last_name="Lindgren")
    line1 = person.addresses[0].line1
    case = make_case(None, person)
    db.session.commit()
    client = login(make_user(Role.SUPERVISOR))
    page = BeautifulSoup(
        client.get(f"/cases/{case.id}/assign").get_data(as_text=True), "html.parser"
    )
    data = json.loads(page.select_one("#dispatch-map-data").get_text())
    assert data["person"] == {"point": [40.6705, -73.894], "label": line1,
                              "precinct": "75"}  # fmt: skip
    assert [(t["rank"], t["name"]) for t in data["teams"]] == [
        (1, "Covers 75"), (2, "Queens base"), (3, "No base yet")
    ]  # fmt: skip
    first, second, third = data["teams"]
    assert first["base"] == [40.67, -73.88] and first["precincts"] == ["75"]
    assert second["base"] == [40.72, -73.75] and third["base"] is None
    assert first["dispatchable"] is True
    # The ranked list is the map's text alternative, and offers each team on the map.
    buttons = [b["data-map-team"] for b in page.select("ol.ranked [data-map-team]")]
    assert buttons == [str(near.id), str(far.id), str(unplaced_base.id)]


@pytest.mark.skipif(POSTGRES_URL is not None, reason="reads SQLite's query plans")
def test_the_map_reads_the_open_cases_from_their_own_index(world, login) -> None:  # type: ignore[no-untyped-def]
    """Open cases are few among all cases ever opened: the supervisor's map reads them
    from ix_case_open_map alone (it holds every column of the case a pin needs), not
    from the table by the status. The statement names the status itself: with a bound
    parameter no database may use an index of the open cases only."""
    team = world["team"]
    for n in range(30):
        make_case(
            team, make_person(last_name=f"Closed{n}"), status=CaseStatus.CLOSED,
            closure_reason=ClosureReason.UNABLE_TO_LOCATE,
        )  # fmt: skip
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    client = login(make_user(Role.SUPERVISOR))
    seen: list[tuple[str, Any]] = []
    with on_each_statement(lambda sql, params, _many: seen.append((sql, params))):
        _pins(client)
    (sql, params), *_ = [(s, p) for s, p in seen if "person_address" in s]
    assert "'open'" in sql
    plan = [
        row[-1]
        for row in db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
    ]
    assert "SCAN case USING COVERING INDEX ix_case_open_map" in plan, plan

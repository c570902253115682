"""Lists of people are audited: one event per request naming exactly the people shown.

My caseload, people search, the supervisors' queues and home page, the break-glass
review queue and the API's case list each write one event (action "list", or "search"
for a search) whose person_ids are the people on the page served. A person's access
log and the audit report filtered by person find it; the list is under the hash chain.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent, AuditEventPerson
from coresponse.audit.services import event_hash, record_event
from coresponse.audit.verify import ProblemKind, verify_chain
from coresponse.auth.models import Discipline, Role
from coresponse.auth.tokens import create_token
from coresponse.cases.models import CaseStatus, ClosureReason
from coresponse.clock import utcnow
from coresponse.consent.services import break_glass
from coresponse.extensions import db
from tests.api.conftest import ApiClient
from tests.audit.conftest import triggers_off
from tests.conftest import POSTGRES_URL
from tests.factories import (
    make_case,
    make_person,
    make_referral,
    make_staffed_team,
    make_user,
    minutes_ago_input,
)

LIST_ACTIONS = (AuditAction.LIST, AuditAction.SEARCH)


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Two teams with open cases, cases in every supervisor queue, supervisors, an admin."""
    team, _, _, clinician = make_staffed_team()
    other_team = make_staffed_team()[0]
    ours = [make_case(team, make_person(last_name=f"Castillo{n}")) for n in range(3)]
    theirs = [make_case(other_team, make_person(last_name=f"Okafor{n}")) for n in range(2)]
    waiting = make_case()  # accepted, waiting for a team
    closed = make_case(
        team, status=CaseStatus.CLOSED, closed_at=utcnow() - timedelta(days=1),
        closure_reason=ClosureReason.CONNECTED_TO_CARE,
    )  # fmt: skip
    triage = make_referral()
    db.session.commit()
    return {
        "team": team,
        "clinician": clinician,
        "ours": ours,
        "our_people": [case.person for case in ours],
        "theirs": theirs,
        "waiting": waiting,
        "closed": closed,
        "triage": triage,
        "clinical_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        "police_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "admin": make_user(Role.ADMIN),
    }


def _last_id() -> int:
    return db.session.scalar(select(func.max(AuditEvent.id))) or 0


def _list_events(after: int) -> list[AuditEvent]:
    """The list and search events written since event `after`."""
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > after, AuditEvent.action.in_(LIST_ACTIONS))
            .order_by(AuditEvent.id)
        )
    )


def _named(event: AuditEvent) -> set[int]:
    assert event.person_ids is not None and event.person_id is None
    return set(json.loads(event.person_ids))


def _one_list_event(after: int) -> AuditEvent:
    events = _list_events(after)
    assert len(events) == 1, [(e.record_type, e.person_ids) for e in events]
    return events[0]


def _people(*cases_or_referrals: Any) -> set[int]:
    return {row.person_id for row in cases_or_referrals}


# Each list writes one event naming exactly its people ----------------------------------


def test_my_caseload_names_the_teams_people_and_no_one_else(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["clinician"])
    before = _last_id()
    page = client.get("/cases/mine").get_data(as_text=True)
    event = _one_list_event(before)
    assert _named(event) == _people(*world["ours"])
    assert (event.user_id, event.action, event.record_type) == (
        world["clinician"].id, AuditAction.LIST, "caseload"
    )  # fmt: skip
    assert event.record_id == str(world["team"].id)
    assert event.category is DataCategory.OPERATIONAL
    for person in world["our_people"]:
        assert person.last_name in page


def test_people_search_names_only_the_people_on_the_page_served(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    app.config["PAGE_SIZE"] = 2
    client = login(world["clinical_supervisor"])
    before = _last_id()
    first = client.get("/people/?q=castillo")
    assert first.status_code == 200
    event = _one_list_event(before)
    assert event.action is AuditAction.SEARCH and event.record_type == "people_search"
    assert event.detail == "People search: “castillo”"
    shown_first = _named(event)
    assert len(shown_first) == 2

    cursor = first.get_data(as_text=True).split("after=")[1].split('"')[0]
    before = _last_id()
    client.get(f"/people/?q=castillo&after={cursor}")
    shown_next = _named(_one_list_event(before))
    # The three Castillos, each on the page that showed them, no one else.
    assert shown_first | shown_next == _people(*world["ours"])
    assert not shown_first & shown_next


def test_a_search_that_finds_no_one_writes_nothing(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["clinical_supervisor"])
    before = _last_id()
    assert "No one you can see matches" in client.get("/people/?q=zzzz").get_data(as_text=True)
    client.get("/people/")  # the empty search form
    assert _list_events(before) == []


def test_each_supervisor_queue_names_the_people_it_lists(world, login) -> None:  # type: ignore[no-untyped-def]
    expected = {
        "triage": _people(world["triage"]),
        "unassigned": _people(world["waiting"]),
        "overdue": _people(*world["ours"], *world["theirs"]),
        "closed": _people(world["closed"]),
    }
    client = login(world["clinical_supervisor"])
    for key, people in expected.items():
        before = _last_id()
        assert client.get(f"/cases/queue/{key}").status_code == 200
        event = _one_list_event(before)
        assert (event.record_type, event.record_id) == ("case_queue", key)
        assert _named(event) == people, key
    # The stale queue is empty here: nothing shown, nothing written.
    before = _last_id()
    assert client.get("/cases/queue/stale").status_code == 200
    assert _list_events(before) == []


def test_a_closure_reason_shown_to_a_clinical_reader_makes_the_list_clinical(world, login) -> None:  # type: ignore[no-untyped-def]
    categories = {}
    for who in ("clinical_supervisor", "police_supervisor"):
        client = login(world[who])
        before = _last_id()
        client.get("/cases/queue/closed")
        categories[who] = _one_list_event(before).category
        client.post("/logout")
    assert categories == {
        "clinical_supervisor": DataCategory.CLINICAL,
        "police_supervisor": DataCategory.OPERATIONAL,
    }


def test_the_supervisors_home_names_everyone_in_its_queue_previews(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["police_supervisor"])
    before = _last_id()
    assert client.get("/").status_code == 200
    event = _one_list_event(before)
    assert event.record_type == "home_queues"
    everyone = [
        world["triage"],
        world["waiting"],
        world["closed"],
        *world["ours"],
        *world["theirs"],
    ]
    assert _named(event) == _people(*everyone)


def test_a_team_members_home_lists_no_one_and_writes_nothing(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["clinician"])
    before = _last_id()
    assert client.get("/").status_code == 200
    assert _list_events(before) == []


def test_the_break_glass_review_queue_names_the_people_opened(world, login) -> None:  # type: ignore[no-untyped-def]
    person = world["theirs"][0].person
    break_glass(
        person, by=world["clinician"], reason_code="crisis", reason="EMS called about a crisis."
    )
    db.session.commit()
    client = login(world["clinical_supervisor"])
    before = _last_id()
    assert client.get("/break-glass/").status_code == 200
    event = _one_list_event(before)
    assert (event.record_type, event.category) == ("break_glass_queue", DataCategory.CLINICAL)
    assert _named(event) == {person.id}


def test_the_api_case_list_writes_one_event_for_a_page_of_any_size(app: Flask, world) -> None:
    for _ in range(8):
        make_case(world["team"])
    _, token = create_token(world["police_supervisor"], name="t", by=world["police_supervisor"])
    db.session.commit()
    api = ApiClient(app.test_client(), token)
    before = _last_id()
    body = api.get("/api/v1/cases?limit=200").get_json()
    event = _one_list_event(before)
    assert event.record_type == "case_list"
    assert len(body["items"]) == 13  # every open case of the program
    assert _named(event) == {item["person_id"] for item in body["items"]}

    before = _last_id()
    page = api.get("/api/v1/cases?limit=4").get_json()
    assert _named(_one_list_event(before)) == {item["person_id"] for item in page["items"]}
    before = _last_id()
    following = api.get(f"/api/v1/cases?limit=4&cursor={page['next']}").get_json()
    assert _named(_one_list_event(before)) == {item["person_id"] for item in following["items"]}


def test_the_intake_duplicate_check_names_the_people_it_showed(world, login) -> None:  # type: ignore[no-untyped-def]
    shown = world["ours"][0].person
    client = login(world["clinician"])
    before = _last_id()
    form = {
        "first_name": shown.first_name, "last_name": shown.last_name,
        "date_of_birth": shown.date_of_birth.isoformat(), "source": "nypd_precinct",
        "received_at": minutes_ago_input(30), "reason": "Neighbours worried.",
        "line1": "500 Sutter Ave", "postal_code": "11207",
    }  # fmt: skip
    page = client.post("/referrals/new", data=form).get_data(as_text=True)
    assert "Is this someone already on record?" in page
    event = _one_list_event(before)
    assert event.record_type == "duplicate_check" and shown.id in _named(event)


# Single records shown on forms are views of that person -------------------------------


@pytest.mark.parametrize(
    ("url", "record_type"),
    [
        ("/people/{person_id}/location", "person_address"),
        ("/cases/{case_id}/assign", "case"),
    ],
)
def test_pages_showing_one_persons_card_record_a_view(world, login, url, record_type) -> None:  # type: ignore[no-untyped-def]
    case = world["ours"][0]
    who = "clinician" if "location" in url else "clinical_supervisor"
    client = login(world[who])
    before = _last_id()
    response = client.get(url.format(person_id=case.person_id, case_id=case.id))
    assert response.status_code == 200
    db.session.expire_all()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.id > before)).all()
    assert [(e.action, e.person_id, e.record_type) for e in events] == [
        (AuditAction.VIEW, case.person_id, record_type)
    ]


# Who saw this person: the access log and the report -----------------------------------


def _listed_by_the_clinician(world, login) -> None:  # type: ignore[no-untyped-def]
    """The clinician opens My caseload (three people), then logs out."""
    client = login(world["clinician"])
    assert client.get("/cases/mine").status_code == 200
    client.post("/logout")


def test_the_access_log_shows_the_lists_the_person_was_on_without_the_others(world, login) -> None:  # type: ignore[no-untyped-def]
    _listed_by_the_clinician(world, login)
    world_client = login(world["clinical_supervisor"])
    person = world["our_people"][0]
    html = world_client.get(f"/audit/people/{person.id}").get_data(as_text=True)
    assert "Listed" in html and "My caseload (3 people)" in html
    assert world["clinician"].username in html
    # Nothing names the other people on the caseload.
    for other in world["our_people"][1:]:
        assert other.last_name not in html and f"#{other.id}" not in html
    # Someone who was not on the caseload does not see it in their log.
    elsewhere = world["theirs"][0].person_id
    assert "My caseload" not in world_client.get(f"/audit/people/{elsewhere}").get_data(
        as_text=True
    )


def test_the_report_by_person_finds_list_reads_and_the_export_names_them(world, login) -> None:  # type: ignore[no-untyped-def]
    _listed_by_the_clinician(world, login)
    person_id = world["ours"][1].person_id
    client = login(world["admin"])
    html = client.get(f"/audit/?person={person_id}&action=list").get_data(as_text=True)
    assert "My caseload (3 people)" in html and "3 people" in html
    assert "No events." not in html
    elsewhere = world["theirs"][0].person_id
    html = client.get(f"/audit/?person={elsewhere}&action=list").get_data(as_text=True)
    assert "No events." in html

    rows = list(csv.DictReader(io.StringIO(
        client.get(f"/audit/export.csv?person={person_id}&action=list").get_data(as_text=True)
    )))  # fmt: skip
    assert len(rows) == 1 and rows[0]["record_type"] == "caseload"
    assert set(json.loads(rows[0]["person_ids"])) == _people(*world["ours"])


def test_a_police_supervisor_sees_a_clinical_list_only_as_restricted(world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world["clinical_supervisor"])
    client.get("/cases/queue/closed")
    client.post("/logout")
    person_id = world["closed"].person_id
    html = (
        login(world["police_supervisor"]).get(f"/audit/people/{person_id}").get_data(as_text=True)
    )
    assert "Listed" in html and "Clinical (restricted)" in html
    assert "Closed in the last 14 days" not in html


# The list is under the hash chain; the index is append-only ---------------------------


def test_changing_the_people_of_a_list_event_breaks_the_chain(world, login) -> None:  # type: ignore[no-untyped-def]
    _listed_by_the_clinician(world, login)
    event = _one_list_event(0)
    assert verify_chain().intact
    hidden = sorted(_named(event))[1:]  # someone removed from the record of who was shown
    with triggers_off():
        db.session.execute(
            text("UPDATE audit_event SET person_ids = :ids WHERE id = :id"),
            {"ids": json.dumps(hidden, separators=(",", ":")), "id": event.id},
        )
        db.session.commit()
    problem = verify_chain().problem
    assert problem is not None
    assert (problem.kind, problem.event_id) == (ProblemKind.ALTERED, event.id)


def test_an_event_without_a_list_hashes_as_before_the_list_existed(app: Flask) -> None:
    """Events written before person_ids existed keep verifying: it is hashed only when set."""
    event = record_event(
        AuditAction.VIEW, by=None, record_type="person", record_id=7, person_id=None,
        category=DataCategory.IDENTITY, detail="old",
    )  # fmt: skip
    db.session.commit()
    old_payload = {
        "at": event.at.isoformat(), "user_id": None, "username": None, "role": None,
        "action": "view", "person_id": None, "record_type": "person", "record_id": "7",
        "category": "identity", "detail": "old", "ip_address": None, "user_agent": None,
        "prev_hash": event.prev_hash,
    }  # fmt: skip
    expected = hashlib.sha256(
        json.dumps(old_payload, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert event.row_hash == event_hash(event) == expected


def test_the_person_index_is_filled_by_the_database_and_cannot_be_changed(world, login) -> None:  # type: ignore[no-untyped-def]
    _listed_by_the_clinician(world, login)
    event = _one_list_event(0)
    indexed = db.session.scalars(
        select(AuditEventPerson.person_id).where(AuditEventPerson.event_id == event.id)
    ).all()
    assert set(indexed) == _named(event)
    for statement in (
        "UPDATE audit_event_person SET person_id = person_id",
        "DELETE FROM audit_event_person",
    ):
        with pytest.raises(DBAPIError, match="audit events are append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_an_event_naming_someone_not_on_record_is_refused(world) -> None:  # type: ignore[no-untyped-def]
    """Every person an event names is on record: SQLite checks it by foreign key,
    PostgreSQL's trigger by one query over all of them (it has no foreign keys there)."""
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    known = [person.id for person in world["our_people"]]
    with pytest.raises(IntegrityError):
        record_event(
            AuditAction.LIST, by=None, record_type="test", person_ids=[*known, 987654],
            category=DataCategory.OPERATIONAL,
        )  # fmt: skip
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    # The same people without the stranger are indexed, each once.
    event = record_event(
        AuditAction.LIST, by=None, record_type="test", person_ids=[*known, *known],
        category=DataCategory.OPERATIONAL,
    )  # fmt: skip
    indexed = db.session.scalars(
        select(AuditEventPerson.person_id).where(AuditEventPerson.event_id == event.id)
    ).all()
    assert sorted(indexed) == sorted(known)


@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL's triggers")
def test_postgresql_indexes_a_long_list_without_a_trigger_per_person(app: Flask) -> None:
    """A foreign key on PostgreSQL is a trigger run for each row, which locks the row it
    refers to: a supervisor's map names thousands of people. audit_event_person has
    none; its only trigger runs per statement (the append-only refusal)."""
    per_row = db.session.scalars(
        text(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_event_person'::regclass "
            "AND (tgisinternal OR (tgtype & 1) = 1)"  # internal (foreign keys) or FOR EACH ROW
        )
    ).all()
    assert per_row == []

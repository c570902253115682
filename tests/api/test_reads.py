"""The API's reads: who sees what, in the documented shapes, audited like the pages."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from coresponse.audit.models import AuditEvent
from coresponse.cases.models import CaseStatus
from coresponse.clock import utcnow
from coresponse.contacts.models import ContactOutcome, ContactType, RiskLevel
from coresponse.contacts.services import log_contact
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from tests.api.helpers import assert_documented
from tests.factories import make_case
from tests.linkages.helpers import make_provider


def test_me_describes_the_caller_and_their_team(app, world, api) -> None:  # type: ignore[no-untyped-def]
    response = api(world.officer).get("/api/v1/me")
    assert_documented(app, response, "/api/v1/me")
    data = response.get_json()
    assert (data["username"], data["role"], data["team_id"]) == (
        world.officer.username, "officer", world.team.id,
    )  # fmt: skip
    assert data["can_read_clinical"] is False
    assert {m["id"] for m in data["team"]["members"]} == {
        world.officer.id, world.officer_b.id, world.clinician.id,
    }  # fmt: skip
    assert "csrf_token" not in data  # tokens need no CSRF
    admin = api(world.admin).get("/api/v1/me").get_json()
    assert admin["team"] is None and admin["team_id"] is None


def test_cases_list_a_field_members_team_cases_and_every_open_case_for_supervisors(  # type: ignore[no-untyped-def]
    app, world, api
) -> None:
    closed = make_case(world.team, status=CaseStatus.CLOSED)
    db.session.commit()
    mine = api(world.officer).get("/api/v1/cases")
    assert_documented(app, mine, "/api/v1/cases")
    assert [c["id"] for c in mine.get_json()["items"]] == [world.case.id]
    item = mine.get_json()["items"][0]
    assert item["person_id"] == world.case.person_id
    assert "Pennsylvania Ave, New York, NY 11207" in item["address"]
    every = api(world.police_supervisor).get("/api/v1/cases").get_json()["items"]
    assert [c["id"] for c in every] == sorted([world.case.id, world.other_case.id])
    assert closed.id not in [c["id"] for c in every]
    for user in (world.admin, world.analyst):
        refused = api(user).get("/api/v1/cases")
        assert refused.status_code == 403
        assert_documented(app, refused, "/api/v1/cases")


def test_cases_page_by_id_with_a_cursor(app, world, api) -> None:  # type: ignore[no-untyped-def]
    extra = [make_case(world.team).id for _ in range(4)]
    db.session.commit()
    client = api(world.clinician)
    seen, url = [], "/api/v1/cases?limit=2"
    while url:
        page = client.get(url)
        assert page.status_code == 200
        assert len(page.get_json()["items"]) <= 2
        seen += [c["id"] for c in page.get_json()["items"]]
        cursor = page.get_json()["next"]
        url = f"/api/v1/cases?limit=2&cursor={cursor}" if cursor else ""
    assert seen == sorted([world.case.id, *extra])
    for bad in ("limit=0", "limit=201", "limit=x", "cursor=forged", "cursor=WzEwMDAwMDAwMDAwMF0"):
        response = client.get(f"/api/v1/cases?{bad}")
        assert response.status_code == 422, bad
        assert_documented(app, response, "/api/v1/cases")


def test_a_case_shows_its_contacts_clinical_parts_only_to_clinical_readers(  # type: ignore[no-untyped-def]
    app, world, api
) -> None:
    log_contact(
        world.case, by=world.clinician, type=ContactType.PHONE, outcome=ContactOutcome.ENGAGED,
        occurred_at=utcnow() - timedelta(hours=1), participants=[], clinical_note="Sleeping badly.",
        risk_level=RiskLevel.MODERATE,
    )  # fmt: skip
    db.session.commit()
    url = f"/api/v1/cases/{world.case.id}"
    officer = api(world.officer).get(url)
    assert_documented(app, officer, url)
    assert "clinical_note" not in officer.get_json()["contacts"][0]
    assert "Sleeping badly." not in officer.get_data(as_text=True)
    clinician = api(world.clinician).get(url)
    assert_documented(app, clinician, url)
    assert clinician.get_json()["contacts"][0]["risk_level"] == "moderate"
    assert api(world.other_clinician).get(url).status_code == 404
    assert api(world.officer).get(f"/api/v1/cases/{world.other_case.id}").status_code == 404
    audited = db.session.scalars(
        select(AuditEvent.category).where(AuditEvent.record_type == "case")
    ).all()
    assert sorted(audited) == ["clinical", "operational"]


def test_a_person_and_their_timeline_are_read_and_audited(app, world, api) -> None:  # type: ignore[no-untyped-def]
    log_contact(
        world.case, by=world.officer, type=ContactType.ATTEMPT, outcome=ContactOutcome.NOT_FOUND,
        occurred_at=utcnow() - timedelta(hours=2), participants=[],
    )  # fmt: skip
    db.session.commit()
    person_id = world.case.person_id
    client = api(world.officer)
    person = client.get(f"/api/v1/people/{person_id}")
    assert_documented(app, person, f"/api/v1/people/{person_id}")
    assert person.get_json()["cases"][0]["id"] == world.case.id
    timeline = client.get(f"/api/v1/people/{person_id}/timeline")
    assert_documented(app, timeline, f"/api/v1/people/{person_id}/timeline")
    kinds = [e["kind"] for e in timeline.get_json()["items"]]
    assert "contact" in kinds and "referral" in kinds
    only = client.get(f"/api/v1/people/{person_id}/timeline?kind=contact").get_json()["items"]
    assert {e["kind"] for e in only} == {"contact"}
    for bad in ("kind=nonsense", "before=yesterday", "before=2026-01-01T10:00:00"):
        response = client.get(f"/api/v1/people/{person_id}/timeline?{bad}")
        assert response.status_code == 422, bad
    events = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.record_type == "person", AuditEvent.person_id == person_id)
    )
    assert events == 3
    assert api(world.other_clinician).get(f"/api/v1/people/{person_id}").status_code == 404
    assert api(world.analyst).get(f"/api/v1/people/{person_id}/timeline").status_code == 404


def test_linkages_are_read_and_moved_on_by_clinical_staff_only(app, world, api) -> None:  # type: ignore[no-untyped-def]
    linkage = create_linkage(
        world.case, by=world.clinician, kind=LinkageKind.OUTPATIENT_CLINIC,
        provider=make_provider(LinkageKind.OUTPATIENT_CLINIC),
    )  # fmt: skip
    db.session.commit()
    clinician = api(world.clinician)
    listed = clinician.get(f"/api/v1/cases/{world.case.id}/linkages")
    assert_documented(app, listed, f"/api/v1/cases/{world.case.id}/linkages")
    assert [item["id"] for item in listed.get_json()["items"]] == [linkage.id]
    url = f"/api/v1/linkages/{linkage.id}"
    shown = clinician.get(url)
    assert_documented(app, shown, url)
    version = shown.get_json()["version"]
    for user in (world.officer, world.police_supervisor, world.admin):
        assert api(user).get(url).status_code == 404
        assert api(user).patch(f"{url}/status", json={"to_status": "referred"}).status_code == 404
    moved = clinician.patch(f"{url}/status", json={"to_status": "referred", "version": version})
    assert moved.status_code == 200, moved.get_json()
    assert_documented(app, moved, f"{url}/status", "PATCH")
    assert moved.get_json()["status"] == "referred"
    assert [c["to_status"] for c in moved.get_json()["changes"]] == ["identified", "referred"]
    stale = clinician.post(f"{url}/status", json={"to_status": "waitlisted", "version": version})
    assert stale.status_code == 409
    assert_documented(app, stale, f"{url}/status", "POST")
    wrong = clinician.patch(f"{url}/status", json={"to_status": "identified"})
    assert wrong.status_code == 422 and wrong.get_json()["errors"][0]["field"] == "to_status"


def test_a_referral_is_recorded_for_a_new_person(app, world, api) -> None:  # type: ignore[no-untyped-def]
    body = {
        "person": {"first_name": "Dana", "last_name": "Okafor", "date_of_birth": "1990-04-02",
                   "address": {"line1": "12 Linden Blvd", "postal_code": "11207"}},
        "source": "call_911",
        "received_at": (utcnow() - timedelta(hours=1)).isoformat(),
        "reason": "Repeated calls; talks of ending it.",
        "risk_indicators": ["harm_to_self", "weapons_access"],
    }  # fmt: skip
    clinician = api(world.clinician).post("/api/v1/referrals", json=body)
    assert clinician.status_code == 201, clinician.get_json()
    assert_documented(app, clinician, "/api/v1/referrals", "POST")
    assert clinician.get_json()["reason"] == body["reason"]
    police = api(world.police_supervisor).post(
        "/api/v1/referrals", json={**body, "person_id": clinician.get_json()["person_id"],
                                   "person": None},
    )  # fmt: skip
    assert police.status_code == 201, police.get_json()
    assert "reason" not in police.get_json()
    assert police.get_json()["risk_indicators"] == ["weapons_access"]
    assert api(world.officer).post("/api/v1/referrals", json=body).status_code == 403
    neither = api(world.clinician).post("/api/v1/referrals", json={**body, "person": None})
    assert neither.status_code == 422 and neither.get_json()["errors"][0]["field"] == "person_id"
    bad_person = api(world.clinician).post(
        "/api/v1/referrals", json={**body, "person": {"first_name": ""}}
    )
    assert {e["field"] for e in bad_person.get_json()["errors"]} == {
        "person.first_name", "person.last_name",
    }  # fmt: skip

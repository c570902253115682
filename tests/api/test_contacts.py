"""POST /api/v1/contacts: logging a contact from a tablet, stored exactly once."""

from __future__ import annotations

from sqlalchemy import func, select

from coresponse.audit.models import AuditEvent
from coresponse.cases.models import Case, CaseStatus
from coresponse.contacts.models import Addendum, Contact
from coresponse.extensions import db
from tests.api.helpers import assert_documented, contact_body

CLINICAL_KEYS = {"clinical_note", "risk_level", "risk_factors"}


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


def test_a_new_contact_is_stored_and_returned_with_its_location(app, world, api) -> None:  # type: ignore[no-untyped-def]
    body = contact_body(world.case, participants=[world.officer_b.id])
    response = api(world.officer).post("/api/v1/contacts", json=body)
    assert response.status_code == 201, response.get_json()
    assert_documented(app, response, "/api/v1/contacts", "POST")
    data = response.get_json()
    assert data["id"] == body["id"]
    assert response.headers["Location"] == f"/api/v1/contacts/{body['id']}"
    assert {p["id"] for p in data["participants"]} == {world.officer.id, world.officer_b.id}
    assert data["recorded_by"]["id"] == world.officer.id
    assert not CLINICAL_KEYS & set(data)
    stored = db.session.scalar(select(Contact).where(Contact.case_id == world.case.id))
    assert str(stored.uuid) == body["id"] and stored.operational_note == body["operational_note"]
    assert db.session.get(Case, world.case.id).last_contact_at is not None


def test_the_same_contact_sent_again_is_stored_once_and_answered_200(app, world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    body = contact_body(world.case, clinical_note="Calmer today.", risk_level="low")
    first = client.post("/api/v1/contacts", json=body)
    again = client.post("/api/v1/contacts", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert_documented(app, again, "/api/v1/contacts", "POST")
    assert again.get_json()["id"] == body["id"]
    assert again.get_json()["clinical_note"] == "Calmer today."
    assert _count() == 1


def test_the_same_id_with_different_content_is_a_409_and_changes_nothing(app, world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.officer)
    body = contact_body(world.case)
    assert client.post("/api/v1/contacts", json=body).status_code == 201
    response = client.post("/api/v1/contacts", json={**body, "operational_note": "Different."})
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert_documented(app, response, "/api/v1/contacts", "POST")
    assert _count() == 1
    assert db.session.scalar(select(Contact.operational_note)) == body["operational_note"]


def test_invalid_fields_are_named_one_by_one(app, world, api) -> None:  # type: ignore[no-untyped-def]
    body = contact_body(
        world.case, id="not-a-uuid", type="teleport", occurred_at="yesterday", latitude="north",
        extra="?",
    )  # fmt: skip
    del body["outcome"]
    response = api(world.officer).post("/api/v1/contacts", json=body)
    assert response.status_code == 422
    assert_documented(app, response, "/api/v1/contacts", "POST")
    fields = {e["field"] for e in response.get_json()["errors"]}
    assert fields == {"id", "type", "occurred_at", "outcome", "latitude", "extra"}
    assert _count() == 0


def test_domain_rules_answer_422_on_the_field(app, world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.officer)
    attempt = client.post("/api/v1/contacts", json=contact_body(world.case, type="attempt"))
    assert attempt.status_code == 422
    assert attempt.get_json()["errors"] == [
        {"field": "outcome", "message": attempt.get_json()["detail"]}
    ]
    naive = client.post(
        "/api/v1/contacts", json=contact_body(world.case, occurred_at="2026-01-01T10:00:00")
    )
    assert naive.status_code == 422 and naive.get_json()["errors"][0]["field"] == "occurred_at"
    assert _count() == 0


def test_an_officer_cannot_record_clinical_content(app, world, api) -> None:  # type: ignore[no-untyped-def]
    body = contact_body(world.case, clinical_note="Hears voices.")
    response = api(world.officer).post("/api/v1/contacts", json=body)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "clinical_note"
    assert _count() == 0


def test_a_case_of_another_team_is_404_and_non_field_roles_403(app, world, api) -> None:  # type: ignore[no-untyped-def]
    hidden = api(world.officer).post("/api/v1/contacts", json=contact_body(world.other_case))
    assert hidden.status_code == 404
    assert_documented(app, hidden, "/api/v1/contacts", "POST")
    for user in (world.clinical_supervisor, world.admin, world.analyst):
        response = api(user).post("/api/v1/contacts", json=contact_body(world.case))
        assert response.status_code == 403, user
    assert _count() == 0


def test_a_closed_case_refuses_new_contacts_with_409(app, world, api) -> None:  # type: ignore[no-untyped-def]
    world.case.status = CaseStatus.CLOSED
    db.session.commit()
    response = api(world.clinician).post("/api/v1/contacts", json=contact_body(world.case))
    assert response.status_code == 409
    assert "closed" in response.get_json()["detail"]


def test_a_participant_not_on_the_team_is_refused(app, world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.officer)
    outsider = client.post(
        "/api/v1/contacts",
        json=contact_body(world.case, participants=[world.other_clinician.id]),
    )
    assert outsider.status_code == 422
    assert outsider.get_json()["errors"][0]["field"] == "participants"
    unknown = client.post("/api/v1/contacts", json=contact_body(world.case, participants=[99999]))
    assert unknown.status_code == 422
    assert _count() == 0


def test_reading_a_contact_by_its_id_is_audited_and_hides_clinical_keys(app, world, api) -> None:  # type: ignore[no-untyped-def]
    body = contact_body(world.case, clinical_note="Low mood.", risk_factors=["recent_loss"])
    assert api(world.clinician).post("/api/v1/contacts", json=body).status_code == 201
    url = f"/api/v1/contacts/{body['id']}"
    for user, clinical in ((world.officer, False), (world.clinician, True),
                           (world.clinical_supervisor, True), (world.police_supervisor, False)):  # fmt: skip
        response = api(user).get(url)
        assert response.status_code == 200
        assert_documented(app, response, url)
        data = response.get_json()
        assert (set(data) >= CLINICAL_KEYS) is clinical
        assert bool(CLINICAL_KEYS & set(data)) is clinical
    views = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.record_type == "contact", AuditEvent.action == "view")
    )
    assert views == 4
    assert api(world.other_clinician).get(url).status_code == 404


def test_an_addendum_is_added_and_shown_on_the_contact(app, world, api) -> None:  # type: ignore[no-untyped-def]
    body = contact_body(world.case)
    assert api(world.officer).post("/api/v1/contacts", json=body).status_code == 201
    url = f"/api/v1/contacts/{body['id']}/addenda"
    officer = api(world.officer)
    refused = officer.post(
        url, json={"operational_reason": "Wrong time", "clinical_text": "Psychotic."}
    )
    assert refused.status_code == 422
    # The clinical reason is written by clinicians only.
    refused = officer.post(url, json={"reason": "Off his meds", "operational_text": "At 3 pm."})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "reason"
    response = officer.post(
        url, json={"operational_reason": "Wrong time", "operational_text": "At 3 pm."}
    )
    assert response.status_code == 201
    assert_documented(app, response, url, "POST")
    assert "clinical_text" not in response.get_json() and "reason" not in response.get_json()
    shown = officer.get(f"/api/v1/contacts/{body['id']}").get_json()
    assert [(a["operational_reason"], a["operational_text"]) for a in shown["addenda"]] == [
        ("Wrong time", "At 3 pm.")
    ]
    missing = officer.post(url, json={"operational_text": "No reason"})
    assert missing.status_code == 422
    assert missing.get_json()["errors"][0]["field"] == "operational_reason"
    assert db.session.scalar(select(func.count()).select_from(Addendum)) == 1

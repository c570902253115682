"""Case status changes: a stale form is a 409 showing both versions, never an overwrite."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask

from coresponse.auth.models import Role
from coresponse.cases.models import Case, CaseStatus, ClosureReason
from coresponse.clock import utcnow
from coresponse.contacts.models import ContactOutcome, ContactType
from coresponse.contacts.services import log_contact
from coresponse.extensions import db
from tests.factories import make_case, make_staffed_team, make_user
from tests.ops.locking import assert_conflict_page, form_version, logged_in


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team(name="Brownsville A")
    case = make_case(team)
    supervisor = make_user(Role.SUPERVISOR, full_name="Dr. Maya Lin")
    return case, supervisor, clinician


def test_second_close_from_the_same_version_gets_409_with_both_versions(app, world) -> None:
    case, supervisor, clinician = world
    first, second = logged_in(app, supervisor), logged_in(app, clinician)
    url = f"/cases/{case.id}"
    version_a = form_version(first.get(url).get_data(as_text=True))
    version_b = form_version(second.get(url).get_data(as_text=True))
    assert version_a == version_b

    closed = first.post(f"{url}/close", data={"reason": "connected_to_care",
                        "note": "Attending IMT weekly.", "version": version_a})  # fmt: skip
    assert closed.status_code == 302
    stale = second.post(f"{url}/close", data={"reason": "unable_to_locate",
                        "note": "Three attempts, no answer.", "version": version_b})  # fmt: skip
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert_conflict_page(
        html, "Unable to locate", "Three attempts, no answer.",
        "Connected to care", "Attending IMT weekly.", "Dr. Maya Lin",
    )  # fmt: skip
    assert f'href="{url}"' in html

    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.closure_reason is ClosureReason.CONNECTED_TO_CARE
    assert stored.closure_note == "Attending IMT weekly."


def test_reopen_from_a_stale_page_is_refused(app, world) -> None:
    case, supervisor, clinician = world
    first, second = logged_in(app, supervisor), logged_in(app, clinician)
    url = f"/cases/{case.id}"
    first.post(f"{url}/close", data={"reason": "other", "note": "Moved.",
               "version": form_version(first.get(url).get_data(as_text=True))})  # fmt: skip
    stale_version = form_version(second.get(url).get_data(as_text=True))
    first.post(f"{url}/reopen", data={"note": "Back in the area.", "version": stale_version})
    response = second.post(f"{url}/reopen", data={"note": "Re-referred.", "version": stale_version})
    assert response.status_code == 409
    assert_conflict_page(response.get_data(as_text=True), "Re-referred.")
    db.session.expire_all()
    assert db.session.get(Case, case.id).status is CaseStatus.OPEN
    assert db.session.get(Case, case.id).reopened_at is not None


def test_two_supervisors_assigning_at_once_the_second_gets_409(app) -> None:
    team_a, *_ = make_staffed_team(name="Team North")
    team_b, *_ = make_staffed_team(name="Team South")
    case = make_case()
    one = make_user(Role.SUPERVISOR, full_name="Sgt. One")
    two = make_user(Role.SUPERVISOR, full_name="Sgt. Two")
    first, second = logged_in(app, one), logged_in(app, two)
    url = f"/cases/{case.id}/assign"
    version_a = form_version(first.get(url).get_data(as_text=True))
    version_b = form_version(second.get(url).get_data(as_text=True))
    assert first.post(url, data={"team_id": team_a.id, "version": version_a}).status_code == 302
    stale = second.post(url, data={"team_id": team_b.id, "version": version_b})
    assert stale.status_code == 409
    assert_conflict_page(stale.get_data(as_text=True), "Team South", "Team North", "Sgt. One")
    db.session.expire_all()
    assert db.session.get(Case, case.id).team_id == team_a.id


def test_a_contact_logged_meanwhile_does_not_make_the_close_form_stale(app, world) -> None:
    case, supervisor, clinician = world
    browser = logged_in(app, supervisor)
    url = f"/cases/{case.id}"
    version = form_version(browser.get(url).get_data(as_text=True))
    log_contact(
        db.session.get(Case, case.id), by=clinician, type=ContactType.PHONE,
        occurred_at=utcnow() - timedelta(minutes=5), outcome=ContactOutcome.ENGAGED,
        participants=[],
    )  # fmt: skip
    db.session.commit()
    response = browser.post(f"{url}/close", data={"reason": "declined_services",
                            "note": "Declined again.", "version": version})  # fmt: skip
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.status is CaseStatus.CLOSED and stored.last_contact_at is not None

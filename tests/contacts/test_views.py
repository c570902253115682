"""Contact screens over HTTP: who may use them, the one-screen form, addenda, and privacy."""

from __future__ import annotations

import html
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseStatus
from coresponse.clock import utcnow
from coresponse.contacts.models import (
    Addendum,
    Contact,
    ContactOutcome,
    ContactType,
    RiskFactor,
    RiskLevel,
)
from coresponse.extensions import db
from tests.contacts.conftest import Setting, log, mark_closed
from tests.factories import (
    local_input,
    make_case,
    make_staffed_team,
    make_user,
    minutes_ago_input,
)

CANARY_NOTE = "CANARY-CLINICAL-7f3a"
CANARY_ADDENDUM = "CANARY-ADDENDUM-91c2"
CANARY_FACTOR = RiskFactor.ACCESS_TO_MEANS  # its label must never reach an officer


def _form(**overrides: Any) -> dict[str, Any]:
    """What the contact form posts for a home visit half an hour ago (no clinical fields)."""
    data: dict[str, Any] = {
        "uuid": str(uuid.uuid4()),
        "type": ContactType.IN_PERSON_HOME.value,
        "occurred_at": local_input(utcnow() - timedelta(minutes=30)),
        "location": "12 Pennsylvania Ave, Brooklyn",
        "outcome": ContactOutcome.ENGAGED.value,
        "operational_note": "Talked at the door; calm.",
    }
    data.update(overrides)
    return data


def _contacts() -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


def _new(s: Setting) -> str:
    return f"/cases/{s.case.id}/contacts/new"


def _page(response) -> str:  # type: ignore[no-untyped-def]
    """The page as a person reads it (entities such as &#39; decoded)."""
    return html.unescape(response.get_data(as_text=True))


# Who may open the screens -------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, s: Setting) -> None:  # type: ignore[no-untyped-def]
    contact = log(s.case, s.officer)
    for url in (_new(s), f"/contacts/{contact.id}", f"/contacts/{contact.id}/addenda/new"):
        for method in ("GET", "POST"):
            response = client.open(url, method=method)
            if response.status_code == 405:
                continue
            assert response.status_code == 302, (method, url)
            assert response.location.startswith("/login"), (method, url)


def test_people_off_the_team_cannot_reach_its_contacts(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    contact = log(s.case, s.officer)
    _, other_officer, _, other_clinician = make_staffed_team()
    outsiders = [other_officer, other_clinician, make_user(Role.ANALYST), make_user(Role.ADMIN)]
    for user in outsiders:
        client = login(user)
        for url in (_new(s), f"/contacts/{contact.id}", f"/contacts/{contact.id}/addenda/new"):
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(_new(s), data=_form()).status_code == 404
        assert client.post(f"/contacts/{contact.id}/addenda/new", data={}).status_code == 404
        client.post("/logout")
    assert _contacts() == 1


def test_supervisors_read_contacts_and_add_addenda_but_do_not_log_them(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    contact = log(s.case, s.officer, operational_note="Seen on the stoop.")
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    assert client.get(_new(s)).status_code == 403
    assert client.post(_new(s), data=_form()).status_code == 403
    assert "Seen on the stoop." in _page(client.get(f"/contacts/{contact.id}"))
    assert client.get(f"/contacts/{contact.id}/addenda/new").status_code == 200
    assert _contacts() == 1


def test_missing_contacts_are_404(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    client = login(s.officer)
    assert client.get("/contacts/999999").status_code == 404
    assert client.get("/contacts/999999/addenda/new").status_code == 404
    assert client.get("/cases/999999/contacts/new").status_code == 404
    assert client.get("/contacts/99999999999999999999999").status_code == 404


def test_there_is_no_way_to_edit_a_saved_contact(app: Flask, login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    contact = log(s.case, s.officer)
    contact_rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("contacts.")]
    assert {r.endpoint for r in contact_rules} == {
        "contacts.new_contact",
        "contacts.detail",
        "contacts.new_addendum",
    }
    client = login(s.officer)
    assert client.get(f"/contacts/{contact.id}/edit").status_code == 404
    assert client.post(f"/contacts/{contact.id}").status_code == 405


# Logging a contact --------------------------------------------------------------


def test_officer_logs_a_contact_on_one_screen(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    address = s.person.current_address.one_line
    client = login(s.officer)
    page = _page(client.get(_new(s)))
    assert "Log a contact" in page and "Alex Rivera" in page
    assert "Operational note — visible to the whole team, including officers" in page
    assert "Clinical note" not in page and "Risk level" not in page
    assert CANARY_FACTOR.label not in page
    # Defaults: a home visit, engaged, now, the recorder present, the person's address.
    assert re.search(r'<input checked[^>]*value="in_person_home"', page)
    assert re.search(r'<input checked[^>]*value="engaged"', page)
    assert re.search(rf'<input checked[^>]*name="participants"[^>]*value="{s.officer.id}"', page)
    assert not re.search(rf'<input checked[^>]*value="{s.officer_b.id}"', page)
    assert 'type="datetime-local"' in page
    assert f'value="{address}"' in page
    assert "only for crisis transports" in page.lower()

    at = utcnow() - timedelta(minutes=45)
    response = client.post(
        _new(s),
        data=_form(occurred_at=local_input(at), participants=[s.officer.id, s.officer_b.id]),
    )
    contact = db.session.scalar(select(Contact))
    assert response.status_code == 302
    assert response.location == f"/contacts/{contact.id}"
    assert contact.occurred_at == at.replace(second=0, microsecond=0)
    page = _page(client.get(response.location))
    assert "Contact saved." in page and "Talked at the door; calm." in page
    assert "Officer Dana Kim, Officer Luis Ortega" in page
    assert f'href="/cases/{s.case.id}"' in page
    db.session.refresh(s.case)
    assert s.case.first_contact_at == contact.occurred_at
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.person_id == s.person.id)
    ).all()
    assert actions == [AuditAction.VIEW, AuditAction.CREATE, AuditAction.VIEW]


def test_clinician_logs_clinical_content_on_the_same_screen(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    client = login(s.clinician)
    page = _page(client.get(_new(s)))
    assert "Clinical note — clinicians only" in page and "Risk level" in page
    assert CANARY_FACTOR.label in page
    planned = utcnow() + timedelta(days=2)
    response = client.post(
        _new(s),
        data=_form(
            clinical_note="Hearing voices; agreed to clinic intake.",
            risk_level="high",
            risk_factors=["psychosis", "access_to_means"],
            next_contact_planned_at=local_input(planned),
        ),
    )
    assert response.status_code == 302
    contact = db.session.scalar(select(Contact))
    assert contact.risk_level is RiskLevel.HIGH
    page = _page(client.get(response.location))
    assert "Hearing voices; agreed to clinic intake." in page
    assert "Risk: High" in page and CANARY_FACTOR.label in page
    db.session.refresh(s.case)
    assert s.case.next_contact_planned_at == planned.replace(second=0, microsecond=0)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"occurred_at": ""}, "Enter when the contact happened."),
        ({"occurred_at": "yesterday"}, "Enter a date and time"),
        ({"occurred_at": "9999-12-31T23:59"}, "That date is too far off"),
        ({"type": "teleport"}, "Not a valid choice"),
        ({"outcome": ""}, "Choose how the contact went."),
        ({"location": "x" * 201}, "200 characters"),
        ({"participants": ["abc"]}, "could not be coerced"),
        ({"uuid": "not-a-uuid"}, "This form is damaged or out of date"),
    ],
)
def test_invalid_input_is_shown_again_with_a_message(  # type: ignore[no-untyped-def]
    login, s: Setting, overrides: dict[str, Any], message: str
) -> None:
    client = login(s.officer)
    response = client.post(_new(s), data=_form(**overrides))
    assert response.status_code == 422
    assert message in _page(response)
    assert _contacts() == 0


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"occurred_at": lambda: minutes_ago_input(-120)},
            "The contact time is in the future",
        ),
        (
            {"occurred_at": lambda: minutes_ago_input(30 * 24 * 60)},
            "before the referral was received",
        ),
        ({"type": "attempt", "outcome": "engaged"}, "has the outcome “Not found”"),
        ({"outcome": "crisis_transport_involuntary"}, "Say where the person was transported"),
        (
            {"next_contact_planned_at": lambda: minutes_ago_input(5 * 60)},
            "The next planned contact must be after this contact.",
        ),
    ],
)
def test_refused_contacts_are_shown_again_with_the_reason(  # type: ignore[no-untyped-def]
    login, s: Setting, overrides: dict[str, Any], message: str
) -> None:
    # Times are computed when the test runs (the run may be moved in time).
    fields = {name: value() if callable(value) else value for name, value in overrides.items()}
    client = login(s.officer)
    response = client.post(_new(s), data=_form(**fields))
    assert response.status_code == 422
    page = _page(response)
    assert message in page
    assert "Talked at the door; calm." in page  # what they typed is kept
    assert _contacts() == 0


def test_participants_must_be_on_the_team(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    _, stranger, _, _ = make_staffed_team()
    client = login(s.officer)
    response = client.post(_new(s), data=_form(participants=[stranger.id]))
    assert response.status_code == 422
    assert _contacts() == 0


def test_an_officer_posting_clinical_content_is_refused_and_nothing_is_saved(
    login, s: Setting
) -> None:  # type: ignore[no-untyped-def]
    client = login(s.officer)
    for clinical in (
        {"clinical_note": CANARY_NOTE},
        {"risk_level": "high"},
        {"risk_factors": [CANARY_FACTOR.value]},
    ):
        response = client.post(_new(s), data=_form(**clinical))
        assert response.status_code == 422
        page = _page(response)
        assert "recorded by the team's clinician" in page
        assert CANARY_NOTE not in page and CANARY_FACTOR.label not in page
    assert _contacts() == 0


def test_a_double_submitted_form_stores_one_contact(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    client = login(s.officer)
    data = _form()
    first = client.post(_new(s), data=data)
    second = client.post(_new(s), data=data)
    assert first.status_code == second.status_code == 302
    assert first.location == second.location
    assert _contacts() == 1
    assert "This contact was already saved." in _page(client.get(second.location))


def test_a_reused_form_with_other_details_is_a_conflict_with_a_fresh_form(
    login, s: Setting
) -> None:  # type: ignore[no-untyped-def]
    client = login(s.officer)
    data = _form()
    client.post(_new(s), data=data)
    response = client.post(_new(s), data={**data, "operational_note": "Something else."})
    assert response.status_code == 409
    page = _page(response)
    assert "A different contact was already saved from this form" in page
    assert f'value="{data["uuid"]}"' not in page
    assert _contacts() == 1


def test_no_contacts_on_a_closed_case(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    s.case.status = CaseStatus.CLOSED
    s.case.closed_at = utcnow()
    client = login(s.officer)
    response = client.get(_new(s))
    assert response.status_code == 409
    page = _page(response)
    assert "This case is closed; reopen it to log a contact." in page
    assert "Save contact" not in page
    assert client.post(_new(s), data=_form()).status_code == 409
    assert _contacts() == 0


def test_contact_pages_are_audited_with_the_category_shown(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    contact = log(s.case, s.clinician, clinical_note="Low mood.")
    db.session.commit()
    for user, category in (
        (s.officer, DataCategory.OPERATIONAL),
        (s.clinician, DataCategory.CLINICAL),
    ):
        client = login(user)
        client.get(f"/contacts/{contact.id}")
        event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert (event.action, event.user_id, event.category) == (
            AuditAction.VIEW,
            user.id,
            category,
        )
        assert event.person_id == s.person.id and event.record_id == str(contact.id)
        client.post("/logout")


# Addenda ------------------------------------------------------------------------


def test_an_addendum_is_shown_under_the_contact_with_who_and_why(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    """Why an addendum was added comes in two parts: the whole team reads the reason for
    the team; only clinical readers the clinical reason, which only they may write."""
    contact = log(s.case, s.officer, operational_note="Met at the corner store.")
    client = login(s.officer_b)
    page = _page(client.get(f"/contacts/{contact.id}/addenda/new"))
    assert "Met at the corner store." in page
    assert "Why are you adding this? — for the whole team" in page
    assert "Clinical addition" not in page and "— clinical" not in page
    response = client.post(
        f"/contacts/{contact.id}/addenda/new",
        data={"operational_reason": "Wrong store", "operational_text": "It was the laundromat."},
    )
    assert response.status_code == 302 and response.location == f"/contacts/{contact.id}"
    page = _page(client.get(response.location))
    assert "Addendum saved." in page
    assert "It was the laundromat." in page and "Wrong store" in page
    assert "Officer Dana Kim" in page
    assert "Met at the corner store." in page  # the original stays as it was
    client.post("/logout")
    clinician = login(s.clinician)
    page = _page(clinician.get(f"/contacts/{contact.id}/addenda/new"))
    assert "Why are you adding this? — clinical" in page
    response = clinician.post(
        f"/contacts/{contact.id}/addenda/new",
        data={"operational_reason": "Late entry", "reason": "CANARY-WHY-7", "clinical_text": "x"},
    )
    assert response.status_code == 302
    page = _page(clinician.get(f"/contacts/{contact.id}"))
    assert "Wrong store" in page and "It was the laundromat." in page
    assert "Late entry" in page and "CANARY-WHY-7" in page
    clinician.post("/logout")
    page = _page(login(s.officer).get(f"/contacts/{contact.id}"))
    assert "Late entry" in page and "CANARY-WHY-7" not in page


def test_addendum_refusals(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    contact = log(s.case, s.officer)
    client = login(s.officer)
    url = f"/contacts/{contact.id}/addenda/new"
    response = client.post(url, data={"operational_reason": "", "operational_text": "x"})
    assert response.status_code == 422
    assert "Say why you are adding to this contact" in _page(response)
    response = client.post(url, data={"operational_reason": "typo", "operational_text": "  "})
    assert response.status_code == 422
    assert "Write the correction or addition." in _page(response)
    # An officer's form has no clinical reason; one sent anyway is refused, not kept.
    response = client.post(
        url, data={"reason": CANARY_ADDENDUM, "operational_text": "x", "operational_reason": "r"}
    )
    assert response.status_code == 422
    assert "Clinical notes are written by clinicians" in _page(response)
    assert CANARY_ADDENDUM not in _page(response)
    response = client.post(
        url, data={"operational_reason": "typo", "clinical_text": CANARY_ADDENDUM}
    )
    assert response.status_code == 422
    page = _page(response)
    assert "Clinical additions are written by clinicians" in page
    assert CANARY_ADDENDUM not in page
    assert db.session.scalar(select(func.count()).select_from(Addendum)) == 0


# Privacy: the canary -----------------------------------------------------------


def test_clinical_content_never_reaches_an_officer(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    clinician = login(s.clinician)
    response = clinician.post(
        _new(s),
        data=_form(
            clinical_note=CANARY_NOTE,
            risk_level="high",
            risk_factors=[CANARY_FACTOR.value],
            participants=[s.officer.id],
        ),
    )
    contact_url = response.location
    response = clinician.post(
        f"{contact_url}/addenda/new",
        data={"reason": "Follow-up", "clinical_text": CANARY_ADDENDUM, "operational_text": "ok"},
    )
    assert response.status_code == 302
    page = _page(clinician.get(contact_url))
    assert CANARY_NOTE in page and CANARY_ADDENDUM in page and CANARY_FACTOR.label in page
    clinician.post("/logout")

    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    for user in (s.officer, s.officer_b, sergeant):
        client = login(user)
        responses = [
            client.get(contact_url),
            client.get(f"{contact_url}/addenda/new"),
            client.post(f"{contact_url}/addenda/new", data={"reason": ""}),
        ]
        if user.role is Role.OFFICER:
            responses += [client.get(_new(s)), client.post(_new(s), data=_form(type="x"))]
        for response in responses:
            page = _page(response)
            assert response.status_code in (200, 422), response.status_code
            assert "Addendum" in page or "Log a contact" in page
            for secret in (CANARY_NOTE, CANARY_ADDENDUM, CANARY_FACTOR.label, "Risk: High",
                           "Follow-up"):  # fmt: skip
                assert secret not in page, (user, secret)
        client.post("/logout")


def test_contacts_on_a_case_of_another_team_stay_hidden(login, s: Setting) -> None:  # type: ignore[no-untyped-def]
    other_team, other_officer, _, _ = make_staffed_team()
    mark_closed(s.case)  # a person has one open case at a time
    other = log(make_case(other_team, s.person), other_officer, operational_note="Elsewhere.")
    client = login(s.officer)
    assert client.get(f"/contacts/{other.id}").status_code == 404


@pytest.mark.parametrize("character", ["\x03", "\x0b", "\x7f", "\x82"])
def test_control_characters_are_shown_on_their_field_and_nothing_is_saved(  # type: ignore[no-untyped-def]
    login, s: Setting, character: str
) -> None:
    client = login(s.officer)
    form = _form(location=f"Lobby{character}", operational_note="Talked at the door;\r\n\tcalm.")
    response = client.post(_new(s), data=form)
    assert response.status_code == 422
    page = _page(response)
    assert f"Place holds an invisible control character (U+{ord(character):04X})" in page
    # On the Place field only: beside it, and in the summary above the form (its link).
    assert page.count("control character") == 2
    assert '<a href="#location">Place holds an invisible control character' in page
    assert _contacts() == 0
    # Tabs and line breaks are ordinary text.
    assert client.post(_new(s), data={**form, "location": "Lobby\t2"}).status_code == 302
    assert _contacts() == 1

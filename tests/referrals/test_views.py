"""Intake and triage over HTTP."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import Case
from coresponse.clock import utcnow
from coresponse.extensions import db
from coresponse.people.models import Person, PersonAddress, PersonPhone
from coresponse.referrals.models import Referral, ReferralSource, ReferralStatus, RiskIndicator
from coresponse.referrals.services import ReferralDetails, create_referral
from tests.factories import (
    add_alias,
    current_contact_details,
    make_case,
    make_person,
    make_referral,
    make_staffed_team,
    make_team,
    make_user,
)

CANARY = "CANARY-REASON-5d1e"
# What intake answers for any person id it did not offer, on record or not.
NOT_OFFERED = "Choose one of the people shown, or a new person."
# A page's CSRF token (meta and hidden inputs): signed with the second it was made.
CSRF_TOKEN = re.compile(r'(name="csrf[-_]token"[^>]*?(?:content|value)=")[^"]*')
INTAKE = {
    "source": "nypd_precinct",
    "source_detail": "75th Precinct",
    "received_at": "2026-11-20T09:30",
    "referrer_name": "Sgt. Daniels",
    "reason": f"Threatening neighbours; stopped medication. {CANARY}",
    "risk_indicators": ["weapons_access", "harm_to_self"],
    "first_name": "Maria",
    "last_name": "Lopez",
    "date_of_birth": "1979-05-04",
    "languages": "Spanish, English",
    "phone": "718-555-0199",
    "line1": "500 Sutter Ave",
    "postal_code": "11207",
    "precinct": "75",
}


def count(model) -> int:  # type: ignore[no-untyped-def]
    return db.session.scalar(select(func.count()).select_from(model))


def test_only_supervisors_and_clinicians_take_referrals(login) -> None:  # type: ignore[no-untyped-def]
    for role in (Role.OFFICER, Role.ANALYST, Role.ADMIN):
        client = login(make_user(role))
        assert client.get("/referrals/new").status_code == 403
        assert client.post("/referrals/new", data=INTAKE).status_code == 403
        client.post("/logout")
    assert count(Referral) == 0


def test_intake_of_a_new_person_saves_at_once(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    response = client.post("/referrals/new", data=INTAKE)
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral).options(selectinload(Referral.risk_indicators)))
    assert response.location == f"/referrals/{referral.id}"
    person = db.session.get(Person, referral.person_id)
    assert (person.first_name, person.date_of_birth) == ("Maria", date(1979, 5, 4))
    assert set(referral.indicators) == {RiskIndicator.WEAPONS_ACCESS, RiskIndicator.HARM_TO_SELF}
    # 09:30 in New York in November is 14:30 UTC.
    assert referral.received_at.hour == 14


def test_intake_shows_possible_duplicates_before_saving(login) -> None:  # type: ignore[no-untyped-def]
    known = make_person(first_name="Maria", last_name="Lopes", date_of_birth=date(1979, 5, 4))
    client = login(make_user(Role.CLINICIAN))
    response = client.post("/referrals/new", data=INTAKE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Is this someone already on record?" in page and "Maria Lopes" in page
    assert "same date of birth" in page
    assert count(Referral) == 0 and count(Person) == 1
    # The user links the referral to the person on record.
    response = client.post("/referrals/new", data={**INTAKE, "person_choice": str(known.id)})
    assert response.status_code == 302 and response.location == "/"  # clinicians go home
    referral = db.session.scalar(select(Referral))
    assert referral.person_id == known.id and count(Person) == 1
    phones = db.session.scalars(select(PersonPhone.digits).where(PersonPhone.person_id == known.id))
    assert "7185550199" in phones.all()  # the new referral's phone was added


def test_intake_matches_as_search_does_and_says_why(login) -> None:  # type: ignore[no-untyped-def]
    """The duplicate check is people search's matcher: a nickname, a name written with a
    hyphen, a misspelling, the phone's number and the address are found, and said."""
    make_person(first_name="Reginald", last_name="Simmons")
    make_person(first_name="Khaled", last_name="El-Sayed", address={"line1": "500 Sutter Avenue"})
    client = login(make_user(Role.SUPERVISOR))
    page = client.post(
        "/referrals/new", data={**INTAKE, "first_name": "Reggie", "last_name": "Simmons"}
    ).get_data(as_text=True)
    assert "Reginald Simmons" in page and "nickname of Reginald" in page
    page = client.post(
        "/referrals/new", data={**INTAKE, "first_name": "Kaled", "last_name": "El Sayed"}
    ).get_data(as_text=True)
    assert "Khaled El-Sayed" in page and "similar spelling" in page and "same address" in page
    assert count(Referral) == 0  # nothing is saved until the user chooses


def test_intake_can_confirm_a_new_person_despite_matches(login) -> None:  # type: ignore[no-untyped-def]
    make_person(first_name="Maria", last_name="Lopez")
    client = login(make_user(Role.SUPERVISOR))
    response = client.post("/referrals/new", data={**INTAKE, "person_choice": "new"})
    assert response.status_code == 302
    assert count(Person) == 2


def test_intake_errors_are_shown_and_nothing_is_saved(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    bad = {**INTAKE, "received_at": "2099-01-01T10:00", "date_of_birth": "not a date", "reason": ""}
    response = client.post("/referrals/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot be in the future" in page and "Not a valid date value." in page
    assert "This field is required." in page
    response = client.post("/referrals/new", data={**INTAKE, "postal_code": "123"})
    assert response.status_code == 422 and "ZIP code must be 5 digits." in response.get_data(
        as_text=True
    )
    response = client.post("/referrals/new", data={**INTAKE, "person_choice": "999999"})
    assert response.status_code == 422 and NOT_OFFERED in response.get_data(as_text=True)
    assert count(Referral) == 0 and count(Person) == 0


def _on_another_team(**overrides: object) -> Person:
    """A person with a case of another team, an alias in use and a retired one."""
    person = make_person(**overrides)
    add_alias(person, "Lulu Cruz")
    add_alias(person, "Old Nickname", retired_at=utcnow())
    make_case(make_team(), person)
    return person


def _without_csrf(response) -> str:  # type: ignore[no-untyped-def]
    return CSRF_TOKEN.sub(r"\1", response.get_data(as_text=True))


def test_intake_refuses_another_teams_person_it_did_not_offer_like_an_unknown_id(login) -> None:  # type: ignore[no-untyped-def]
    clinician = make_staffed_team()[3]
    theirs = _on_another_team(first_name="Jerome", last_name="Baptiste")
    before, referrals = current_contact_details(theirs.id), count(Referral)
    client = login(clinician)
    refused = client.post("/referrals/new", data={**INTAKE, "person_choice": str(theirs.id)})
    assert refused.status_code == 422
    assert NOT_OFFERED in refused.get_data(as_text=True)
    assert count(Referral) == referrals
    db.session.expire_all()
    assert current_contact_details(theirs.id) == before  # address and phone untouched
    # An id on record and an id that is not get the same answer: ids cannot be probed.
    unknown = client.post("/referrals/new", data={**INTAKE, "person_choice": str(theirs.id + 1000)})
    assert unknown.status_code == 422
    # (The CSRF token in each page is signed with the second it was made: set it aside.)
    assert _without_csrf(unknown) == _without_csrf(refused)
    assert count(Referral) == referrals and count(Person) == 1


def test_the_duplicate_check_shows_another_teams_person_in_brief_and_is_audited(login) -> None:  # type: ignore[no-untyped-def]
    clinician = make_staffed_team()[3]
    theirs = _on_another_team(
        first_name="Maria", last_name="Lopez", date_of_birth=date(1979, 5, 4),
        address={"line1": "88 Linden Blvd", "postal_code": "11226"},
    )  # fmt: skip
    client = login(clinician)
    page = client.post("/referrals/new", data=INTAKE).get_data(as_text=True)
    assert "Is this someone already on record?" in page
    assert "Maria Lopez" in page and "born 1979" in page and "Brooklyn" in page
    for detail in ("4 May 1979", "88 Linden Blvd", "Lulu Cruz", "Old Nickname"):
        assert detail not in page
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == AuditAction.SEARCH)
    ).all()
    assert len(events) == 1 and events[0].user_id == clinician.id
    assert f"#{theirs.id}" in (events[0].detail or "")
    assert count(Referral) == 1  # the other team's, nothing new


def test_linking_another_teams_match_keeps_their_current_address_and_phone(login) -> None:  # type: ignore[no-untyped-def]
    clinician = make_staffed_team()[3]
    theirs = _on_another_team(
        first_name="Maria", last_name="Lopez", date_of_birth=date(1979, 5, 4),
        address={"line1": "88 Linden Blvd", "postal_code": "11226"},
    )  # fmt: skip
    before = current_contact_details(theirs.id)
    client = login(clinician)
    response = client.post("/referrals/new", data={**INTAKE, "person_choice": str(theirs.id)})
    assert response.status_code == 302
    referral = db.session.scalar(select(Referral).order_by(Referral.id.desc()).limit(1))
    assert referral.person_id == theirs.id and count(Person) == 1
    assert referral.created_by_id == clinician.id
    db.session.expire_all()
    assert current_contact_details(theirs.id) == before == (["88 Linden Blvd"], before[1])
    # What the referral brought is kept on record, not made current.
    kept = db.session.scalars(
        select(PersonAddress.line1).where(
            PersonAddress.person_id == theirs.id, PersonAddress.current.is_(False)
        )
    ).all()
    assert kept == ["500 Sutter Ave"]
    # The person's card shows what is kept, apart from the current details, to try later.
    client.post("/logout")
    supervisor = login(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    page = supervisor.get(f"/people/{theirs.id}").get_data(as_text=True)
    card, also = page.split("Also on record", 1)
    assert "88 Linden Blvd" in card and "500 Sutter Ave" not in card
    assert "500 Sutter Ave" in also and "from a referral, not confirmed" in also


def test_the_duplicate_check_shows_the_users_own_teams_person_in_full(login) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    ours = make_person(
        first_name="Maria", last_name="Lopez", date_of_birth=date(1979, 5, 4),
        address={"line1": "88 Linden Blvd", "postal_code": "11226"},
    )  # fmt: skip
    add_alias(ours, "Lulu Cruz")
    make_case(team, ours)
    client = login(clinician)
    page = client.post("/referrals/new", data=INTAKE).get_data(as_text=True)
    assert "4 May 1979" in page and "88 Linden Blvd" in page and "Lulu Cruz" in page
    assert "shown in brief" not in page
    # Linking the team's own person makes the referral's address and phone current.
    response = client.post("/referrals/new", data={**INTAKE, "person_choice": str(ours.id)})
    assert response.status_code == 302
    db.session.expire_all()
    lines, phones = current_contact_details(ours.id)
    assert lines == ["500 Sutter Ave"] and "7185550199" in phones


def test_triage_accept_goes_to_dispatch(login) -> None:  # type: ignore[no-untyped-def]
    referral = make_referral()
    client = login(make_user(Role.SUPERVISOR))
    assert client.get(f"/referrals/{referral.id}").status_code == 200
    response = client.post(f"/referrals/{referral.id}/accept", data={"note": "Eligible"})
    case = db.session.scalar(select(Case))
    assert response.status_code == 302 and response.location == f"/cases/{case.id}/assign"
    response = client.post(f"/referrals/{referral.id}/accept", data={})
    assert response.status_code == 422
    assert "already accepted" in response.get_data(as_text=True)
    assert count(Case) == 1


def test_triage_decline_and_information_requests(login) -> None:  # type: ignore[no-untyped-def]
    person = make_person()
    first, second = make_referral(person), make_referral(person)
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    response = client.post(f"/referrals/{second.id}/decline", data={"reason": "referred_elsewhere"})
    assert response.status_code == 422
    assert "Name the service the person was referred to." in response.get_data(as_text=True)
    response = client.post(
        f"/referrals/{second.id}/decline",
        data={"reason": "duplicate", "duplicate_of_id": str(first.id)},
    )
    assert response.status_code == 302
    response = client.post(f"/referrals/{first.id}/request-info", data={"operational_note": ""})
    assert response.status_code == 422
    assert "Say what information is needed." in response.get_data(as_text=True)
    # The sergeant's form has the team's note only; a clinical note sent anyway is refused.
    page = client.get(f"/referrals/{first.id}").get_data(as_text=True)
    assert "What is needed — for the whole team" in page and "— clinical" not in page
    response = client.post(f"/referrals/{first.id}/request-info", data={"note": "CANARY-TRIAGE"})
    assert response.status_code == 422
    assert "Clinical notes are written by clinicians" in response.get_data(as_text=True)
    response = client.post(
        f"/referrals/{first.id}/request-info", data={"operational_note": "Need an address"}
    )
    assert response.status_code == 302
    page = client.get(f"/referrals/{first.id}").get_data(as_text=True)
    assert "More information requested" in page and "Need an address" in page
    client.post("/logout")
    clinical = login(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    response = clinical.post(
        f"/referrals/{first.id}/info-received",
        data={"operational_note": "At the shelter", "note": "CANARY-TRIAGE"},
    )
    assert response.status_code == 302
    page = clinical.get(f"/referrals/{first.id}").get_data(as_text=True)
    assert "Need an address" in page and "At the shelter" in page and "CANARY-TRIAGE" in page
    clinical.post("/logout")
    # Triage notes in two parts: the sergeant reads the team's part, never the clinical one.
    page = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)).get(
        f"/referrals/{first.id}"
    )
    html = page.get_data(as_text=True)
    assert "At the shelter" in html and "CANARY-TRIAGE" not in html
    db.session.expire_all()
    assert db.session.get(Referral, first.id).status is ReferralStatus.RECEIVED
    assert db.session.get(Referral, second.id).status is ReferralStatus.DECLINED
    # A duplicate must point at one of the same person's referrals.
    other = make_referral()
    response = client.post(
        f"/referrals/{first.id}/decline",
        data={"reason": "duplicate", "duplicate_of_id": str(other.id)},
    )
    assert response.status_code == 422


def test_referral_pages_are_for_supervisors_and_clinical_text_for_clinical_readers(login) -> None:  # type: ignore[no-untyped-def]
    referral = create_referral(
        make_person(),
        ReferralDetails(
            source=ReferralSource.DOHMH,
            received_at=utcnow(),
            reason=f"Psychosis, substance use. {CANARY}",
            risk_indicators=[RiskIndicator.SUBSTANCE_USE, RiskIndicator.PRIOR_VIOLENCE],
        ),
        by=None,
    )
    for role in (Role.OFFICER, Role.CLINICIAN, Role.ANALYST, Role.ADMIN):
        client = login(make_user(role))
        assert client.get(f"/referrals/{referral.id}").status_code == 403
        client.post("/logout")
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert CANARY not in page and "Substance use" not in page and "Prior violence" in page
    client.post("/logout")
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    page = client.get(f"/referrals/{referral.id}").get_data(as_text=True)
    assert CANARY in page and "Substance use" in page
    assert client.get("/referrals/999999").status_code == 404

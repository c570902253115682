"""The whole path through the web forms, as a supervisor, an officer and a clinician use it."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import Case, CaseEvent, CaseStatus
from coresponse.clock import program_today, utcnow
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageStatus
from coresponse.referrals.models import Referral, ReferralEvent
from tests.factories import (
    PASSWORD,
    make_person,
    make_staffed_team,
    make_team,
    make_user,
    minutes_ago_input,
)


def hidden(page: str, name: str) -> str:
    match = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'value="([^"]*)"[^>]*name="{name}"', page
    )
    assert match, f"no hidden field {name}"
    return match.group(1)


def test_referral_to_verified_connection_closure_and_reopening(app: Flask) -> None:
    known = make_person(first_name="Maria", last_name="Lopes", date_of_birth=date(1979, 5, 4))
    team, officer, _, clinician = make_staffed_team(name="Brooklyn North", precincts=("75",))
    make_staffed_team(
        name="Queens South", precincts=("105",), base_latitude=40.71, base_longitude=-73.74
    )
    make_team(name="Forming", precincts=("75",))
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="clinsup")
    db.session.commit()
    client = app.test_client()

    def login(user) -> None:  # type: ignore[no-untyped-def]
        client.post("/logout")
        assert (
            client.post(
                "/login", data={"username": user.username, "password": PASSWORD}
            ).status_code
            == 302
        )

    # Intake, with the duplicate found and linked.
    login(supervisor)
    intake = {
        "source": "hospital", "source_detail": "Kings County Hospital ED", "received_at": minutes_ago_input(300),
        "referrer_name": "Dr. Osei", "reason": "Discharged after an overdose; missed follow-up.",
        "risk_indicators": ["harm_to_self", "substance_use"], "first_name": "Maria",
        "last_name": "Lopez", "date_of_birth": "1979-05-04", "languages": "Spanish",
        "line1": "500 Sutter Ave", "postal_code": "11207", "precinct": "75",
    }  # fmt: skip
    page = client.post("/referrals/new", data=intake).get_data(as_text=True)
    assert "Is this someone already on record?" in page and "Maria Lopes" in page
    response = client.post("/referrals/new", data={**intake, "person_choice": str(known.id)})
    referral = db.session.scalar(select(Referral))
    assert response.location == f"/referrals/{referral.id}" and referral.person_id == known.id

    # Triage, then assignment from the ranked list.
    response = client.post(f"/referrals/{referral.id}/accept", data={"note": "Meets criteria"})
    case = db.session.scalar(select(Case))
    assert response.location == f"/cases/{case.id}/assign"
    page = client.get(response.location).get_data(as_text=True)
    assert page.index("1. Brooklyn North") < page.index("Queens South") < page.index("Forming")
    response = client.post(f"/cases/{case.id}/assign", data={"team_id": str(team.id)})
    assert response.location == f"/cases/{case.id}"
    # Hours pass before the team goes out (the contacts below happen after triage).
    for model in (CaseEvent, ReferralEvent):
        recent = select(model).where(model.at > utcnow() - timedelta(minutes=5))
        for event in db.session.scalars(recent):
            event.at -= timedelta(hours=3)
    db.session.commit()

    # The officer logs an attempt.
    login(officer)
    form = client.get(f"/cases/{case.id}/contacts/new").get_data(as_text=True)
    assert "Clinical note" not in form
    response = client.post(f"/cases/{case.id}/contacts/new", data={
        "uuid": hidden(form, "uuid"), "type": "attempt", "occurred_at": minutes_ago_input(60),
        "outcome": "not_found", "participants": [str(officer.id)], "location": "500 Sutter Ave",
        "operational_note": "No answer at the door; left a card with the super.",
    })  # fmt: skip
    assert response.status_code == 302

    # The clinician logs an engaged contact, then an addendum.
    login(clinician)
    form = client.get(f"/cases/{case.id}/contacts/new").get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/contacts/new", data={
        "uuid": hidden(form, "uuid"), "type": "in_person_home", "occurred_at": minutes_ago_input(30),
        "outcome": "engaged", "participants": [str(clinician.id), str(officer.id)],
        "operational_note": "Spoke in the lobby; calm.", "clinical_note": "Agreed to clinic intake.",
        "risk_level": "moderate",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    engaged = db.session.scalar(select(Contact).where(Contact.outcome == "engaged"))
    response = client.post(f"/contacts/{engaged.id}/addenda/new", data={
        "reason": "Added who else was present", "operational_text": "Her sister was there too.",
    })  # fmt: skip
    assert response.status_code == 302

    # A connection to treatment, verified.
    response = client.post(f"/cases/{case.id}/linkages/new", data={
        "kind": "outpatient_clinic", "target_name": "Bushwick Outpatient Clinic", "note": "Walk-in hours",
    })  # fmt: skip
    assert response.status_code == 302, response.get_data(as_text=True)
    linkage = db.session.scalar(select(Linkage))
    for step, fields in (
        ("referred", {"referred-note": "Faxed referral"}),
        ("appointment_scheduled", {"appointment_scheduled-appointment_at": minutes_ago_input(-60 * 24)}),
        ("connected", {"connected-verified_on": program_today().isoformat(),
                       "connected-verification_method": "provider_confirmed",
                       "connected-verified_by": "Intake coordinator at the clinic"}),
    ):  # fmt: skip
        response = client.post(f"/linkages/{linkage.id}/status", data={"to_status": step, **fields})
        assert response.status_code == 302, (step, response.get_data(as_text=True))
    db.session.expire_all()
    assert db.session.get(Linkage, linkage.id).status is LinkageStatus.CONNECTED

    # Closure, then reopening.
    response = client.post(
        f"/cases/{case.id}/close", data={"reason": "connected_to_care", "note": "Attending clinic"}
    )
    assert response.status_code == 302
    response = client.post(f"/cases/{case.id}/reopen", data={"note": "Missed two appointments"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status is CaseStatus.OPEN

    # The timeline shows all of it, newest first.
    page = client.get(f"/people/{known.id}").get_data(as_text=True)
    expected_order = [
        "reopened", f"Case #{case.id} closed", "Connection connected", "Connection appointment scheduled",
        "Connection referred", "Connection identified", "Added who else was present",
        "Agreed to clinic intake.", "No answer at the door", "assigned to a team",
        "Referral accepted", "Referral received",
    ]  # fmt: skip
    positions = [page.find(text) for text in expected_order]
    assert -1 not in positions, dict(zip(expected_order, positions, strict=True))
    assert positions == sorted(positions), dict(zip(expected_order, positions, strict=True))
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2

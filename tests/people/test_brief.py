"""Before you go: the open case at a glance at the top of the person's page, with the
clinical part for clinical readers only."""

from __future__ import annotations

import re
from datetime import timedelta

from coresponse.auth.models import Role
from coresponse.cases.models import CaseStatus
from coresponse.clock import utcnow
from coresponse.contacts import services as contact_services
from coresponse.contacts.models import ContactOutcome, ContactType, RiskLevel
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind, LinkageStatus
from coresponse.linkages.services import change_linkage_status, create_linkage
from coresponse.referrals.models import ReferralRiskIndicator, RiskIndicator
from tests.factories import make_case, make_person, make_staffed_team, make_user


def _brief(page: str) -> str:
    match = re.search(r'<section class="panel brief".*?</section>', page, re.S)
    assert match, "no brief on the page"
    return match.group(0)


def _part(brief: str, name: str) -> str:
    match = re.search(rf'<dd data-brief="{name}">(.*?)</dd>', brief, re.S)
    assert match, f"no {name} in the brief"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def build_brief_world():  # type: ignore[no-untyped-def]
    """A person with an open case, two contacts, a risk rating, connections."""
    team, officer, _other, clinician = make_staffed_team()
    person = make_person(first_name="Maribel", last_name="Colon")
    person.current_address.whereabouts_note = "Often at the bodega on the corner after 6 pm."
    now = utcnow()
    case = make_case(team, person, referred_at=now - timedelta(days=10))
    for flag in (RiskIndicator.WEAPONS_ACCESS, RiskIndicator.HARM_TO_SELF):
        db.session.add(ReferralRiskIndicator(referral_id=case.referral_id, indicator=flag))
    contact_services.log_contact(
        case, by=clinician, type=ContactType.PHONE, outcome=ContactOutcome.ENGAGED,
        occurred_at=now - timedelta(days=3), participants=[clinician],
        risk_level=RiskLevel.HIGH, clinical_note="BRIEF-CANARY-clinical",
    )  # fmt: skip
    contact_services.log_contact(
        case, by=officer, type=ContactType.IN_PERSON_HOME, outcome=ContactOutcome.NOT_FOUND,
        occurred_at=now - timedelta(days=1), participants=[officer],
        next_contact_planned_at=now + timedelta(hours=5),
    )  # fmt: skip
    clinic = create_linkage(case, by=clinician, kind=LinkageKind.OUTPATIENT_CLINIC,
                            target_name="Clinic")  # fmt: skip
    change_linkage_status(clinic, by=clinician, to_status=LinkageStatus.REFERRED, note="Faxed")
    done = create_linkage(case, by=clinician, kind=LinkageKind.HOUSING, target_name="Shelter")
    change_linkage_status(
        done, by=clinician, to_status=LinkageStatus.NOT_CONNECTED, not_connected_reason="Declined"
    )
    db.session.commit()
    return person, case, officer, clinician


def test_clinician_sees_last_contact_next_step_risk_and_connections(login) -> None:  # type: ignore[no-untyped-def]
    person, case, officer, clinician = build_brief_world()
    # Another case of the team, with a later contact logged by someone else.
    other = make_case(case.team, referred_at=utcnow() - timedelta(days=2))
    contact_services.log_contact(
        other, by=clinician, type=ContactType.PHONE, outcome=ContactOutcome.ENGAGED,
        occurred_at=utcnow() - timedelta(minutes=5), participants=[clinician],
    )  # fmt: skip
    db.session.commit()
    brief = _brief(login(clinician).get(f"/people/{person.id}").get_data(as_text=True))

    last = _part(brief, "last-contact")
    assert "In person, at home · Not found" in last
    assert f"({officer.full_name})" in last  # who logged this case's last contact
    assert "(due in 4 h)" in _part(brief, "next-contact")
    assert _part(brief, "risk").startswith("High rated")
    # Only the connection still in progress, not the one that ended.
    connections = _part(brief, "connections")
    assert "Outpatient" in connections and "referred" in connections
    assert "Housing" not in connections
    assert f"/cases/{case.id}/contacts/new" in brief  # Log contact


def test_officer_gets_the_operational_brief_only(login) -> None:  # type: ignore[no-untyped-def]
    person, _case, officer, _clinician = build_brief_world()
    page = login(officer).get(f"/people/{person.id}").get_data(as_text=True)
    brief = _brief(page)

    assert "Not found" in _part(brief, "last-contact")
    assert 'data-brief="risk"' not in brief and 'data-brief="connections"' not in brief
    assert "Latest risk" not in page and "BRIEF-CANARY" not in page


def test_no_brief_without_an_open_case_and_first_contact_due_when_none_yet(login) -> None:  # type: ignore[no-untyped-def]
    team, _officer, _other, clinician = make_staffed_team()
    closed = make_case(team, status=CaseStatus.CLOSED, closed_at=utcnow())
    waiting = make_case(team, first_contact_due_at=utcnow() + timedelta(hours=2, minutes=30))
    db.session.commit()
    client = login(clinician)

    assert 'class="panel brief"' not in client.get(f"/people/{closed.person_id}").get_data(
        as_text=True
    )
    brief = _brief(client.get(f"/people/{waiting.person_id}").get_data(as_text=True))
    assert _part(brief, "last-contact") == "None yet · First contact due in 2 h"


def test_a_supervisor_sees_the_brief_without_a_log_button(login) -> None:  # type: ignore[no-untyped-def]
    person, case, _officer, _clinician = build_brief_world()
    brief = _brief(
        login(make_user(Role.SUPERVISOR)).get(f"/people/{person.id}").get_data(as_text=True)
    )
    assert f"#{case.id}" in brief and "/contacts/new" not in brief

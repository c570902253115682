"""Officers and police supervisors never receive clinical content, on any page.

Clinical content with unique canary strings is put everywhere it can live; then every
GET endpoint in the URL map is fetched with real ids, and no canary may appear.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import ClosureReason
from coresponse.cases.services import close_case, reopen_case
from coresponse.clock import program_today, utcnow
from coresponse.consent.models import (
    BreakGlassReason,
    ConsentMethod,
    DisclosureBasis,
    RecipientKind,
    ShareScope,
)
from coresponse.consent.services import (
    Recipient,
    break_glass,
    record_consent,
    record_disclosure,
    revoke_consent,
)
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.contacts.services import add_addendum, log_contact
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind, LinkageStatus, VerificationMethod
from coresponse.linkages.services import change_linkage_status, create_linkage
from coresponse.people.models import Person
from coresponse.people.services import merge_people
from coresponse.privacy.classification import REGISTER, is_clinical
from coresponse.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralRiskIndicator,
    ReferralStatus,
    RiskIndicator,
)
from coresponse.referrals.services import decline_referral
from tests.conftest import count_statements
from tests.factories import make_case, make_person, make_referral, make_staffed_team, make_user
from tests.linkages.helpers import make_provider

CANARIES = {
    "reason": "CANARY-REFERRAL-REASON-a1",
    "clinical_note": "CANARY-CLINICAL-NOTE-b2",
    "addendum": "CANARY-ADDENDUM-CLINICAL-c3",
    "linkage": "CANARY-LINKAGE-NOTE-d4",
    "provider": "CANARY-SUBSTANCE-PROGRAM-e5",
    # Free text written in clinical work (the classification register says clinical).
    "triage_note": "CANARY-TRIAGE-NOTE-f6",
    "closing_note": "CANARY-CLOSING-NOTE-g7",
    "reopening_note": "CANARY-REOPENING-NOTE-h8",
    "addendum_reason": "CANARY-ADDENDUM-REASON-i9",
    "other_closing_note": "CANARY-OTHER-CLOSING-NOTE-j10",
    "referred_to_service": "CANARY-REFERRED-TO-SERVICE-o15",
    "linkage_target": "CANARY-LINKAGE-TARGET-p16",
    "verified_by": "CANARY-VERIFIED-BY-q17",
    "not_connected": "CANARY-NOT-CONNECTED-r18",
    "step_note": "CANARY-STEP-NOTE-s19",
    "consent_recipient": "CANARY-CONSENT-RECIPIENT-t20",
    "consent_detail": "CANARY-CONSENT-DETAIL-u21",
    "consent_purpose": "CANARY-CONSENT-PURPOSE-v22",
    "witness": "CANARY-WITNESS-w23",
    "revocation": "CANARY-REVOCATION-x24",
    "disclosure_recipient": "CANARY-DISCLOSURE-RECIPIENT-y25",
    "disclosure_detail": "CANARY-DISCLOSURE-DETAIL-z26",
    "disclosure_description": "CANARY-DISCLOSURE-DESCRIPTION-a27",
    "disclosure_purpose": "CANARY-DISCLOSURE-PURPOSE-b28",
    "emergency": "CANARY-EMERGENCY-JUSTIFICATION-c29",
    "break_glass_reason": "CANARY-BREAK-GLASS-REASON-d30",
}
# Where each clinical column of the register gets its canary: a string above, or, for a
# coded column, a label only it shows (CLINICAL_LABELS) or a reason it needs none.
# tests/test_classification-style: a clinical column missing here fails the test below.
PLANTED = {
    "referral.reason": "reason",
    "referral.referred_to_service": "referred_to_service",
    "referral.triage_note": "triage_note",
    "referral_event.note": "triage_note",
    "case.closure_note": "closing_note",
    "case_event.note": "reopening_note",
    "contact.clinical_note": "clinical_note",
    "addendum.reason": "addendum_reason",
    "addendum.clinical_text": "addendum",
    "linkage.target_name": "linkage_target",
    "linkage.verified_by": "verified_by",
    "linkage.not_connected_reason": "not_connected",
    "linkage.note": "linkage",
    "linkage_status_change.note": "step_note",
    "consent.recipient_name": "consent_recipient",
    "consent.recipient_detail": "consent_detail",
    "consent.purpose": "consent_purpose",
    "consent.witness_name": "witness",
    "consent.revocation_note": "revocation",
    "disclosure.recipient_name": "disclosure_recipient",
    "disclosure.recipient_detail": "disclosure_detail",
    "disclosure.description": "disclosure_description",
    "disclosure.purpose": "disclosure_purpose",
    "disclosure.emergency_justification": "emergency",
    "break_glass_access.reason": "break_glass_reason",
}
LABELLED = {
    "contact.risk_level": "Risk: High",
    "contact_risk_factor.factor": "Suicidal ideation",
    "referral_risk_indicator.indicator": "Substance use",
    "linkage.kind": "Substance-use program",
}
# Coded columns whose values are common words ("Active", "Referred", "Verbal"): no label
# can be a canary. Police never even select them (test_police_requests_never_select_a_
# clinical_column); the pages that show them are the consent, disclosure, connection and
# break-glass pages, which tests/test_authorization_matrix.py closes to every
# non-clinical role.
CODED_WITHOUT_CANARY = {
    "linkage.status", "linkage.verification_method", "linkage_status_change.from_status",
    "linkage_status_change.to_status", "consent.recipient_kind", "consent.method",
    "consent_scope.scope", "disclosure.recipient_kind", "disclosure.basis",
    "disclosure_scope.scope", "break_glass_access.reason_code", "break_glass_access.verdict",
    # Free text no page shows yet (the review's note is kept with the access, for the
    # record): nothing to find; police never select it.
    "break_glass_access.acknowledgement_note",
}  # fmt: skip
# The parts of the same notes written for the whole team: police must see them.
TEAM_PARTS = {
    "triage_note": "TEAM-TRIAGE-NOTE-k11",
    "closing_note": "TEAM-CLOSING-NOTE-l12",
    "reopening_note": "TEAM-REOPENING-NOTE-m13",
    "addendum_reason": "TEAM-ADDENDUM-REASON-n14",
}
# Labels only clinical readers should ever see (a closure reason that tells of care too).
CLINICAL_LABELS = (
    "Substance use",
    "Suicidal ideation",
    "Substance-use program",
    "Connected to care",
    "Risk: High",
)


OPTIONS = re.compile(r"<option[^>]*>[^<]*</option>")


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    case = make_case(team)
    referral = db.session.get(Referral, case.referral_id)
    referral.reason = f"Referred after overdose. {CANARIES['reason']}"
    db.session.add_all(
        ReferralRiskIndicator(referral_id=referral.id, indicator=indicator)
        for indicator in (RiskIndicator.SUBSTANCE_USE, RiskIndicator.WEAPONS_ACCESS)
    )
    db.session.flush()

    contact = log_contact(
        case, by=clinician, type=ContactType.IN_PERSON_HOME,
        occurred_at=utcnow() - timedelta(hours=1), outcome=ContactOutcome.ENGAGED,
        participants=[clinician, officer], operational_note="Met in the lobby.",
        clinical_note=f"Using daily. {CANARIES['clinical_note']}", risk_level=RiskLevel.HIGH,
        risk_factors=[RiskFactor.SUICIDAL_IDEATION],
    )  # fmt: skip
    add_addendum(
        contact, by=clinician, reason=f"Stopped his medication. {CANARIES['addendum_reason']}",
        operational_reason=TEAM_PARTS["addendum_reason"], clinical_text=CANARIES["addendum"],
    )  # fmt: skip
    db.session.add(
        ReferralEvent(
            referral_id=referral.id, at=utcnow() - timedelta(days=2), by_id=clinician.id,
            from_status=ReferralStatus.RECEIVED, to_status=ReferralStatus.ACCEPTED,
            note=f"Engaged with the harm reduction program. {CANARIES['triage_note']}",
            operational_note=TEAM_PARTS["triage_note"],
        )
    )  # fmt: skip
    provider = make_provider(LinkageKind.SUBSTANCE_USE_PROGRAM, name=CANARIES["provider"])
    linkage = create_linkage(
        case, by=clinician, kind=LinkageKind.SUBSTANCE_USE_PROGRAM, provider=provider,
        note=CANARIES["linkage"],
    )  # fmt: skip
    close_case(
        case, by=clinician, reason=ClosureReason.CONNECTED_TO_CARE,
        note=f"Admitted after an involuntary evaluation. {CANARIES['closing_note']}",
        operational_note=TEAM_PARTS["closing_note"],
    )  # fmt: skip
    reopen_case(
        case, by=clinician, team=team,
        note=f"Off his medication again. {CANARIES['reopening_note']}",
        operational_note=TEAM_PARTS["reopening_note"],
    )  # fmt: skip
    _plant_connections(case, clinician)
    _plant_consents_and_disclosures(case.person, clinician)
    _plant_break_glass(case.person)
    other_referral = make_referral(case.person)
    decline_referral(
        other_referral, by=make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        reason=DeclineReason.REFERRED_ELSEWHERE, referred_to_service=CANARIES["referred_to_service"],
    )  # fmt: skip
    # A second person's case stays closed: its status, closure reason and note on every page.
    closed = make_case(team)
    close_case(
        closed, by=clinician, reason=ClosureReason.CONNECTED_TO_CARE,
        note=f"Linked to the clinic. {CANARIES['other_closing_note']}",
    )  # fmt: skip
    # A merge of two other people: its undo page is fetched too.
    merge = merge_people(make_person(), make_person(), by=make_user(Role.SUPERVISOR))
    db.session.commit()
    return {
        "officer": officer,
        "clinician": clinician,
        "ids": {
            "case_id": case.id, "person_id": case.person_id, "contact_id": contact.id,
            "linkage_id": linkage.id, "referral_id": referral.id, "team_id": team.id,
            "user_id": officer.id, "membership_id": 1, "provider_id": provider.id,
            "contact_uuid": str(contact.uuid), "token_id": 1,
            "key": "overdue", "closed_case_id": closed.id, "closed_person_id": closed.person_id,
            "merge_id": merge.id,
        },
    }  # fmt: skip


def _plant_connections(case, clinician) -> None:  # type: ignore[no-untyped-def]
    """A connection to a named program, verified; another that was not made."""
    other = create_linkage(
        case, by=clinician, kind=LinkageKind.PEER_SUPPORT, target_name=CANARIES["linkage_target"]
    )
    change_linkage_status(
        other, by=clinician, to_status=LinkageStatus.REFERRED, note=CANARIES["step_note"]
    )
    change_linkage_status(
        other, by=clinician, to_status=LinkageStatus.CONNECTED, verified_on=program_today(),
        verification_method=VerificationMethod.PROVIDER_CONFIRMED,
        verified_by=CANARIES["verified_by"],
    )  # fmt: skip
    dropped = create_linkage(
        case, by=clinician, kind=LinkageKind.PEER_SUPPORT, target_name="Drop-in group"
    )
    change_linkage_status(
        dropped, by=clinician, to_status=LinkageStatus.NOT_CONNECTED,
        not_connected_reason=CANARIES["not_connected"],
    )  # fmt: skip


def _plant_consents_and_disclosures(person, clinician) -> None:  # type: ignore[no-untyped-def]
    """A verbal consent to a named recipient, one revoked, a disclosure under each basis."""
    recipient = Recipient(
        kind=RecipientKind.OTHER, name=CANARIES["consent_recipient"],
        detail=CANARIES["consent_detail"],
    )  # fmt: skip
    record_consent(
        person, by=clinician, recipient=recipient, scopes=[ShareScope.CLINICAL],
        purpose=CANARIES["consent_purpose"], method=ConsentMethod.VERBAL,
        witness_name=CANARIES["witness"], given_on=program_today(),
    )  # fmt: skip
    revoked = record_consent(
        person, by=clinician, recipient=Recipient(kind=RecipientKind.OTHER, name="A cousin"),
        scopes=[ShareScope.ATTENDANCE], purpose="Updates", method=ConsentMethod.WRITTEN,
        given_on=program_today(),
    )  # fmt: skip
    revoke_consent(revoked, by=clinician, note=CANARIES["revocation"])
    record_disclosure(
        person, by=clinician, recipient=recipient, scopes=[ShareScope.CLINICAL],
        description=CANARIES["disclosure_description"], purpose=CANARIES["disclosure_purpose"],
        disclosed_at=utcnow() - timedelta(minutes=5), basis=DisclosureBasis.CONSENT,
    )  # fmt: skip
    record_disclosure(
        person, by=clinician,
        recipient=Recipient(
            kind=RecipientKind.OTHER, name=CANARIES["disclosure_recipient"],
            detail=CANARIES["disclosure_detail"],
        ),
        scopes=[ShareScope.SAFETY], description="Told of a threat", purpose="Safety",
        disclosed_at=utcnow() - timedelta(minutes=4), basis=DisclosureBasis.EMERGENCY,
        emergency_justification=CANARIES["emergency"],
    )  # fmt: skip


def _plant_break_glass(person) -> None:  # type: ignore[no-untyped-def]
    """Another team's clinician opened the record; it waits for a clinical supervisor."""
    break_glass(
        person, by=make_staffed_team()[3], reason_code=BreakGlassReason.EMERGENCY_CALL,
        reason=CANARIES["break_glass_reason"],
    )  # fmt: skip


def every_get_url(app: Flask, ids: dict[str, object]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids[arg])).replace(f"<{arg}>", str(ids[arg]))
        urls.append(url)
    # Pages reached with query parameters too.
    urls += ["/people/?q=a", f"/people/{ids['person_id']}?kind=linkage", "/cases/queue/triage"]
    closed, person = ids["closed_case_id"], ids["closed_person_id"]
    urls += [
        f"/cases/{closed}",
        f"/cases/{closed}/print",
        f"/people/{person}",
        "/cases/queue/closed",
        # The merge preview, both ways round: each record's rows, side by side.
        f"/people/{ids['person_id']}/merge?with={person}",
        f"/people/{person}/merge?with={ids['person_id']}",
    ]
    return urls


def fetch_all(app: Flask, login, user, ids) -> dict[str, str]:  # type: ignore[no-untyped-def]
    client = login(user)
    pages = {}
    for url in every_get_url(app, ids):
        response = client.get(url)
        assert response.status_code < 500, url
        pages[url] = response.get_data(as_text=True)
    client.post("/logout")
    return pages


def test_every_clinical_column_of_the_register_has_a_canary() -> None:
    clinical = {name for name in REGISTER if is_clinical(name)}
    covered = set(PLANTED) | set(LABELLED) | CODED_WITHOUT_CANARY
    assert clinical - covered == set(), "clinical columns without a canary"
    assert covered - clinical == set(), "canaries for columns the register does not call clinical"
    assert set(PLANTED.values()) <= set(CANARIES) and set(LABELLED.values()) <= set(CLINICAL_LABELS)


def test_clinical_readers_do_see_the_canaries(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    """The team's clinician and a clinical supervisor between them see every canary and
    label, so the tests below can fail."""
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    seen = "".join(
        body
        for user in (world["clinician"], supervisor)
        for body in fetch_all(app, login, user, world["ids"]).values()
    )
    for canary in CANARIES.values():
        assert canary in seen, canary
    for label in CLINICAL_LABELS:
        assert label in OPTIONS.sub("", seen), label


@pytest.mark.parametrize("who", ["officer", "police_supervisor", "analyst", "admin"])
def test_no_canary_reaches_non_clinical_roles(app: Flask, world, login, who: str) -> None:  # type: ignore[no-untyped-def]
    user = {
        "officer": world["officer"],
        "police_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "analyst": make_user(Role.ANALYST),
        "admin": make_user(Role.ADMIN),
    }[who]
    pages = fetch_all(app, login, user, world["ids"])
    if who in ("officer", "police_supervisor"):
        # The team's part of each two-part note does reach them (so the split is real).
        seen = "".join(pages.values())
        for name, text in TEAM_PARTS.items():
            assert text in seen, (who, name)
    for url, body in pages.items():
        for name, canary in CANARIES.items():
            if name == "provider" and url.startswith("/providers"):
                continue  # the directory itself is public: a provider's name is not about a person
            assert canary not in body, (who, url, name)
        # A form's list of choices (the closing form's reasons) is about no one.
        about_someone = OPTIONS.sub("", body)
        for label in CLINICAL_LABELS:
            if url.startswith(("/providers", "/referrals/new")):
                continue  # blank form options and the public directory are about no one
            if url.startswith(("/reports/", "/api/v1/reports/")) and who in ("analyst", "admin"):
                # Counts of no one, small cells suppressed (DOMAIN.md: aggregates may leave
                # the clinical team so); the police get no connection or treatment reason.
                continue
            assert label not in about_someone, (who, url, label)


def _clinical_column_patterns() -> dict[str, re.Pattern[str]]:
    """A pattern per clinical `table.column` of the register, as SQL names it (the table
    maybe quoted, maybe an alias such as case_event_1 of a joined load)."""
    return {
        name: re.compile(rf'\b"?{table}(_\d+)?"?\.{column}\b')
        for name in REGISTER
        if is_clinical(name) and name not in _CLINICAL_BY_ROW
        for table, column in [name.split(".")]
    }


# Columns whose rows, not the column, decide: a referral's safety indicators (weapons,
# violence) are for the whole team, the others clinical; the pages filter the rows by
# category and the canary tests above check the clinical ones never show.
_CLINICAL_BY_ROW = {"referral_risk_indicator.indicator"}


@pytest.mark.parametrize("who", ["officer", "police_supervisor"])
def test_police_requests_never_select_a_clinical_column(app: Flask, world, login, who) -> None:  # type: ignore[no-untyped-def]
    """What police may not read is not even loaded: no statement of any page they open
    selects a column the register calls clinical (so no slip can show it)."""
    user = (
        world["officer"]
        if who == "officer"
        else make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    )
    patterns = _clinical_column_patterns()
    client = login(user)
    found = {}
    for url in every_get_url(app, world["ids"]):
        with count_statements() as statements:
            assert client.get(url).status_code < 500, url
        names = {n for s in statements for n, pattern in patterns.items() if pattern.search(s)}
        if names:
            found[url] = sorted(names)
    assert not found, "\n".join(f"{u}: {n}" for u, n in found.items())


def test_search_outside_the_team_shows_a_clinician_no_clinical_content(
    app: Flask, world, login
) -> None:  # type: ignore[no-untyped-def]
    """People search tells a clinician of another team that the person matches, by name,
    year of birth and borough, with break-glass offered: nothing clinical comes with it."""
    person = db.session.get(Person, world["ids"]["person_id"])
    outsider = make_staffed_team()[3]
    client = login(outsider)
    response = client.get(f"/people/?q={person.first_name}+{person.last_name}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "1 person outside your team matches" in page
    assert f"{person.first_name} {person.last_name}" in page and "Emergency access" in page
    for name, canary in CANARIES.items():
        assert canary not in page, name
    for text in TEAM_PARTS.values():  # nor the team's operational notes
        assert text not in page
    about_someone = OPTIONS.sub("", page)
    for label in CLINICAL_LABELS:
        assert label not in about_someone, label


def test_the_merge_preview_shows_police_supervisors_no_clinical_part(
    app: Flask, world, login
) -> None:  # type: ignore[no-untyped-def]
    """The preview lists both records' rows side by side: a clinical supervisor sees the
    consents' and disclosures' recipients (so this test can fail); a police supervisor
    sees neither them nor any other canary or clinical label."""
    ids = world["ids"]
    urls = [
        f"/people/{ids['person_id']}/merge?with={ids['closed_person_id']}",
        f"/people/{ids['closed_person_id']}/merge?with={ids['person_id']}",
    ]
    clinical = login(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    seen = "".join(clinical.get(url).get_data(as_text=True) for url in urls)
    assert CANARIES["consent_recipient"] in seen and CANARIES["disclosure_recipient"] in seen
    clinical.post("/logout")
    police = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    for url in urls:
        body = police.get(url).get_data(as_text=True)
        assert "Merge #" in body, url
        for name, canary in CANARIES.items():
            assert canary not in body, (url, name)
        for label in CLINICAL_LABELS:
            assert label not in OPTIONS.sub("", body), (url, label)

"""Consent, disclosure and break-glass rules, without HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role, User
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.queries import get_visible_case
from coresponse.clock import program_today, utcnow
from coresponse.consent import queries, services
from coresponse.consent.models import (
    ConsentMethod,
    ConsentStatus,
    DisclosureBasis,
    RecipientKind,
    ShareScope,
)
from coresponse.dashboard.queries import decisions_waiting
from coresponse.errors import Conflict
from coresponse.extensions import db
from coresponse.privacy import policy
from tests.consent.helpers import (
    a_month_ago,
    disclose,
    give_consent,
    make_world,
    to_contact,
    to_provider,
)
from tests.factories import make_case, make_person, make_staffed_team, make_user
from tests.linkages.helpers import make_support_contact

SU = ShareScope.SUBSTANCE_USE


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    return make_world()


def _sees_case(user: User, case: Case) -> bool:
    """Whether the case's pages show it to the user (the read every case page makes)."""
    try:
        get_visible_case(user, case.id, with_person=False)
    except NotFound:
        return False
    return True


def _audit(record_type: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == record_type).order_by(AuditEvent.id)
        )
    )


# --- Recording and revoking consent ------------------------------------------------------


def test_team_clinician_records_a_consent_with_copies_of_the_recipient(world) -> None:  # type: ignore[no-untyped-def]
    consent = give_consent(world)
    assert consent.recipient_label == "Rosa Lopez (Parent)"
    assert consent.scopes == [ShareScope.ATTENDANCE, ShareScope.TREATMENT]
    assert consent.status_on(program_today(), utcnow()) is ConsentStatus.ACTIVE
    [event] = _audit("consent")
    assert event.action is AuditAction.CREATE and event.person_id == world.person.id


def test_a_clinical_supervisor_may_record_consent_but_not_officers_or_other_teams(world) -> None:  # type: ignore[no-untyped-def]
    give_consent(world, by=make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
    _, _, _, other_clinician = make_staffed_team()
    for user in (
        world.officer,
        other_clinician,
        make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        make_user(Role.ADMIN),
    ):
        with pytest.raises(services.NotAllowed):
            give_consent(world, by=user)


def test_verbal_consent_needs_a_witness(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ConsentError, match="witnessed") as caught:
        give_consent(world, method=ConsentMethod.VERBAL)
    assert caught.value.field == "witness_name"
    consent = give_consent(world, method=ConsentMethod.VERBAL, witness_name="Dr. Priya Shah")
    assert consent.witness_name == "Dr. Priya Shah"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"scopes": (SU, ShareScope.ATTENDANCE)}, "scopes", "needs its own consent"),
        (
            {"scopes": (SU,), "method": ConsentMethod.VERBAL, "witness_name": "X"},
            "method",
            "written",
        ),
        ({"scopes": (SU,)}, "expires_on", "when it expires"),
        ({"scopes": ()}, "scopes", "at least one"),
        ({"purpose": "  "}, "purpose", "what the information may be shared for"),
    ],
)
def test_consents_the_rules_refuse(world, overrides, field: str, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ConsentError, match=message) as caught:
        give_consent(world, **overrides)
    assert caught.value.field == field


def test_substance_use_needs_a_separate_written_consent_with_an_end(world) -> None:  # type: ignore[no-untyped-def]
    consent = give_consent(world, scopes=(SU,), expires_on=a_month_ago() + timedelta(days=365))
    assert consent.scopes == [SU]
    [event] = _audit("consent")
    assert event.category is DataCategory.SUBSTANCE_USE


def test_consent_dates_must_make_sense(world) -> None:  # type: ignore[no-untyped-def]
    today = program_today()
    with pytest.raises(services.ConsentError, match="future"):
        give_consent(world, given_on=today + timedelta(days=1))
    with pytest.raises(services.ConsentError, match="on or after"):
        give_consent(world, given_on=today, expires_on=today - timedelta(days=1))


def test_revoking_keeps_the_consent_and_cannot_happen_twice(world) -> None:  # type: ignore[no-untyped-def]
    consent = give_consent(world)
    services.revoke_consent(consent, by=world.clinician, note="Asked us to stop.")
    assert consent.revoked_at is not None and consent.revoked_by_id == world.clinician.id
    assert consent.status_on(program_today(), utcnow()) is ConsentStatus.REVOKED
    assert [c.id for c in queries.person_consents(world.person.id)] == [consent.id]
    with pytest.raises(Conflict, match="already revoked"):
        services.revoke_consent(consent, by=world.clinician)
    with pytest.raises(services.NotAllowed):
        services.revoke_consent(give_consent(world), by=world.officer)


# --- Disclosures: consent basis --------------------------------------------------------------


def test_a_disclosure_under_consent_finds_the_consent_that_covers_it(world) -> None:  # type: ignore[no-untyped-def]
    give_consent(world, scopes=(ShareScope.ATTENDANCE,))
    covering = give_consent(world, scopes=(ShareScope.ATTENDANCE, ShareScope.TREATMENT))
    disclosure = disclose(world, scopes=(ShareScope.ATTENDANCE, ShareScope.TREATMENT))
    assert disclosure.consent_id == covering.id
    assert disclosure.basis is DisclosureBasis.CONSENT
    assert disclosure.recipient_name == "Rosa Lopez"
    [event] = _audit("disclosure")
    assert event.action is AuditAction.CREATE and event.person_id == world.person.id


def test_without_any_consent_the_message_names_what_is_missing(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ConsentError) as caught:
        disclose(world, scopes=(SU,))
    assert caught.value.message == (
        "No active consent covers substance-use information to Rosa Lopez; "
        "record one, or use the emergency basis."
    )
    assert _audit("disclosure") == []


def test_a_consent_not_covering_every_category_is_refused_naming_the_gap(world) -> None:  # type: ignore[no-untyped-def]
    give_consent(world, scopes=(ShareScope.ATTENDANCE,))
    with pytest.raises(services.ConsentError) as caught:
        disclose(world, scopes=(ShareScope.ATTENDANCE, ShareScope.CLINICAL, ShareScope.SAFETY))
    assert caught.value.message.startswith(
        "No active consent covers clinical information and safety information to Rosa Lopez;"
    )


def test_a_consent_to_someone_else_does_not_cover_this_recipient(world) -> None:  # type: ignore[no-untyped-def]
    give_consent(world, recipient=to_contact(world.mother))
    with pytest.raises(services.ConsentError, match="to Luis Lopez"):
        disclose(world, recipient=to_contact(world.brother))
    with pytest.raises(services.ConsentError, match="to Kings County Hospital"):
        disclose(world, recipient=to_provider(world.hospital))


def test_an_expired_consent_is_refused_and_the_message_says_so(world) -> None:  # type: ignore[no-untyped-def]
    today = program_today()
    give_consent(world, given_on=today - timedelta(days=90), expires_on=today - timedelta(days=10))
    with pytest.raises(services.ConsentError, match="expired on") as caught:
        disclose(world)
    assert (
        "No active consent covers attendance and engagement to Rosa Lopez" in caught.value.message
    )
    # A disclosure made while it was in force still stands on it.
    earlier = disclose(world, disclosed_at=utcnow() - timedelta(days=30))
    assert earlier.consent_id is not None


def test_a_revoked_consent_covers_only_what_was_disclosed_before_revocation(world) -> None:  # type: ignore[no-untyped-def]
    consent = give_consent(world)
    before = utcnow() - timedelta(hours=2)
    services.revoke_consent(consent, by=world.clinician)
    with pytest.raises(services.ConsentError, match="was revoked on"):
        disclose(world, disclosed_at=utcnow())
    assert disclose(world, disclosed_at=before).consent_id == consent.id


def test_a_typed_in_recipient_matches_by_name_whatever_the_case(world) -> None:  # type: ignore[no-untyped-def]
    landlord = services.Recipient(RecipientKind.OTHER, name="Marcus  Green", detail="Landlord")
    give_consent(world, recipient=landlord, scopes=(ShareScope.SAFETY,))
    again = services.Recipient(RecipientKind.OTHER, name="marcus green")
    assert disclose(world, recipient=again, scopes=(ShareScope.SAFETY,)).consent_id is not None


def test_the_disclosure_time_cannot_be_in_the_future(world) -> None:  # type: ignore[no-untyped-def]
    give_consent(world)
    with pytest.raises(services.ConsentError, match="future"):
        disclose(world, disclosed_at=utcnow() + timedelta(hours=1))


# --- Disclosures: emergency basis ------------------------------------------------------------


def test_the_emergency_basis_requires_a_justification(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(services.ConsentError, match="justification") as caught:
        disclose(world, basis=DisclosureBasis.EMERGENCY)
    assert caught.value.field == "emergency_justification"
    with pytest.raises(services.ConsentError, match="justification"):
        disclose(world, basis=DisclosureBasis.EMERGENCY, emergency_justification="urgent")
    disclosure = disclose(
        world,
        basis=DisclosureBasis.EMERGENCY,
        scopes=(ShareScope.SAFETY, ShareScope.CLINICAL),
        emergency_justification="Said she would jump; her mother is with her now.",
    )
    assert disclosure.consent_id is None
    assert disclosure.emergency_justification.startswith("Said she would jump")


def test_substance_use_without_consent_goes_only_to_medical_personnel(world) -> None:  # type: ignore[no-untyped-def]
    reason = "Overdose in progress; EMS asked what he had taken."
    with pytest.raises(services.ConsentError, match="only to medical personnel") as caught:
        disclose(
            world, basis=DisclosureBasis.EMERGENCY, scopes=(SU,), emergency_justification=reason
        )
    assert caught.value.field == "scopes"
    disclosure = disclose(
        world,
        recipient=to_provider(world.hospital),
        basis=DisclosureBasis.EMERGENCY,
        scopes=(SU,),
        emergency_justification=reason,
    )
    assert disclosure.recipient_kind is RecipientKind.PROVIDER
    assert _audit("disclosure")[-1].category is DataCategory.SUBSTANCE_USE


def test_a_recipient_must_be_on_the_persons_record(world) -> None:  # type: ignore[no-untyped-def]
    other_family = make_support_contact(make_person())
    with pytest.raises(services.ConsentError, match="from the list"):
        services.resolve_recipient(world.person.id, f"contact-{other_family.id}")
    with pytest.raises(services.ConsentError, match="from the list"):
        services.resolve_recipient(world.person.id, "provider-99999")
    with pytest.raises(services.ConsentError, match="Type the name"):
        services.resolve_recipient(world.person.id, "other", name=" ")
    assert services.resolve_recipient(world.person.id, f"contact-{world.mother.id}").kind is (
        RecipientKind.SUPPORT_CONTACT
    )


# --- The accounting of disclosures ------------------------------------------------------------


def test_the_accounting_holds_six_years_newest_first(world) -> None:  # type: ignore[no-untyped-def]
    now = utcnow()
    give_consent(world, given_on=a_month_ago() - timedelta(days=365 * 8))
    ages = [timedelta(days=2), timedelta(days=400), timedelta(days=365 * 6 - 3)]
    kept = [disclose(world, disclosed_at=now - age) for age in ages]
    disclose(world, disclosed_at=now - timedelta(days=365 * 6 + 3))
    rows = queries.accounting_all(world.person.id, now=now)
    assert [d.id for d in rows] == [d.id for d in kept]
    first = queries.accounting_page(world.person.id, cursor=None, size=2, now=now)
    assert [d.id for d in first.items] == [kept[0].id, kept[1].id]
    second = queries.accounting_page(world.person.id, cursor=first.next_cursor, size=2, now=now)
    assert [d.id for d in second.items] == [kept[2].id] and second.next_cursor is None


# --- Break-glass ----------------------------------------------------------------------------


def test_break_glass_gives_a_clinician_read_but_never_write_access(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    _, other_officer, _, outsider = make_staffed_team()
    assert not policy.can_view_person(outsider, world.person.id)
    with pytest.raises(services.ConsentError, match="at least 15") as caught:
        services.break_glass(world.person, by=outsider, reason_code="crisis", reason="urgent")
    assert caught.value.field == "reason"
    with pytest.raises(services.NotAllowed):
        services.break_glass(
            world.person,
            by=other_officer,
            reason_code="crisis",
            reason="He is on the roof now, need history",
        )

    access = services.break_glass(
        world.person,
        by=outsider,
        reason_code="crisis",
        reason="ER called: in crisis, they need his history.",
    )
    assert access.expires_at - access.at == timedelta(hours=app.config["BREAK_GLASS_HOURS"])
    assert policy.can_view_person(outsider, world.person.id)
    assert _sees_case(outsider, world.case)
    assert policy.can_view_consents(outsider, world.person.id)
    assert policy.is_break_glass_access(outsider, world.person.id)
    # Read-only: nothing that changes the record.
    assert not policy.can_log_contact(outsider, world.case)
    assert not policy.can_manage_linkages(outsider, world.case)
    assert not policy.can_close_case(outsider, world.case)
    assert not policy.can_edit_person(outsider, world.person.id)
    assert not policy.can_record_consent(outsider, world.person.id)
    # The team keeps its own rights, without the break-glass mark.
    assert policy.can_log_contact(world.clinician, world.case)
    assert not policy.is_break_glass_access(world.clinician, world.person.id)
    [event] = _audit("break_glass")
    assert event.action is AuditAction.CREATE and event.user_id == outsider.id
    assert "ER called" not in (event.detail or "")  # the reason stays off the audit report

    with pytest.raises(Conflict, match="already have emergency access"):
        services.break_glass(
            world.person, by=outsider, reason_code="crisis", reason="Again, for the same crisis."
        )


def test_a_break_glass_grant_ends_when_it_expires(world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outsider = make_staffed_team()
    access = services.break_glass(
        world.person,
        by=outsider,
        reason_code="crisis",
        reason="ER called: in crisis, they need his history.",
    )
    access.expires_at = utcnow() - timedelta(minutes=1)
    db.session.flush()
    assert not policy.can_view_person(outsider, world.person.id)
    assert not _sees_case(outsider, world.case)


def test_the_team_clinician_has_nothing_to_break_glass_for(world) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Conflict, match="already see all"):
        services.break_glass(
            world.person,
            by=world.clinician,
            reason_code="other",
            reason="Just curious about the whole record.",
        )


def test_a_clinician_may_break_glass_for_another_teams_case_of_their_person(world) -> None:  # type: ignore[no-untyped-def]
    other_team, _, _, _ = make_staffed_team()
    # A person has one open case at a time: the team's own case closed before.
    world.case.status, world.case.closed_at = CaseStatus.CLOSED, utcnow()
    other_case = make_case(other_team, world.person)
    assert policy.can_view_person(world.clinician, world.person.id)
    assert not _sees_case(world.clinician, other_case)
    services.break_glass(
        world.person,
        by=world.clinician,
        reason_code="crisis",
        reason="Other team's case has the crisis plan.",
    )
    assert _sees_case(world.clinician, other_case)
    assert not policy.can_log_contact(world.clinician, other_case)


def test_a_clinical_supervisor_acknowledges_once(world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outsider = make_staffed_team()
    access = services.break_glass(
        world.person,
        by=outsider,
        reason_code="crisis",
        reason="ER called: in crisis, they need his history.",
    )
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    # The count on the clinical supervisor's home page.
    assert decisions_waiting(supervisor).break_glass == 1
    with pytest.raises(services.NotAllowed):
        services.acknowledge_break_glass(
            access, by=make_user(Role.SUPERVISOR, discipline=Discipline.POLICE), verdict="justified"
        )
    services.acknowledge_break_glass(
        access, by=supervisor, verdict="justified", note="Confirmed with the ER."
    )
    assert access.acknowledged_by_id == supervisor.id
    assert decisions_waiting(supervisor).break_glass == 0
    with pytest.raises(Conflict, match="already acknowledged"):
        services.acknowledge_break_glass(access, by=supervisor, verdict="justified")


def test_not_justified_ends_the_grant_flags_the_clinician_and_keeps_the_row(world) -> None:  # type: ignore[no-untyped-def]
    _, _, _, outsider = make_staffed_team()
    access = services.break_glass(
        world.person, by=outsider, reason_code="other", reason="Routine look-up, no emergency."
    )
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    with pytest.raises(services.ConsentError, match="justified or not") as caught:
        services.acknowledge_break_glass(access, by=supervisor, verdict=None)
    assert caught.value.field == "verdict"
    services.acknowledge_break_glass(access, by=supervisor, verdict="not_justified")
    assert not policy.can_view_person(outsider, world.person.id)
    assert not _sees_case(outsider, world.case)
    assert not policy.may_break_glass_for(outsider, world.person.id)
    assert outsider.break_glass_flagged_at == access.ended_at == access.acknowledged_at
    assert access.expires_at > utcnow()  # the grant's original end stays on record
    event = _audit("break_glass")[-1]
    assert event.detail == (
        "break-glass access reviewed: not_justified; access ended; account flagged"
    )
    with pytest.raises(services.NotAllowed, match="not justified"):
        services.break_glass(
            world.person, by=outsider, reason_code="crisis", reason="In crisis on the bridge now."
        )

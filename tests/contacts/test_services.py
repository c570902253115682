"""Logging contacts and adding addenda, without HTTP: each rule allowed and refused."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseStatus
from coresponse.clock import utcnow
from coresponse.contacts import services
from coresponse.contacts.models import (
    Addendum,
    Contact,
    ContactOutcome,
    ContactType,
    RiskFactor,
    RiskLevel,
)
from coresponse.contacts.services import CaseNotOpen, ContactError
from coresponse.errors import Conflict
from coresponse.extensions import db
from coresponse.teams.models import TeamMembership
from tests.contacts.conftest import Setting, log
from tests.factories import add_to_team, make_case, make_staffed_team, make_team, make_user


def _count(model: type) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _events(action: AuditAction) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action, AuditEvent.record_type == "contact"
            )
        )
    )


@contextmanager
def _refused(match: str, field: str | None = None, error: type[Exception] = ContactError):  # type: ignore[no-untyped-def]
    """Expect a refusal with a message a person can read, on the field it belongs to."""
    with pytest.raises(error, match=match) as info:
        yield
    if field is not None:
        assert info.value.field == field  # type: ignore[attr-defined]


# Logging a contact --------------------------------------------------------------


def test_officer_logs_a_contact_and_the_case_and_audit_trail_follow(s: Setting) -> None:
    occurred = utcnow() - timedelta(hours=1)
    planned = utcnow() + timedelta(days=3)
    contact = log(
        s.case,
        s.officer,
        occurred_at=occurred,
        participants=[s.officer_b],
        location="  12 Pennsylvania Ave  ",
        others_present="mother",
        operational_note="Spoke at the door; calm.",
        next_contact_planned_at=planned,
    )
    assert contact.person_id == s.person.id
    assert contact.recorded_by_id == s.officer.id
    assert contact.location == "12 Pennsylvania Ave"
    assert {p.user_id for p in contact.participants} == {s.officer.id, s.officer_b.id}
    assert (s.case.first_contact_at, s.case.last_contact_at) == (occurred, occurred)
    assert s.case.next_contact_planned_at == planned
    [event] = _events(AuditAction.CREATE)
    assert event.person_id == s.person.id and event.record_id == str(contact.id)
    assert event.category is DataCategory.OPERATIONAL and event.user_id == s.officer.id


def test_clinician_records_clinical_content_and_the_audit_says_clinical(s: Setting) -> None:
    contact = log(
        s.case,
        s.clinician,
        clinical_note="Reports voices; agreed to see the clinic.",
        risk_level="moderate",
        risk_factors=[RiskFactor.PSYCHOSIS, "treatment_nonadherence", RiskFactor.PSYCHOSIS],
    )
    assert contact.risk_level is RiskLevel.MODERATE
    assert {f.factor for f in contact.risk_factors} == {
        RiskFactor.PSYCHOSIS,
        RiskFactor.TREATMENT_NONADHERENCE,
    }
    assert [p.user_id for p in contact.participants] == [s.clinician.id]
    [event] = _events(AuditAction.CREATE)
    assert event.category is DataCategory.CLINICAL


@pytest.mark.parametrize(
    "clinical",
    [
        {"clinical_note": "should not be accepted"},
        {"risk_level": RiskLevel.HIGH},
        {"risk_factors": [RiskFactor.ACCESS_TO_MEANS]},
    ],
)
def test_officers_sending_clinical_content_are_refused_not_silently_dropped(
    s: Setting, clinical: dict[str, object]
) -> None:
    with _refused("recorded by the team's clinician", field="clinical_note"):
        log(s.case, s.officer, **clinical)
    assert _count(Contact) == 0


def test_officers_blank_clinical_fields_are_not_content(s: Setting) -> None:
    contact = log(s.case, s.officer, clinical_note="   ", risk_level="", risk_factors=[])
    assert contact.clinical_note is None and contact.risk_level is None


def test_contacts_only_on_open_cases(s: Setting) -> None:
    closed = make_case(s.team, status=CaseStatus.CLOSED)
    with _refused("This case is closed; reopen it to log a contact.", error=CaseNotOpen):
        log(closed, s.officer)
    # A case waiting for a team is visible to supervisors only, who do not log contacts;
    # the rule still refuses it whatever the caller.
    waiting = make_case(s.team, status=CaseStatus.AWAITING_ASSIGNMENT)
    with _refused("waiting for a team", error=CaseNotOpen):
        log(waiting, s.officer)
    assert _count(Contact) == 0


def test_only_the_case_teams_members_log_contacts(s: Setting) -> None:
    _, other_officer, _, other_clinician = make_staffed_team()
    outsiders = [
        other_officer,
        other_clinician,
        make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        make_user(Role.ANALYST),
        make_user(Role.ADMIN),
    ]
    for user in outsiders:
        with _refused("Only the case's team members"):
            log(s.case, user)
    assert _count(Contact) == 0


def test_contact_time_may_not_be_in_the_future_beyond_clock_skew(s: Setting) -> None:
    with _refused("in the future", field="occurred_at"):
        log(s.case, s.officer, occurred_at=utcnow() + timedelta(minutes=10))
    # A tablet a few minutes ahead of the server is fine.
    assert log(s.case, s.officer, occurred_at=utcnow() + timedelta(minutes=3)).id


def test_contact_time_may_not_be_before_the_referral(s: Setting) -> None:
    with _refused("before the referral was received", field="occurred_at"):
        log(s.case, s.officer, occurred_at=s.case.referred_at - timedelta(hours=1))
    assert log(s.case, s.officer, occurred_at=s.case.referred_at + timedelta(minutes=1)).id


def test_participants_must_be_current_members_of_the_case_team(s: Setting) -> None:
    _, stranger, _, _ = make_staffed_team()
    with _refused("is not on this case's team now", field="participants"):
        log(s.case, s.officer, participants=[stranger])
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.user_id == s.officer_b.id)
    )
    membership.left_at = utcnow()
    add_to_team(make_team(), s.officer_b)
    with _refused("Officer Dana Kim is not on this case's team now", field="participants"):
        log(s.case, s.officer, participants=[s.officer_b])
    contact = log(s.case, s.officer, participants=[s.clinician, s.officer])
    assert sorted(p.user_id for p in contact.participants) == sorted([s.officer.id, s.clinician.id])


def test_an_attempt_is_not_found_and_counts_as_the_first_contact(s: Setting) -> None:
    with _refused("has the outcome “Not found”", field="outcome"):
        log(s.case, s.officer, type=ContactType.ATTEMPT, outcome=ContactOutcome.ENGAGED)
    at = utcnow() - timedelta(hours=5)
    log(s.case, s.officer, type="attempt", outcome="not_found", occurred_at=at)
    assert s.case.first_contact_at == at


def test_crisis_transports_need_a_destination_and_only_they_have_one(s: Setting) -> None:
    for outcome in (
        ContactOutcome.CRISIS_TRANSPORT_VOLUNTARY,
        ContactOutcome.CRISIS_TRANSPORT_INVOLUNTARY,
    ):
        with _refused("Say where the person was transported", field="transport_destination"):
            log(s.case, s.officer, outcome=outcome, transport_destination="  ")
    with _refused("only for crisis transports", field="transport_destination"):
        log(s.case, s.officer, outcome=ContactOutcome.REFUSED, transport_destination="Kings County")
    contact = log(
        s.case,
        s.officer,
        outcome=ContactOutcome.CRISIS_TRANSPORT_VOLUNTARY,
        transport_destination="Kings County Hospital CPEP",
    )
    assert contact.transport_destination == "Kings County Hospital CPEP"


def test_next_planned_contact_must_be_after_this_one(s: Setting) -> None:
    at = utcnow() - timedelta(hours=2)
    with _refused("must be after this contact", field="next_contact_planned_at"):
        log(s.case, s.officer, occurred_at=at, next_contact_planned_at=at)
    with _refused("must be after this contact", field="next_contact_planned_at"):
        log(s.case, s.officer, occurred_at=at, next_contact_planned_at=at - timedelta(days=1))


def test_unknown_types_outcomes_and_risk_values_are_refused(s: Setting) -> None:
    with _refused("Choose the type of contact", field="type"):
        log(s.case, s.officer, type="carrier pigeon")
    with _refused("Choose how the contact went", field="outcome"):
        log(s.case, s.officer, outcome="")
    with _refused("Choose low, moderate or high", field="risk_level"):
        log(s.case, s.clinician, risk_level="extreme")
    with _refused("not a known risk factor", field="risk_factors"):
        log(s.case, s.clinician, risk_factors=["astrology"])
    with _refused("at most 200 characters", field="location"):
        log(s.case, s.officer, location="x" * 201)


def test_case_times_follow_the_earliest_and_latest_contacts(s: Setting) -> None:
    now = utcnow()
    plan = now + timedelta(days=2)
    log(s.case, s.officer, occurred_at=now - timedelta(hours=3), next_contact_planned_at=plan)
    # Entered later but happened earlier: becomes the first contact, leaves the rest.
    earlier = now - timedelta(days=1)
    log(s.case, s.clinician, occurred_at=earlier, next_contact_planned_at=now)
    assert s.case.first_contact_at == earlier
    assert s.case.last_contact_at == now - timedelta(hours=3)
    assert s.case.next_contact_planned_at == plan
    # The newest contact's plan replaces the old one, even when it has none.
    log(s.case, s.officer, occurred_at=now - timedelta(minutes=5))
    assert s.case.last_contact_at == now - timedelta(minutes=5)
    assert s.case.next_contact_planned_at is None


def test_a_retried_submission_is_stored_once(s: Setting) -> None:
    form_uuid = uuid.uuid4()
    at = utcnow() - timedelta(minutes=20)
    fields = {
        "uuid": form_uuid,
        "occurred_at": at,
        "participants": [s.officer_b],
        "clinical_note": "Seen at home.",
        "risk_factors": [RiskFactor.RECENT_LOSS],
        "operational_note": "Door code 1234.",
    }
    first = log(s.case, s.clinician, **fields)
    events = _count(AuditEvent)
    again = log(s.case, s.clinician, **{**fields, "operational_note": " Door code 1234. "})
    assert again is first and again.uuid == form_uuid
    assert _count(Contact) == 1 and _count(AuditEvent) == events


def test_a_reused_uuid_with_different_content_is_a_conflict(s: Setting) -> None:
    form_uuid = uuid.uuid4()
    log(s.case, s.officer, uuid=form_uuid, operational_note="First.")
    with _refused("already saved from this form", error=Conflict):
        log(s.case, s.officer, uuid=form_uuid, operational_note="Second.")
    with _refused("already saved from this form", error=Conflict):
        log(
            s.case, s.officer, uuid=form_uuid, operational_note="First.", participants=[s.officer_b]
        )
    other_case = make_case(s.team)
    with _refused("already saved from this form", error=Conflict):
        log(other_case, s.officer, uuid=form_uuid, operational_note="First.")
    assert _count(Contact) == 1


# Addenda ------------------------------------------------------------------------


def test_team_members_add_addenda_that_leave_the_contact_alone(s: Setting) -> None:
    contact = log(s.case, s.officer, operational_note="Original note.")
    addendum = services.add_addendum(
        contact,
        by=s.officer_b,
        operational_reason="  Wrong building  ",
        operational_text="It was no. 14.",
    )
    assert addendum.operational_reason == "Wrong building" and addendum.reason is None
    assert addendum.author_id == s.officer_b.id
    assert contact.operational_note == "Original note."
    [event] = _events(AuditAction.UPDATE)
    assert event.category is DataCategory.OPERATIONAL and event.person_id == s.person.id
    clinical = services.add_addendum(
        contact, by=s.clinician, reason="Assessment", clinical_text="Low mood, no plan."
    )
    assert clinical.clinical_text == "Low mood, no plan."
    assert _events(AuditAction.UPDATE)[-1].category is DataCategory.CLINICAL


def test_addenda_need_a_reason_and_some_text(s: Setting) -> None:
    contact = log(s.case, s.officer)
    with _refused("Say why", field="operational_reason"):
        services.add_addendum(contact, by=s.officer, operational_reason="  ", operational_text="x")
    with _refused("Write the correction", field="operational_text"):
        services.add_addendum(
            contact, by=s.officer, operational_reason="typo", operational_text=" "
        )
    with _refused("at most 200 characters", field="operational_reason"):
        services.add_addendum(
            contact, by=s.officer, operational_reason="r" * 201, operational_text="x"
        )
    with _refused("at most 200 characters", field="reason"):
        services.add_addendum(contact, by=s.clinician, reason="r" * 201, operational_text="x")
    assert _count(Addendum) == 0


def test_officers_may_not_write_a_clinical_reason(s: Setting) -> None:
    contact = log(s.case, s.officer)
    with _refused("Clinical notes are written by clinicians", field="reason"):
        services.add_addendum(contact, by=s.officer, reason="Off his meds", operational_text="x")
    assert _count(Addendum) == 0
    # A clinician may give either reason, or both.
    both = services.add_addendum(
        contact, by=s.clinician, operational_reason="Late entry", reason="Off his meds",
        operational_text="Seen again at 5pm.",
    )  # fmt: skip
    assert (both.operational_reason, both.reason) == ("Late entry", "Off his meds")


def test_officers_may_not_add_clinical_text(s: Setting) -> None:
    contact = log(s.case, s.officer)
    with _refused("Clinical additions are written by clinicians", field="clinical_text"):
        services.add_addendum(
            contact,
            by=s.officer,
            operational_reason="more",
            operational_text="ok",
            clinical_text="no",
        )
    assert _count(Addendum) == 0


def test_supervisors_may_add_addenda_outsiders_may_not(s: Setting) -> None:
    contact = log(s.case, s.officer)
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    assert services.add_addendum(
        contact, by=supervisor, operational_reason="review", operational_text="ok"
    )
    _, other_officer, _, _ = make_staffed_team()
    for user in (other_officer, make_user(Role.ANALYST), make_user(Role.ADMIN)):
        with _refused("Only the case's team members and supervisors"):
            services.add_addendum(contact, by=user, operational_reason="x", operational_text="y")
    assert _count(Addendum) == 1


def test_no_service_edits_a_saved_contact() -> None:
    names = [n for n in dir(services) if not n.startswith("_")]
    assert not [n for n in names if n.startswith(("edit_", "update_", "delete_"))]

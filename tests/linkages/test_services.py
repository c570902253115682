"""Connections and the provider directory, without HTTP: allowed and refused changes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseStatus
from coresponse.clock import program_today, utcnow
from coresponse.errors import Conflict, NotFound
from coresponse.extensions import db
from coresponse.linkages import services
from coresponse.linkages.models import (
    LinkageKind,
    LinkageStatus,
    LinkageStatusChange,
    Provider,
    VerificationMethod,
)
from coresponse.linkages.services import (
    LinkageError,
    LinkageNotAllowed,
    ProviderDetails,
    ProviderError,
)
from coresponse.people.models import SupportRelationship
from tests.factories import make_case, make_person, make_staffed_team, make_user
from tests.linkages.helpers import make_linkage, make_provider, make_support_contact

S = LinkageStatus

# The path the program agreed on; the service must follow exactly this.
EXPECTED_NEXT = {
    S.IDENTIFIED: {S.REFERRED, S.NOT_CONNECTED},
    S.REFERRED: {S.WAITLISTED, S.APPOINTMENT_SCHEDULED, S.CONNECTED, S.NOT_CONNECTED},
    S.WAITLISTED: {S.APPOINTMENT_SCHEDULED, S.CONNECTED, S.NOT_CONNECTED},
    S.APPOINTMENT_SCHEDULED: {S.CONNECTED, S.NOT_CONNECTED, S.APPOINTMENT_SCHEDULED},
    S.CONNECTED: set(),
    S.NOT_CONNECTED: set(),
}


@pytest.fixture
def setting(app: Flask):  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    case = make_case(team)
    return case, clinician, officer


def _everything_needed() -> dict[str, object]:
    return {
        "appointment_at": utcnow() + timedelta(days=3),
        "verified_on": program_today() - timedelta(days=1),
        "verification_method": VerificationMethod.PROVIDER_CONFIRMED,
        "verified_by": "Dr. Lee, intake at the clinic",
        "not_connected_reason": "Declined after the first call.",
    }


def _events(record_type: str = "linkage") -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.record_type == record_type).order_by(AuditEvent.id)
        )
    )


# Creating -----------------------------------------------------------------------


def test_a_new_connection_starts_identified_with_its_first_step_and_audit(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    provider = make_provider(LinkageKind.IMT, name="East NY IMT")
    linkage = services.create_linkage(
        case, by=clinician, kind=LinkageKind.IMT, provider=provider, note="Wants help at home"
    )
    assert linkage.person_id == case.person_id and linkage.case_id == case.id
    assert linkage.status is S.IDENTIFIED and linkage.target == "East NY IMT"
    assert linkage.created_by_id == clinician.id
    [step] = linkage.changes
    assert (step.from_status, step.to_status, step.by_id) == (None, S.IDENTIFIED, clinician.id)
    [event] = _events()
    assert event.action is AuditAction.CREATE and event.category is DataCategory.CLINICAL
    assert event.person_id == case.person_id and event.record_id == str(linkage.id)
    assert "Wants help" not in (event.detail or "")  # the trail names the step, not the note


def test_a_connection_can_name_a_program_not_in_the_directory(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    linkage = services.create_linkage(
        case, by=clinician, kind=LinkageKind.HOUSING, target_name="  Safe Haven on 3rd  "
    )
    assert linkage.target == "Safe Haven on 3rd" and linkage.provider_id is None


def test_a_treatment_connection_needs_a_provider_or_a_name_but_not_both(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    with pytest.raises(LinkageError, match="Choose a provider from the directory") as error:
        services.create_linkage(case, by=clinician, kind=LinkageKind.ACT, target_name="  ")
    assert error.value.field == "provider_id"
    with pytest.raises(LinkageError, match="not both"):
        services.create_linkage(
            case,
            by=clinician,
            kind=LinkageKind.ACT,
            provider=make_provider(LinkageKind.ACT),
            target_name="Another ACT team",
        )
    with pytest.raises(LinkageError, match="160 characters"):
        services.create_linkage(case, by=clinician, kind=LinkageKind.ACT, target_name="x" * 161)


def test_the_provider_must_offer_that_kind_of_service(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    housing = make_provider(LinkageKind.HOUSING, name="Home Base")
    with pytest.raises(LinkageError, match="Home Base is listed as housing, not") as error:
        services.create_linkage(case, by=clinician, kind=LinkageKind.IMT, provider=housing)
    assert error.value.field == "provider_id"
    # Hospitals run outpatient clinics: a compatible kind is accepted.
    hospital = make_provider(LinkageKind.HOSPITAL, name="Kings County Hospital")
    linkage = services.create_linkage(
        case, by=clinician, kind=LinkageKind.OUTPATIENT_CLINIC, provider=hospital
    )
    assert linkage.provider_id == hospital.id


def test_a_retired_provider_cannot_be_chosen(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    retired = make_provider(LinkageKind.IMT, name="Old IMT", active=False)
    with pytest.raises(LinkageError, match="Old IMT has been retired"):
        services.create_linkage(case, by=clinician, kind=LinkageKind.IMT, provider=retired)


def test_a_family_connection_uses_the_persons_own_support_contact(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    sister = make_support_contact(case.person, name="Maria Rivera")
    linkage = services.create_linkage(
        case, by=clinician, kind=LinkageKind.FAMILY, support_contact=sister
    )
    assert linkage.support_contact_id == sister.id and linkage.target == "Maria Rivera"
    assert linkage.category.value == "family"

    stranger = make_support_contact(make_person(), name="Someone Else's Brother")
    with pytest.raises(NotFound, match="not on this person's record") as error:
        services.create_linkage(
            case, by=clinician, kind=LinkageKind.FAMILY, support_contact=stranger
        )
    assert error.value.status_code == 404 and error.value.field == "support_contact_id"


def test_family_connections_refuse_what_is_not_family(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    with pytest.raises(LinkageError, match="Choose which of the person's support contacts"):
        services.create_linkage(case, by=clinician, kind=LinkageKind.FRIEND)
    with pytest.raises(LinkageError, match="not to a provider"):
        services.create_linkage(
            case,
            by=clinician,
            kind=LinkageKind.FRIEND,
            provider=make_provider(),
            support_contact=make_support_contact(case.person, SupportRelationship.FRIEND),
        )
    case_manager = make_support_contact(
        case.person, SupportRelationship.CASE_MANAGER, name="Pat Case"
    )
    with pytest.raises(LinkageError, match="Pat Case is recorded as case manager"):
        services.create_linkage(
            case, by=clinician, kind=LinkageKind.FAMILY, support_contact=case_manager
        )
    gone = make_support_contact(case.person, name="Former Partner", active=False)
    with pytest.raises(LinkageError, match="no longer an active support contact"):
        services.create_linkage(case, by=clinician, kind=LinkageKind.FAMILY, support_contact=gone)
    # ... and treatment connections do not take a support contact.
    with pytest.raises(LinkageError, match="linked as family or friend"):
        services.create_linkage(
            case,
            by=clinician,
            kind=LinkageKind.PEER_SUPPORT,
            support_contact=make_support_contact(case.person),
            target_name="Peer group",
        )


def test_no_connection_on_a_closed_case(app: Flask) -> None:
    team, _, _, clinician = make_staffed_team()
    case = make_case(team, status=CaseStatus.CLOSED)
    with pytest.raises(LinkageError, match=r"This case is closed\. Reopen it"):
        make_linkage(case, clinician)
    assert db.session.scalars(select(LinkageStatusChange)).all() == []


@pytest.mark.parametrize(
    ("role", "discipline"),
    [
        (Role.OFFICER, None),
        (Role.SUPERVISOR, Discipline.POLICE),
        (Role.ANALYST, None),
        (Role.ADMIN, None),
    ],
)
def test_only_clinical_staff_record_connections(app: Flask, role, discipline) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    case = make_case(team)
    user = officer if role is Role.OFFICER else make_user(role, discipline=discipline)
    with pytest.raises(LinkageNotAllowed) as error:
        make_linkage(case, user)
    assert error.value.status_code == 403


def test_a_clinician_of_another_team_cannot_but_a_clinical_supervisor_can(app: Flask) -> None:
    team, *_ = make_staffed_team()
    *_, other_clinician = make_staffed_team()
    case = make_case(team)
    with pytest.raises(LinkageNotAllowed):
        make_linkage(case, other_clinician)
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    assert make_linkage(case, supervisor).status is S.IDENTIFIED


# Status changes -------------------------------------------------------------------


@pytest.mark.parametrize("from_status", list(LinkageStatus))
@pytest.mark.parametrize("to_status", list(LinkageStatus))
def test_every_transition_is_allowed_or_refused_as_agreed(
    setting,  # type: ignore[no-untyped-def]
    from_status: LinkageStatus,
    to_status: LinkageStatus,
) -> None:
    case, clinician, _ = setting
    linkage = make_linkage(case, clinician)
    linkage.status = from_status
    linkage.appointment_at = utcnow() + timedelta(days=1)
    db.session.flush()
    if to_status in EXPECTED_NEXT[from_status]:
        services.change_linkage_status(
            linkage, by=clinician, to_status=to_status, **_everything_needed()
        )
        assert linkage.status is to_status
        assert linkage.changes[-1].from_status is from_status
    else:
        with pytest.raises(LinkageError):
            services.change_linkage_status(
                linkage, by=clinician, to_status=to_status, **_everything_needed()
            )
        assert linkage.status is from_status
        assert len(linkage.changes) == 1
    assert set(services.allowed_next(from_status)) == EXPECTED_NEXT[from_status]


def test_a_refused_step_names_the_allowed_next_steps(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    linkage = make_linkage(case, clinician)
    linkage.status = S.WAITLISTED
    with pytest.raises(LinkageError) as error:
        services.change_linkage_status(linkage, by=clinician, to_status=S.REFERRED)
    assert error.value.message == (
        "A waitlisted connection can next be: appointment scheduled, connected, not connected."
    )
    linkage.status = S.CONNECTED
    with pytest.raises(LinkageError, match=r"already connected, which is final\. Record a new"):
        services.change_linkage_status(
            linkage, by=clinician, to_status=S.NOT_CONNECTED, not_connected_reason="x"
        )


def test_the_whole_path_is_recorded_step_by_step(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    linkage = make_linkage(case, clinician)
    appointment = utcnow() + timedelta(days=10)
    steps = [
        (S.REFERRED, {"note": "Faxed the referral"}),
        (S.WAITLISTED, {"note": "About 6 weeks"}),
        (S.APPOINTMENT_SCHEDULED, {"appointment_at": appointment}),
        (
            S.CONNECTED,
            {
                "verified_on": program_today(),
                "verification_method": VerificationMethod.ATTENDED_WITH_STAFF,
                "verified_by": "  Priya Shah  ",
            },
        ),
    ]
    for status, fields in steps:
        services.change_linkage_status(linkage, by=clinician, to_status=status, **fields)
    assert [c.to_status for c in linkage.changes] == [S.IDENTIFIED] + [s for s, _ in steps]
    assert [c.from_status for c in linkage.changes][1:] == [
        S.IDENTIFIED,
        S.REFERRED,
        S.WAITLISTED,
        S.APPOINTMENT_SCHEDULED,
    ]
    assert linkage.changes[1].note == "Faxed the referral"
    assert all(c.by_id == clinician.id and c.at is not None for c in linkage.changes)
    assert linkage.appointment_at == appointment
    assert linkage.verified_by == "Priya Shah" and linkage.verified_on == program_today()
    assert linkage.verification_method is VerificationMethod.ATTENDED_WITH_STAFF
    updates = [e for e in _events() if e.action is AuditAction.UPDATE]
    assert [e.detail for e in updates] == [
        "identified → referred",
        "referred → waitlisted",
        "waitlisted → appointment scheduled",
        "appointment scheduled → connected",
    ]
    assert {e.category for e in updates} == {DataCategory.CLINICAL}


def test_connected_needs_how_who_and_when_and_not_in_the_future(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    linkage = make_linkage(case, clinician)
    services.change_linkage_status(linkage, by=clinician, to_status=S.REFERRED)
    complete = {
        "verified_on": program_today(),
        "verification_method": VerificationMethod.RECORDS,
        "verified_by": "Clinic records clerk",
    }
    for missing, field in (
        ("verification_method", "verification_method"),
        ("verified_by", "verified_by"),
        ("verified_on", "verified_on"),
    ):
        with pytest.raises(LinkageError) as error:
            services.change_linkage_status(
                linkage, by=clinician, to_status=S.CONNECTED, **{**complete, missing: None}
            )
        assert error.value.field == field
    with pytest.raises(LinkageError, match="cannot be in the future"):
        services.change_linkage_status(
            linkage,
            by=clinician,
            to_status=S.CONNECTED,
            **{**complete, "verified_on": program_today() + timedelta(days=1)},
        )
    with pytest.raises(LinkageError, match="who verified"):
        services.change_linkage_status(
            linkage, by=clinician, to_status=S.CONNECTED, **{**complete, "verified_by": "   "}
        )
    assert linkage.status is S.REFERRED and len(linkage.changes) == 2


def test_not_connected_needs_a_reason_and_an_appointment_needs_a_time(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    linkage = make_linkage(case, clinician)
    with pytest.raises(LinkageError, match="Say why the connection was not made") as error:
        services.change_linkage_status(
            linkage, by=clinician, to_status=S.NOT_CONNECTED, not_connected_reason=" "
        )
    assert error.value.field == "not_connected_reason"
    services.change_linkage_status(linkage, by=clinician, to_status=S.REFERRED)
    with pytest.raises(LinkageError, match="appointment's date and time"):
        services.change_linkage_status(linkage, by=clinician, to_status=S.APPOINTMENT_SCHEDULED)
    with pytest.raises(LinkageError, match="no time zone"):
        services.change_linkage_status(
            linkage,
            by=clinician,
            to_status=S.APPOINTMENT_SCHEDULED,
            appointment_at=datetime(2030, 1, 1, 10, 0),  # naive: the point of the test
        )
    services.change_linkage_status(
        linkage, by=clinician, to_status=S.NOT_CONNECTED, not_connected_reason="Moved to Ohio"
    )
    assert linkage.not_connected_reason == "Moved to Ohio"


def test_rescheduling_needs_a_different_time(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    linkage = make_linkage(case, clinician)
    first = utcnow() + timedelta(days=2)
    services.change_linkage_status(linkage, by=clinician, to_status=S.REFERRED)
    services.change_linkage_status(
        linkage, by=clinician, to_status=S.APPOINTMENT_SCHEDULED, appointment_at=first
    )
    with pytest.raises(LinkageError, match="already on record"):
        services.change_linkage_status(
            linkage, by=clinician, to_status=S.APPOINTMENT_SCHEDULED, appointment_at=first
        )
    later = first + timedelta(days=7)
    services.change_linkage_status(
        linkage,
        by=clinician,
        to_status=S.APPOINTMENT_SCHEDULED,
        appointment_at=later,
        note="Clinic cancelled",
    )
    assert linkage.appointment_at == later
    assert linkage.changes[-1].from_status is linkage.changes[-1].to_status
    # The path keeps every appointment, not only the current one.
    assert [c.appointment_at for c in linkage.changes if c.appointment_at] == [first, later]
    assert _events()[-1].detail == "appointment rescheduled"


def test_status_changes_are_refused_to_officers_and_on_closed_cases(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, officer = setting
    linkage = make_linkage(case, clinician)
    with pytest.raises(LinkageNotAllowed):
        services.change_linkage_status(linkage, by=officer, to_status=S.REFERRED)
    case.status = CaseStatus.CLOSED
    db.session.flush()
    with pytest.raises(LinkageError, match="case is closed"):
        services.change_linkage_status(linkage, by=clinician, to_status=S.REFERRED)
    assert linkage.status is S.IDENTIFIED


def test_substance_use_connections_are_audited_as_substance_use(setting) -> None:  # type: ignore[no-untyped-def]
    case, clinician, _ = setting
    program = make_provider(LinkageKind.SUBSTANCE_USE_PROGRAM, name="Harbor Recovery")
    linkage = services.create_linkage(
        case, by=clinician, kind=LinkageKind.SUBSTANCE_USE_PROGRAM, provider=program
    )
    services.change_linkage_status(linkage, by=clinician, to_status=S.REFERRED)
    services.record_linkage_view(linkage, by=clinician)
    events = _events()
    assert [e.action for e in events] == [AuditAction.CREATE, AuditAction.UPDATE, AuditAction.VIEW]
    assert {e.category for e in events} == {DataCategory.SUBSTANCE_USE}
    assert all(e.person_id == case.person_id for e in events)


# The provider directory --------------------------------------------------------------


def test_a_provider_without_coordinates_is_placed_at_its_zip_centroid(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    provider = services.create_provider(
        ProviderDetails(
            name="  Bronx  Outpatient ",
            kind=LinkageKind.OUTPATIENT_CLINIC,
            address="1 E 161st St, Bronx, NY 10451",
            languages="Spanish,  English ,",
        ),
        by=admin,
    )
    assert provider.name == "Bronx Outpatient" and provider.languages == "Spanish, English"
    assert (provider.latitude, provider.longitude) == pytest.approx((40.8222, -73.9217))
    [event] = _events("provider")
    assert event.action is AuditAction.CREATE and event.person_id is None


def test_given_coordinates_win_and_an_address_without_zip_has_no_point(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    placed = services.create_provider(
        ProviderDetails(
            name="Exact",
            kind=LinkageKind.IMT,
            address="1 Main St, Bronx, NY 10451",
            latitude=40.81,
            longitude=-73.93,
        ),
        by=admin,
    )
    assert (placed.latitude, placed.longitude) == (40.81, -73.93)
    unplaced = services.create_provider(
        ProviderDetails(name="Somewhere", kind=LinkageKind.IMT, address="Behind the library"),
        by=admin,
    )
    assert unplaced.latitude is None and unplaced.longitude is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "needs a name"),
        ({"latitude": 40.7}, "latitude", "both latitude and longitude"),
        ({"latitude": 91.0, "longitude": 0.0}, "latitude", "between -90 and 90"),
        ({"latitude": 40.0, "longitude": -181.0}, "longitude", "between -180 and 180"),
        ({"kind": LinkageKind.FAMILY}, "kind", "support contacts"),
        ({"phone": "5" * 41}, "phone", "40 characters"),
    ],
)
def test_bad_provider_details_are_refused_on_their_field(
    app: Flask, changes, field, message
) -> None:  # type: ignore[no-untyped-def]
    details = ProviderDetails(name="Clinic", kind=LinkageKind.OUTPATIENT_CLINIC, **{})
    for key, value in changes.items():
        setattr(details, key, value)
    with pytest.raises(ProviderError, match=message) as error:
        services.create_provider(details, by=make_user(Role.ADMIN))
    assert error.value.field == field
    assert db.session.scalars(select(Provider)).all() == []


def test_the_same_provider_at_the_same_address_is_a_conflict(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    details = ProviderDetails(name="Clinic", kind=LinkageKind.IMT, address="1 Main St 10451")
    services.create_provider(details, by=admin)
    with pytest.raises(Conflict, match="already in the directory"):
        services.create_provider(
            ProviderDetails(name="CLINIC", kind=LinkageKind.IMT, address="1 main st 10451"),
            by=admin,
        )
    # Another site of the same organisation is a separate entry.
    services.create_provider(
        ProviderDetails(name="Clinic", kind=LinkageKind.IMT, address="9 Other Ave 11207"),
        by=admin,
    )


def test_updating_a_provider_relocates_a_moved_address_and_retires_without_deleting(
    app: Flask,
) -> None:
    admin = make_user(Role.ADMIN)
    provider = services.create_provider(
        ProviderDetails(name="Moving Clinic", kind=LinkageKind.IMT, address="1 Main St 10451"),
        by=admin,
    )
    old_point = (provider.latitude, provider.longitude)
    # The form sends the old coordinates back untouched: they belong to the old address.
    services.update_provider(
        provider,
        ProviderDetails(
            name="Moving Clinic",
            kind=LinkageKind.IMT,
            address="1 Pennsylvania Ave, Brooklyn 11207",
            latitude=old_point[0],
            longitude=old_point[1],
        ),
        by=admin,
    )
    assert (provider.latitude, provider.longitude) == pytest.approx((40.6705, -73.894))
    services.update_provider(
        provider,
        ProviderDetails(
            name="Moving Clinic",
            kind=LinkageKind.IMT,
            address="1 Pennsylvania Ave, Brooklyn 11207",
            latitude=40.6705,
            longitude=-73.894,
            accepting_referrals=False,
            active=False,
        ),
        by=admin,
    )
    db.session.expire_all()
    kept = db.session.get(Provider, provider.id)
    assert kept is not None and not kept.active and not kept.accepting_referrals
    details = [e.detail for e in _events("provider")]
    assert details[1] == "changed address, location"
    assert details[2] == "changed accepting referrals, active"

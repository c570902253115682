"""Connection screens and the provider directory over HTTP: who sees what, and the journey."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseStatus
from coresponse.clock import program_today
from coresponse.extensions import db
from coresponse.linkages import services
from coresponse.linkages.models import Linkage, LinkageKind, LinkageStatus, Provider
from tests.factories import make_case, make_person, make_staffed_team, make_user
from tests.linkages.helpers import make_linkage, make_provider, make_support_contact

CANARY = "CANARY-LINKAGE-91b2"


def _errors(page: str) -> list[str]:
    return [html.unescape(e) for e in re.findall(r'<p class="error"[^>]*>([^<]*)</p>', page)]


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    """A staffed team with an open case and one identified connection."""
    team, officer, _, clinician = make_staffed_team()
    person = make_person(first_name="Dana", last_name="Okafor")
    case = make_case(team, person)
    linkage = make_linkage(case, clinician, kind=LinkageKind.IMT)
    db.session.commit()
    return {
        "team": team,
        "officer": officer,
        "clinician": clinician,
        "person": person,
        "case": case,
        "linkage": linkage,
    }


def _linkage_urls(case_id: int, linkage_id: int) -> list[tuple[str, str]]:
    return [
        ("GET", f"/cases/{case_id}/linkages/new"),
        ("GET", f"/cases/{case_id}/linkages/new?kind=imt"),
        ("POST", f"/cases/{case_id}/linkages/new"),
        ("GET", f"/linkages/{linkage_id}"),
        ("POST", f"/linkages/{linkage_id}/status"),
    ]


def test_anonymous_users_are_sent_to_login(client, world) -> None:  # type: ignore[no-untyped-def]
    provider = make_provider()
    urls = [
        *_linkage_urls(world["case"].id, world["linkage"].id),
        ("GET", "/providers/"),
        ("GET", "/providers/new"),
        ("POST", "/providers/new"),
        ("GET", f"/providers/{provider.id}/edit"),
        ("POST", f"/providers/{provider.id}/edit"),
    ]
    for method, url in urls:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert response.location.startswith("/login"), url


@pytest.mark.parametrize(
    ("role", "discipline"),
    [
        (Role.OFFICER, None),
        (Role.SUPERVISOR, Discipline.POLICE),
        (Role.ANALYST, None),
        (Role.ADMIN, None),
    ],
)
def test_connections_are_404_to_everyone_but_clinical_staff(login, world, role, discipline) -> None:  # type: ignore[no-untyped-def]
    user = world["officer"] if role is Role.OFFICER else make_user(role, discipline=discipline)
    client = login(user)
    for method, url in _linkage_urls(world["case"].id, world["linkage"].id):
        data = {"kind": "imt", "target_name": "X", "to_status": "referred"}
        response = client.open(url, method=method, data=data if method == "POST" else None)
        assert response.status_code == 404, (method, url)
    # The directory describes services, not people: anyone signed in may read it.
    assert client.get("/providers/").status_code == 200
    db.session.expire_all()
    assert db.session.get(Linkage, world["linkage"].id).status is LinkageStatus.IDENTIFIED
    assert len(db.session.scalars(select(Linkage)).all()) == 1


def test_a_clinician_of_another_team_gets_404(login, world) -> None:  # type: ignore[no-untyped-def]
    *_, other_clinician = make_staffed_team()
    client = login(other_clinician)
    for method, url in _linkage_urls(world["case"].id, world["linkage"].id):
        assert client.open(url, method=method).status_code == 404, url


def test_only_clinicians_and_admins_manage_the_directory(login, app) -> None:  # type: ignore[no-untyped-def]
    provider = make_provider(name="Open Door")
    for role, discipline in (
        (Role.OFFICER, None),
        (Role.ANALYST, None),
        (Role.SUPERVISOR, Discipline.POLICE),
    ):
        client = login(make_user(role, discipline=discipline))
        page = client.get("/providers/").get_data(as_text=True)
        assert "Open Door" in page and "New provider" not in page and "/edit" not in page
        assert client.get("/providers/new").status_code == 403
        assert client.post("/providers/new", data={"name": "X", "kind": "imt"}).status_code == 403
        assert client.get(f"/providers/{provider.id}/edit").status_code == 403
        client.post("/logout")
    client = login(make_user(Role.ADMIN))
    assert client.get("/providers/new").status_code == 200
    assert client.get("/providers/999999/edit").status_code == 404


def test_clinician_takes_a_connection_from_identified_to_verified(login, world, app) -> None:  # type: ignore[no-untyped-def]
    case = world["case"]
    # The person lives at 40.6705, -73.894 (East New York).
    near = make_provider(
        LinkageKind.OUTPATIENT_CLINIC, name="Near Clinic", latitude=40.6800, longitude=-73.8940
    )
    make_provider(
        LinkageKind.OUTPATIENT_CLINIC, name="Far Clinic", latitude=40.8000, longitude=-73.9500
    )
    make_provider(LinkageKind.OUTPATIENT_CLINIC, name="Waitlist Only", accepting_referrals=False)
    client = login(world["clinician"])

    first = client.get(f"/cases/{case.id}/linkages/new")
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert (
        '<optgroup label="Treatment">' in page and '<optgroup label="Family and friends">' in page
    )
    assert "Nearest providers" not in page  # no kind chosen yet

    page = client.get(f"/cases/{case.id}/linkages/new?kind=outpatient_clinic").get_data(
        as_text=True
    )
    nearest = page.split("Nearest providers")[1].split("</ol>")[0]
    assert nearest.index("Near Clinic") < nearest.index("Far Clinic")
    assert "1.1 km · 0.7 mi" in nearest
    assert "Waitlist Only" not in nearest  # not taking referrals: not suggested
    assert f'href="/cases/{case.id}"' in page

    chosen = client.get(
        f"/cases/{case.id}/linkages/new?kind=outpatient_clinic&provider_id={near.id}"
    ).get_data(as_text=True)
    assert f'<option selected value="{near.id}">' in chosen or (
        f'value="{near.id}" selected' in chosen
    )

    response = client.post(
        f"/cases/{case.id}/linkages/new",
        data={"kind": "outpatient_clinic", "provider_id": str(near.id), "note": "Prefers mornings"},
    )
    assert response.status_code == 302
    linkage = db.session.scalar(select(Linkage).where(Linkage.provider_id == near.id))
    assert response.location == f"/linkages/{linkage.id}"

    page = client.get(response.location).get_data(as_text=True)
    assert "Connection to Near Clinic recorded as identified." in page
    assert "Prefers mornings" in page and f'href="/cases/{case.id}"' in page
    assert "Referral sent" in page and "Not connected" in page
    assert "Connected (verified)" not in page.split("Next step")[1]  # not offered yet
    assert db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.VIEW,
            AuditEvent.record_type == "linkage",
            AuditEvent.record_id == str(linkage.id),
        )
    )

    url = f"/linkages/{linkage.id}/status"
    steps = [
        {"to_status": "referred", "referred-note": "Faxed intake form"},
        {"to_status": "waitlisted", "waitlisted-note": "About three weeks"},
        {
            "to_status": "appointment_scheduled",
            "appointment_scheduled-appointment_at": "2030-05-01T10:30",
        },
    ]
    for data in steps:
        response = client.post(url, data=data)
        assert response.status_code == 302, _errors(response.get_data(as_text=True))
    db.session.expire_all()
    linkage = db.session.get(Linkage, linkage.id)
    assert linkage.status is LinkageStatus.APPOINTMENT_SCHEDULED
    # 10:30 in New York on 1 May (daylight time) is 14:30 UTC.
    assert linkage.appointment_at == datetime(2030, 5, 1, 14, 30, tzinfo=UTC)

    today = program_today()
    response = client.post(
        url,
        data={
            "to_status": "connected",
            "connected-verification_method": "provider_confirmed",
            "connected-verified_by": "Intake nurse R. Diaz",
            "connected-verified_on": today.isoformat(),
            "connected-note": "Attended first session",
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Connection to Near Clinic is now connected (verified)." in page
    assert "Intake nurse R. Diaz" in page and "Confirmed by the provider" in page
    assert "Wed 1 May 2030, 10:30" in page
    path = page.split("<h2>Path</h2>")[1].split("</ol>")[0]
    for label in ("Identified", "Referred", "Waitlisted", "Appointment scheduled", "Connected"):
        assert label in path
    assert "Faxed intake form" in path and "About three weeks" in path
    assert "“Connected (verified)” is final." in page and 'name="to_status"' not in page


def test_connected_without_verification_is_refused_with_field_errors(login, world) -> None:  # type: ignore[no-untyped-def]
    linkage = world["linkage"]
    services.change_linkage_status(linkage, by=world["clinician"], to_status=LinkageStatus.REFERRED)
    client = login(world["clinician"])
    response = client.post(
        f"/linkages/{linkage.id}/status",
        data={"to_status": "connected", "connected-verified_by": "", "connected-note": "sent"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert set(_errors(page)) == {
        "Say how the connection was verified.",
        "Say who verified the connection.",
        "Give the date it was verified.",
    }
    assert '<details class="step step-connected" open>' in page
    future = (program_today() + timedelta(days=2)).isoformat()
    response = client.post(
        f"/linkages/{linkage.id}/status",
        data={
            "to_status": "connected",
            "connected-verification_method": "records",
            "connected-verified_by": "Me",
            "connected-verified_on": future,
        },
    )
    assert response.status_code == 422
    assert "The verification date cannot be in the future." in _errors(
        response.get_data(as_text=True)
    )
    db.session.expire_all()
    assert db.session.get(Linkage, linkage.id).status is LinkageStatus.REFERRED


def test_steps_that_are_not_next_are_refused_with_the_allowed_ones(login, world) -> None:  # type: ignore[no-untyped-def]
    linkage = world["linkage"]
    client = login(world["clinician"])
    response = client.post(
        f"/linkages/{linkage.id}/status",
        data={"to_status": "waitlisted", "waitlisted-note": "x"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "An identified connection can next be: referred, not connected." in page
    response = client.post(f"/linkages/{linkage.id}/status", data={"to_status": "teleported"})
    assert response.status_code == 422
    assert "Choose one of the next steps offered." in response.get_data(as_text=True)
    response = client.post(
        f"/linkages/{linkage.id}/status",
        data={"to_status": "not_connected", "not_connected-not_connected_reason": "  "},
    )
    assert response.status_code == 422
    assert "Say why the connection was not made." in _errors(response.get_data(as_text=True))
    response = client.post(
        f"/linkages/{linkage.id}/status",
        data={"to_status": "referred", "referred-note": "x" * 5000},
    )
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Linkage, linkage.id).status is LinkageStatus.IDENTIFIED


def test_bad_appointment_input_is_a_422(login, world) -> None:  # type: ignore[no-untyped-def]
    linkage = world["linkage"]
    services.change_linkage_status(linkage, by=world["clinician"], to_status=LinkageStatus.REFERRED)
    client = login(world["clinician"])
    for value in ("", "next tuesday"):
        response = client.post(
            f"/linkages/{linkage.id}/status",
            data={
                "to_status": "appointment_scheduled",
                "appointment_scheduled-appointment_at": value,
            },
        )
        assert response.status_code == 422
        assert _errors(response.get_data(as_text=True))


def test_invalid_new_connections_are_rerendered_with_errors(login, world) -> None:  # type: ignore[no-untyped-def]
    case = world["case"]
    client = login(world["clinician"])
    url = f"/cases/{case.id}/linkages/new"

    response = client.post(url, data={"kind": "act", "provider_id": "", "target_name": ""})
    assert response.status_code == 422
    assert (
        "Choose a provider from the directory, or type the name of the program or service."
        in _errors(response.get_data(as_text=True))
    )
    response = client.post(url, data={"kind": "act", "provider_id": "12345"})
    assert response.status_code == 422
    assert "Choose a provider from the list." in _errors(response.get_data(as_text=True))
    response = client.post(url, data={"kind": "rocket"})
    assert response.status_code == 422
    assert client.get(f"{url}?kind=rocket").status_code == 422
    assert client.get(f"{url}?kind=act&provider_id=abc").status_code == 400

    # Family: only this person's family and friends are offered or accepted.
    stranger = make_support_contact(make_person(), name="Not Their Brother")
    sister = make_support_contact(world["person"], name="Sister Okafor")
    page = client.get(f"{url}?kind=family").get_data(as_text=True)
    assert "Sister Okafor" in page and "Not Their Brother" not in page
    response = client.post(url, data={"kind": "family", "support_contact_id": str(stranger.id)})
    assert response.status_code == 422
    assert "Choose one of the person's support contacts." in _errors(
        response.get_data(as_text=True)
    )
    assert len(db.session.scalars(select(Linkage)).all()) == 1

    response = client.post(url, data={"kind": "family", "support_contact_id": str(sister.id)})
    assert response.status_code == 302


def test_a_closed_case_takes_no_new_connections(login, app) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    case = make_case(team, status=CaseStatus.CLOSED)
    client = login(clinician)
    page = client.get(f"/cases/{case.id}/linkages/new").get_data(as_text=True)
    assert "This case is closed. Reopen it" in page and "Save as identified" not in page
    response = client.post(
        f"/cases/{case.id}/linkages/new", data={"kind": "legal", "target_name": "Legal Aid"}
    )
    assert response.status_code == 422
    assert "This case is closed. Reopen it before recording a connection." in response.get_data(
        as_text=True
    )


def test_providers_are_added_edited_and_retired(login, app) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.CLINICIAN))
    form = {
        "name": "Concourse Clinic",
        "kind": "outpatient_clinic",
        "address": "1 E 161st St, Bronx, NY 10451",
        "latitude": "",
        "longitude": "",
        "phone": "(718) 555-0111",
        "languages": "English, Spanish",
        "accepting_referrals": "y",
        "active": "y",
    }
    response = client.post("/providers/new", data=form)
    assert response.status_code == 302
    provider = db.session.scalar(select(Provider).where(Provider.name == "Concourse Clinic"))
    # Offline, the ZIP code places it at the ZIP's centre.
    assert (provider.latitude, provider.longitude) == pytest.approx((40.8222, -73.9217))
    listing = client.get(response.location).get_data(as_text=True)
    assert "Saved Concourse Clinic." in listing and "Concourse Clinic" in listing

    for bad, message in (
        ({"latitude": "north", "longitude": "-73.9"}, "Not a valid float value."),
        ({"latitude": "95", "longitude": "-73.9"}, "Latitude must be between -90 and 90."),
        ({"latitude": "40.8", "longitude": ""}, "Give both latitude and longitude, or neither."),
        ({"name": ""}, "This field is required."),
        ({"kind": "family"}, "Not a valid choice."),
    ):
        response = client.post("/providers/new", data={**form, "name": "Other", **bad})
        assert response.status_code == 422, bad
        assert message in _errors(response.get_data(as_text=True)), bad
    response = client.post("/providers/new", data=form)
    assert response.status_code == 409
    assert "already in the directory" in response.get_data(as_text=True)

    edit = client.get(f"/providers/{provider.id}/edit").get_data(as_text=True)
    assert 'value="Concourse Clinic"' in edit and 'value="40.8222"' in edit
    response = client.post(
        f"/providers/{provider.id}/edit",
        data={**form, "latitude": "40.83", "longitude": "-73.92", "active": ""},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "It is retired" in page and "Concourse Clinic" not in page.split("<table")[1]
    db.session.expire_all()
    provider = db.session.get(Provider, provider.id)
    assert not provider.active and (provider.latitude, provider.longitude) == (40.83, -73.92)
    assert "Concourse Clinic" in client.get("/providers/?inactive=1").get_data(as_text=True)

    response = client.post(
        "/providers/new", data={**form, "name": "No Zip Place", "address": "Behind the library"}
    )
    assert response.status_code == 302
    assert "No location was found" in client.get(response.location).get_data(as_text=True)


def test_the_directory_filters_and_pages(login, app) -> None:  # type: ignore[no-untyped-def]
    for name in ("Alpha Legal", "Bravo Legal", "Charlie Legal"):
        make_provider(LinkageKind.LEGAL, name=name)
    make_provider(LinkageKind.LEGAL, name="Delta Legal", accepting_referrals=False)
    make_provider(LinkageKind.HOUSING, name="Housing First")
    app.config["PAGE_SIZE"] = 2
    client = login(make_user(Role.OFFICER))
    page = client.get("/providers/?kind=legal").get_data(as_text=True)
    assert "Alpha Legal" in page and "Bravo Legal" in page and "Charlie Legal" not in page
    next_url = re.search(r'href="(/providers/\?[^"]*after=[^"]*)"', page).group(1)
    page = client.get(next_url.replace("&amp;", "&")).get_data(as_text=True)
    assert "Charlie Legal" in page and "Delta Legal" in page and "Alpha Legal" not in page
    assert "Housing First" not in page
    page = client.get("/providers/?kind=legal&accepting=1&after=").get_data(as_text=True)
    assert "Delta Legal" not in page
    assert client.get("/providers/?kind=spaceship").status_code == 400
    assert client.get("/providers/?after=garbage").status_code == 400


def test_the_linkage_canary_never_reaches_police(login, world) -> None:  # type: ignore[no-untyped-def]
    case, clinician = world["case"], world["clinician"]
    linkage = make_linkage(
        case,
        clinician,
        kind=LinkageKind.SUBSTANCE_USE_PROGRAM,
        target_name=f"{CANARY} Recovery",
        note=f"Note {CANARY}",
    )
    services.change_linkage_status(
        linkage, by=clinician, to_status=LinkageStatus.REFERRED, note=f"Step {CANARY}"
    )
    provider = make_provider(LinkageKind.SUBSTANCE_USE_PROGRAM, name="Harbor")
    db.session.commit()
    # A clinician does see it (so the canary is really on these pages).
    clinician_client = login(clinician)
    assert CANARY in clinician_client.get(f"/linkages/{linkage.id}").get_data(as_text=True)
    clinician_client.post("/logout")

    police_supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    for user in (world["officer"], police_supervisor):
        client = login(user)
        urls = [
            *_linkage_urls(case.id, linkage.id),
            ("GET", f"/cases/{case.id}/linkages/new?kind=substance_use_program"),
            ("GET", "/providers/"),
            ("GET", "/providers/?kind=substance_use_program"),
            ("GET", "/providers/new"),
            ("GET", f"/providers/{provider.id}/edit"),
        ]
        for method, url in urls:
            response = client.open(url, method=method, data={"to_status": "waitlisted"})
            assert CANARY not in response.get_data(as_text=True), (user.role, url)
            assert response.status_code in (200, 403, 404)
        client.post("/logout")

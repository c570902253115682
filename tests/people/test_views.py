"""People pages over HTTP: search, the person's page and timeline, location correction."""

from __future__ import annotations

import math

from sqlalchemy import func, select

from coresponse.audit.models import AuditEvent
from coresponse.auth.models import Role
from coresponse.cases.models import ClosureReason
from coresponse.cases.services import close_case
from coresponse.extensions import db
from coresponse.people import timeline
from coresponse.people.models import Borough, LocationStatus, PersonAddress
from tests.factories import make_case, make_person, make_staffed_team, make_user


def test_search_page(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    make_case(team, make_person(first_name="Visible", last_name="Person"))
    make_case(make_staffed_team()[0], make_person(first_name="Hidden", last_name="Person"))
    client = login(officer)
    page = client.get("/people/?q=person").get_data(as_text=True)
    assert "Visible" in page and "Hidden" not in page
    assert client.get("/people/").status_code == 200
    assert client.get("/people/?q=person&after=garbage").status_code == 400
    refused = client.get("/people/?q=x")  # one letter: too little to search by
    assert refused.status_code == 422
    assert "Give at least two letters of a name" in refused.get_data(as_text=True)
    client.post("/logout")
    for role in (Role.ANALYST, Role.ADMIN):
        assert login(make_user(role)).get("/people/?q=person").status_code == 403
        client.post("/logout")


def test_a_search_with_a_control_character_is_refused_and_not_kept(login) -> None:  # type: ignore[no-untyped-def]
    """The search words go into the audit trail, whose pages and CSV would print a control
    character raw: the search refuses it, as every form does."""
    team, officer, _, _ = make_staffed_team()
    make_case(team, make_person(first_name="Visible", last_name="Person"))
    client = login(officer)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    response = client.get("/people/?q=pers%01on")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The search holds an invisible control character (U+0001)" in page
    assert "Visible" not in page and "\x01" not in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_person_page_visibility(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    _, stranger, _, _ = make_staffed_team()
    case = make_case(team)
    assert login(officer).get(f"/people/{case.person_id}").status_code == 200
    login(officer).post("/logout")
    assert login(stranger).get(f"/people/{case.person_id}").status_code == 404
    login(stranger).post("/logout")
    assert login(make_user(Role.ANALYST)).get(f"/people/{case.person_id}").status_code == 404


def test_timeline_shows_history_newest_first_and_filters(login) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    case = make_case(team)
    supervisor = make_user(Role.SUPERVISOR)
    close_case(case, by=supervisor, reason=ClosureReason.DECLINED_SERVICES, note="Said no twice")
    db.session.commit()
    client = login(clinician)
    page = client.get(f"/people/{case.person_id}").get_data(as_text=True)
    assert page.index("closed") < page.index("Referral received")
    assert "Said no twice" in page
    only_cases = client.get(f"/people/{case.person_id}?kind=case").get_data(as_text=True)
    assert "Referral received" not in only_cases and "closed" in only_cases
    assert client.get(f"/people/{case.person_id}?kind=bogus").status_code == 400


def test_location_can_be_set_by_hand(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    person = make_person(
        address={"location_status": LocationStatus.NEEDED, "latitude": None, "longitude": None,
                 "precinct": None, "borough": None}
    )  # fmt: skip
    make_case(team, person)
    address_id = person.addresses[0].id
    client = login(officer)
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "The address is not on the map yet" in page and "Set the location" in page
    form = client.get(f"/people/{person.id}/location").get_data(as_text=True)
    assert 'name="precinct"' not in form  # the point decides it
    for bad in ({"latitude": "95", "longitude": "-73.9"}, {"latitude": "north", "longitude": "x"},
                {"latitude": "", "longitude": "-73.9"}):  # fmt: skip
        response = client.post(f"/people/{person.id}/location", data=bad)
        assert response.status_code == 422, bad
    # The harbour: a clear message on the form, nothing saved.
    response = client.post(
        f"/people/{person.id}/location", data={"latitude": "40.66", "longitude": "-74.05"}
    )
    assert response.status_code == 422
    assert "outside the program&#39;s area" in response.get_data(as_text=True)
    # A precinct typed anyway is ignored: the point's precinct is recorded.
    response = client.post(
        f"/people/{person.id}/location",
        data={"latitude": "40.66", "longitude": "-73.9", "precinct": "120"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Location saved: the 73rd Precinct, Brooklyn." in response.get_data(as_text=True)
    db.session.expire_all()
    address = db.session.get(PersonAddress, address_id)
    assert address.location_status is LocationStatus.MANUAL
    assert (address.precinct, address.borough) == ("73", Borough.BROOKLYN)


def test_an_approximate_location_is_said_plainly_and_a_better_one_asked_for(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    person = make_person(
        address={"line1": "55 Water St", "postal_code": "10041", "latitude": 40.7038,
                 "longitude": -74.0098, "precinct": "1", "borough": Borough.MANHATTAN,
                 "location_status": LocationStatus.APPROXIMATE}
    )  # fmt: skip
    make_case(team, person)
    page = login(officer).get(f"/people/{person.id}").get_data(as_text=True)
    assert "The location is approximate: it is the centre of ZIP code 10041" in page
    assert "1st Precinct" in page and "Approximate location" in page
    assert f'href="/people/{person.id}/location">set the location</a>' in page


def test_a_point_outside_every_precinct_is_said_to_be_outside_the_area(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    person = make_person(
        address={"latitude": 40.93, "longitude": -73.90, "precinct": None, "borough": None,
                 "location_status": LocationStatus.LOCATED}
    )  # fmt: skip
    make_case(team, person)
    page = login(officer).get(f"/people/{person.id}").get_data(as_text=True)
    assert "This location is outside the program's area" in page
    assert "Outside the program's area" in page  # the card's badge


def test_a_long_timeline_pages_by_time_and_shows_every_contact_once(login) -> None:  # type: ignore[no-untyped-def]
    import re
    from datetime import timedelta

    from coresponse.clock import utcnow
    from coresponse.contacts.models import Contact, ContactOutcome, ContactType

    team, officer, _, _ = make_staffed_team()
    case = make_case(team)
    start = utcnow() - timedelta(days=200)
    db.session.add_all(
        Contact(
            case_id=case.id, person_id=case.person_id, type=ContactType.PHONE,
            occurred_at=start + timedelta(hours=n), outcome=ContactOutcome.ENGAGED,
            operational_note=f"call-{n:03d}-end", recorded_by_id=officer.id,
        )
        for n in range(130)
    )  # fmt: skip
    db.session.commit()
    client = login(officer)
    seen: list[str] = []
    url = f"/people/{case.person_id}?kind=contact"
    pages = 0
    while url:
        page = client.get(url).get_data(as_text=True)
        seen += re.findall(r"call-(\d{3})-end", page)
        older = re.search(r'href="([^"]*before=[^"]*)"[^>]*>Older entries', page)
        url = older.group(1).replace("&amp;", "&") if older else None
        pages += 1
    assert pages == math.ceil(130 / timeline.PAGE_SIZE)  # 6 pages of 25
    assert seen == [f"{n:03d}" for n in reversed(range(130))]
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Showing the newest 25 of 130" in case_page
    assert client.get(f"/people/{case.person_id}?before=yesterday").status_code == 400

"""Case pages over HTTP: who sees what, dispatch, closure, queues and caseload."""

from __future__ import annotations

from sqlalchemy import select

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import Case, CaseStatus
from coresponse.extensions import db
from coresponse.people.models import Borough
from coresponse.referrals.models import Referral
from tests.conftest import count_statements
from tests.factories import make_case, make_person, make_staffed_team, make_team, make_user

CANARY = "CANARY-CASE-REASON-3c9d"


def test_team_members_see_their_cases_and_nobody_elses(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    other, other_officer, _, _ = make_staffed_team()
    case = make_case(team)
    for user, expected in ((officer, 200), (clinician, 200), (other_officer, 404),
                           (make_user(Role.ANALYST), 404), (make_user(Role.ADMIN), 404),
                           (make_user(Role.SUPERVISOR, discipline=Discipline.POLICE), 200)):  # fmt: skip
        client = login(user)
        for url in (f"/cases/{case.id}", f"/cases/{case.id}/print"):
            assert client.get(url).status_code == expected, (user.role, url)
        client.post("/logout")
    del other


def test_officers_never_see_the_clinical_reason_on_case_pages(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    case = make_case(team)
    referral = db.session.get(Referral, case.referral_id)
    referral.reason = f"Off medication, hearing voices. {CANARY}"
    db.session.commit()
    for user, visible in ((officer, False), (clinician, True),
                          (make_user(Role.SUPERVISOR, discipline=Discipline.POLICE), False),
                          (make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL), True)):  # fmt: skip
        client = login(user)
        for url in (f"/cases/{case.id}", f"/cases/{case.id}/print", f"/people/{case.person_id}"):
            assert (CANARY in client.get(url).get_data(as_text=True)) is visible, (user.role, url)
        client.post("/logout")


def test_dispatch_screen_says_when_no_dispatchable_team_covers_the_person(login) -> None:  # type: ignore[no-untyped-def]
    person = make_person(
        address={"precinct": "122", "borough": Borough.STATEN_ISLAND, "latitude": 40.58,
                 "longitude": -74.15}
    )  # fmt: skip
    make_staffed_team(name="Brooklyn North", precincts=("75",))
    case = make_case(person=person)
    page = login(make_user(Role.SUPERVISOR)).get(f"/cases/{case.id}/assign").get_data(as_text=True)
    assert "No dispatchable team covers the 122nd Precinct (Staten Island)." in page
    assert "does not cover the 122nd Precinct" in page
    assert f"/people/{person.id}/location" not in page  # the location is not the problem
    outside = make_person(
        address={"latitude": 40.66, "longitude": -74.05, "precinct": None, "borough": None}
    )
    case = make_case(person=outside)
    page = login(make_user(Role.SUPERVISOR)).get(f"/cases/{case.id}/assign").get_data(as_text=True)
    assert "outside the program&#39;s area" in page
    assert f'href="/people/{outside.id}/location">Set the location</a>' in page


def test_dispatch_screen_ranks_and_assigns(login) -> None:  # type: ignore[no-untyped-def]
    person = make_person(address={"precinct": "75"})
    near, *_ = make_staffed_team(name="Brooklyn North", precincts=("75",))
    make_staffed_team(name="Bronx", precincts=("44",), base_latitude=40.84, base_longitude=-73.92)
    make_team(name="Forming", precincts=("75",))
    case = make_case(person=person)
    client = login(make_user(Role.SUPERVISOR))
    page = client.get(f"/cases/{case.id}/assign").get_data(as_text=True)
    assert page.index("Brooklyn North") < page.index("Bronx") < page.index("Forming")
    assert "covers the 75th Precinct" in page and "Not dispatchable: needs two officers" in page
    assert "No dispatchable team covers" not in page
    response = client.post(f"/cases/{case.id}/assign", data={"team_id": str(near.id)})
    assert response.status_code == 302 and response.location == f"/cases/{case.id}"
    db.session.expire_all()
    assert db.session.get(Case, case.id).team_id == near.id


def test_dispatch_refusals_are_4xx_with_a_message(login) -> None:  # type: ignore[no-untyped-def]
    first, *_ = make_staffed_team(name="First")
    second, *_ = make_staffed_team(name="Second")
    forming = make_team(name="Forming")
    case = make_case(first)
    client = login(make_user(Role.SUPERVISOR))
    response = client.post(f"/cases/{case.id}/assign", data={"team_id": str(second.id)})
    assert response.status_code == 422 and "Say why the case moves" in response.get_data(
        as_text=True
    )
    response = client.post(
        f"/cases/{case.id}/assign", data={"team_id": str(forming.id), "reason": "x"}
    )
    assert response.status_code == 422 and "Forming cannot take cases now" in response.get_data(
        as_text=True
    )
    assert client.post(f"/cases/{case.id}/assign", data={"team_id": "abc"}).status_code == 422
    assert client.post(f"/cases/{case.id}/assign", data={}).status_code == 422
    assert client.get("/cases/424242/assign").status_code == 404
    db.session.expire_all()
    assert db.session.get(Case, case.id).team_id == first.id


def test_only_supervisors_dispatch(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    case = make_case(team)
    for user in (officer, clinician):
        client = login(user)
        assert client.get(f"/cases/{case.id}/assign").status_code == 403
        assert (
            client.post(f"/cases/{case.id}/assign", data={"team_id": str(team.id)}).status_code
            == 403
        )
        client.post("/logout")


def test_close_and_reopen_through_the_case_page(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    case = make_case(team)
    client = login(officer)
    assert (
        client.post(f"/cases/{case.id}/close", data={"reason": "other", "note": "x"}).status_code
        == 403
    )
    client.post("/logout")
    client = login(clinician)
    response = client.post(
        f"/cases/{case.id}/close", data={"reason": "connected_to_care", "note": ""}
    )
    assert response.status_code == 422
    response = client.post(
        f"/cases/{case.id}/close", data={"reason": "connected_to_care", "note": "Engaged with IMT"}
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Connected to care" in page and "Reopen the case" in page
    response = client.post(f"/cases/{case.id}/reopen", data={"note": "Re-referred by precinct"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).status is CaseStatus.OPEN


def test_supervisor_queue_shows_each_section_with_counts(login) -> None:  # type: ignore[no-untyped-def]
    from coresponse.clock import utcnow
    from tests.factories import make_referral

    team, *_ = make_staffed_team()
    make_referral(make_person(first_name="Waiting"))
    make_case(person=make_person(first_name="Unassigned"))
    make_case(team, make_person(first_name="Overdue"))  # due 6 hours ago, no contact
    stale = make_case(team, make_person(first_name="Stale"), first_contact_at=utcnow())
    stale.last_contact_at = utcnow().replace(year=utcnow().year - 1)
    client = login(make_user(Role.SUPERVISOR))
    page = client.get("/").get_data(as_text=True)
    for title, name in (("Referrals waiting for triage", "Waiting"), ("Accepted, waiting for a team", "Unassigned"),
                        ("Past the first-contact deadline", "Overdue"), ("Open with no contact for 7 days", "Stale")):  # fmt: skip
        assert title in page and name in page
    assert client.get("/cases/queue/overdue").status_code == 200
    assert "Overdue" in client.get("/cases/queue/overdue").get_data(as_text=True)
    assert client.get("/cases/queue/nope").status_code == 404
    assert client.get("/cases/queue/stale?after=%%%").status_code == 400


def test_queue_is_for_supervisors(login) -> None:  # type: ignore[no-untyped-def]
    _, officer, _, _ = make_staffed_team()
    client = login(officer)
    assert client.get("/cases/queue/triage").status_code == 403


def test_caseload_lists_the_teams_open_cases_most_urgent_first(login) -> None:  # type: ignore[no-untyped-def]
    from datetime import timedelta

    from coresponse.clock import utcnow

    team, officer, _, _ = make_staffed_team()
    other, *_ = make_staffed_team()
    now = utcnow()
    make_case(team, make_person(first_name="Contacted"), first_contact_at=now, last_contact_at=now)
    make_case(team, make_person(first_name="Late"), first_contact_due_at=now - timedelta(hours=2))
    make_case(team, make_person(first_name="Fresh"), assigned_at=now - timedelta(hours=1),
              first_contact_due_at=now + timedelta(hours=23))  # fmt: skip
    make_case(other, make_person(first_name="Elsewhere"))
    client = login(officer)
    page = client.get("/cases/mine").get_data(as_text=True)
    assert page.index("Late") < page.index("Fresh") < page.index("Contacted")
    assert "Elsewhere" not in page and "Overdue" in page and ">New<" in page
    assert client.get("/cases/mine").status_code == 200
    supervisor = make_user(Role.SUPERVISOR)
    client.post("/logout")
    assert login(supervisor).get("/cases/mine").status_code == 403


def test_case_page_costs_a_fixed_number_of_statements(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team()
    case = make_case(team)
    client = login(officer)

    def cost() -> int:
        with count_statements() as statements:
            assert client.get(f"/cases/{case.id}").status_code == 200
        return len(statements)

    before = cost()
    # More history on the same case (assignments, events) must not add statements.
    from sqlalchemy.orm import selectinload

    from coresponse.cases.services import assign_case
    from coresponse.teams.queries import get_team

    home = get_team(team.id)
    for n in range(3):
        spare = get_team(make_staffed_team()[0].id)
        fresh = db.session.scalar(
            select(Case).where(Case.id == case.id).options(selectinload(Case.assignments))
        )
        assign_case(fresh, spare, by=make_user(Role.SUPERVISOR), reason=f"move {n}")
        assign_case(fresh, home, by=make_user(Role.SUPERVISOR), reason=f"back {n}")
    assert cost() <= before  # no growth with history (an empty eager load may be skipped)

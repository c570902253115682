"""Team screens over HTTP: who may see and change them, and the staffing journey."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.teams.models import Team, TeamMembership
from coresponse.teams.queries import get_team
from tests.conftest import count_statements
from tests.factories import add_to_team, give_training, make_staffed_team, make_team, make_user

TEAM_FORM = {
    "name": "Bronx South",
    "base_address": "450 Cross Bronx Expy, Bronx, NY",
    "base_latitude": "40.8406",
    "base_longitude": "-73.8728",
    "precincts": ["40", "42", "44"],
    "shift_start": "08:00",
    "shift_end": "20:00",
    "active": "y",
}


def test_anonymous_users_are_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    for url in ("/teams/", "/teams/new", f"/teams/{team.id}", f"/teams/{team.id}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and response.location.startswith("/login"), url


def test_everyone_sees_teams_but_only_supervisors_and_admins_change_them(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team(name="Queens West")
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.user_id == officer.id)
    )
    for role in (Role.OFFICER, Role.CLINICIAN, Role.ANALYST):
        client = login(make_user(role))
        page = client.get(f"/teams/{team.id}").get_data(as_text=True)
        assert "Queens West" in page and "Add to team" not in page and "Edit team" not in page
        assert client.get("/teams/new").status_code == 403
        assert client.post("/teams/new", data=TEAM_FORM).status_code == 403
        assert client.get(f"/teams/{team.id}/edit").status_code == 403
        assert client.post(f"/teams/{team.id}/members", data={"user_id": 1}).status_code == 403
        url = f"/teams/{team.id}/members/{membership.id}/remove"
        assert client.post(url).status_code == 403
        client.post("/logout")
    assert db.session.scalar(select(Team).where(Team.name == "Bronx South")) is None


def test_supervisor_builds_a_team_until_it_is_dispatchable(login) -> None:  # type: ignore[no-untyped-def]
    """The foundation's done-when: create a team, add members, see it become dispatchable."""
    officer_a = make_user(Role.OFFICER, full_name="Luis Ortega")
    officer_b = make_user(Role.OFFICER, full_name="Dana Kim")
    give_training(officer_a)
    give_training(officer_b)
    clinician = make_user(Role.CLINICIAN, full_name="Priya Shah")
    client = login(make_user(Role.SUPERVISOR, discipline=None))
    response = client.post("/teams/new", data=TEAM_FORM)
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "Bronx South"))
    assert response.location == f"/teams/{team.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert "Not dispatchable" in page and "Needs two officers; needs one clinician" in page
    assert "Bronx: precincts 40, 42, 44" in page and "08:00–20:00" in page
    assert "48th Precinct" in page  # the base's precinct, from its point

    response = client.post(
        f"/teams/{team.id}/members", data={"user_id": officer_a.id}, follow_redirects=True
    )
    assert (
        "Luis Ortega joined Bronx South. Still not dispatchable: needs one more officer; needs one clinician."
        in response.get_data(as_text=True)
    )
    client.post(f"/teams/{team.id}/members", data={"user_id": clinician.id})
    response = client.post(
        f"/teams/{team.id}/members", data={"user_id": officer_b.id}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    assert "Dana Kim joined Bronx South. The team is now dispatchable." in page
    assert "Not dispatchable" not in page

    listing = client.get("/teams/").get_data(as_text=True)
    assert "Dispatchable" in listing and "Priya Shah" in listing


def test_removing_a_member_keeps_history_and_says_what_is_missing(login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, _ = make_staffed_team(name="Harlem")
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.user_id == officer.id)
    )
    client = login(make_user(Role.SUPERVISOR))
    response = client.post(
        f"/teams/{team.id}/members/{membership.id}/remove",
        data={"reason": "transferred to the 28th"},
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Needs one more officer" in page
    assert "transferred to the 28th" in page  # the history row
    assert client.post(f"/teams/{team.id}/members/{membership.id}/remove").status_code == 422


def test_add_member_refusals_are_shown_with_a_4xx(login) -> None:  # type: ignore[no-untyped-def]
    team, *_ = make_staffed_team(name="Full Team")
    elsewhere = make_user(Role.OFFICER)
    add_to_team(make_team(name="Other Team"), elsewhere)
    spare_officer = make_user(Role.OFFICER, full_name="Spare Officer")
    client = login(make_user(Role.SUPERVISOR))
    response = client.post(f"/teams/{team.id}/members", data={"user_id": spare_officer.id})
    assert response.status_code == 422
    assert (
        "Full Team already has two officers. Remove one before adding Spare Officer."
        in response.get_data(as_text=True)
    )
    # Someone already on a team is not offered, and posting them anyway is refused.
    response = client.post(f"/teams/{team.id}/members", data={"user_id": elsewhere.id})
    assert response.status_code == 422
    assert "cannot join a team now" in response.get_data(as_text=True)
    assert client.post(f"/teams/{team.id}/members", data={"user_id": "abc"}).status_code == 422


def test_invalid_team_form_is_rerendered_with_errors(login) -> None:  # type: ignore[no-untyped-def]
    make_team(name="Bronx South")
    client = login(make_user(Role.SUPERVISOR))
    response = client.post("/teams/new", data={**TEAM_FORM, "base_latitude": "north"})
    assert response.status_code == 422
    assert "Not a valid float value." in response.get_data(as_text=True)
    response = client.post("/teams/new", data={**TEAM_FORM, "precincts": ["40", "500"]})
    assert response.status_code == 422
    assert "&#39;500&#39; is not an NYC police precinct." in response.get_data(as_text=True)
    response = client.post("/teams/new", data={**TEAM_FORM, "precincts": []})
    assert response.status_code == 422
    assert "A team must cover at least one precinct." in response.get_data(as_text=True)
    response = client.post(
        "/teams/new",
        data={**TEAM_FORM, "name": "Harbor", "base_latitude": "40.66", "base_longitude": "-74.05"},
    )
    assert response.status_code == 422
    assert "outside the program&#39;s area" in response.get_data(as_text=True)
    response = client.post("/teams/new", data=TEAM_FORM)
    assert response.status_code == 409
    assert "There is already a team called" in response.get_data(as_text=True)
    assert len(db.session.scalars(select(Team)).all()) == 1


def test_the_team_form_offers_every_precinct_as_a_checkbox_grouped_by_borough(login) -> None:  # type: ignore[no-untyped-def]
    """The coverage is chosen from a list (the map binds its clicks to these inputs)."""
    from bs4 import BeautifulSoup

    team = make_team(precincts=("73", "75"))
    client = login(make_user(Role.SUPERVISOR))
    html = client.get(f"/teams/{team.id}/edit").get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    boxes = page.select('input[type="checkbox"][name="precincts"]')
    assert len(boxes) == 77  # the 2021 boundaries' precincts
    assert [b["value"] for b in boxes if b.has_attr("checked")] == ["73", "75"]
    groups = {
        g["data-borough"]: [b["value"] for b in g.select('input[name="precincts"]')]
        for g in page.select("fieldset.borough-group")
    }
    assert list(groups) == ["MN", "BX", "BK", "QN", "SI"]
    assert groups["SI"] == ["120", "121", "122", "123"] and "116" not in groups["QN"]
    assert '<input type="checkbox" name="precincts" value="75"' in html
    assert page.select_one('input[name="boroughs"]') is None


def test_supervisor_edits_a_team(login) -> None:  # type: ignore[no-untyped-def]
    team = make_team(name="Old Name")
    client = login(make_user(Role.SUPERVISOR))
    form = client.get(f"/teams/{team.id}/edit").get_data(as_text=True)
    assert 'value="Old Name"' in form and 'value="75"' in form
    response = client.post(
        f"/teams/{team.id}/edit",
        data={**TEAM_FORM, "name": "New Name", "shift_start": "", "shift_end": ""},
    )
    assert response.status_code == 302
    db.session.refresh(team)
    assert team.name == "New Name" and team.around_the_clock
    db.session.expire_all()
    assert get_team(team.id).precincts == ["40", "42", "44"]
    response = client.post(f"/teams/{team.id}/edit", data={**TEAM_FORM, "name": ""})
    assert response.status_code == 422


def test_missing_team_and_membership_are_404(login) -> None:  # type: ignore[no-untyped-def]
    team = make_team()
    _other_team, officer, _, _ = make_staffed_team()
    membership = db.session.scalar(
        select(TeamMembership).where(TeamMembership.user_id == officer.id)
    )
    client = login(make_user(Role.SUPERVISOR))
    assert client.get("/teams/4242").status_code == 404
    assert client.post("/teams/4242/members", data={"user_id": officer.id}).status_code == 404
    # A membership of another team cannot be ended through this team's URL.
    assert client.post(f"/teams/{team.id}/members/{membership.id}/remove").status_code == 404


def test_team_list_and_home_use_a_fixed_number_of_queries(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    make_staffed_team()

    def add_untrained_team() -> None:
        untrained = make_team()
        for role in (Role.OFFICER, Role.OFFICER, Role.CLINICIAN):
            add_to_team(untrained, make_user(role))

    add_untrained_team()

    def queries_for(url: str) -> int:
        with count_statements() as statements:
            assert client.get(url).status_code == 200
        return len(statements)

    few = {url: queries_for(url) for url in ("/teams/", "/")}
    for _ in range(5):
        make_staffed_team()
        # Training is read with the teams, not for each: officers without it cost nothing.
        add_untrained_team()
    many = {url: queries_for(url) for url in ("/teams/", "/")}
    assert client.get("/").get_data(as_text=True).count("no current Crisis") == 12
    assert few == many
    # The supervisor's home carries the whole queue; issue 6 tightens this budget.
    assert many["/teams/"] <= 8 and many["/"] <= 20


def test_members_see_their_team_on_the_home_page(login) -> None:  # type: ignore[no-untyped-def]
    _team, officer, _, clinician = make_staffed_team(name="Staten Island")
    page = login(officer).get("/").get_data(as_text=True)
    assert "Your team:" in page and "Staten Island" in page and clinician.full_name in page

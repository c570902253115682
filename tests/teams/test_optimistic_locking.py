"""Team membership: two supervisors changing the members at once cannot both win."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.teams.models import Team, TeamMembership
from tests.factories import add_to_team, make_team, make_user
from tests.ops.locking import assert_conflict_page, form_version, logged_in


def _current(team: Team, role: Role) -> int:
    from coresponse.auth.models import User

    return db.session.scalar(
        select(func.count())
        .select_from(TeamMembership)
        .join(User, User.id == TeamMembership.user_id)
        .where(TeamMembership.team_id == team.id, TeamMembership.left_at.is_(None),
               User.role == role)
    )  # fmt: skip


def test_two_supervisors_filling_the_clinician_place_the_second_gets_409(app: Flask) -> None:
    team = make_team(name="Team Harlem")
    for _ in range(2):
        add_to_team(team, make_user(Role.OFFICER))
    first_pick = make_user(Role.CLINICIAN, full_name="Kim Alvarez")
    second_pick = make_user(Role.CLINICIAN, full_name="Lee Brandt")
    one = make_user(Role.SUPERVISOR, full_name="Sgt. One")
    two = make_user(Role.SUPERVISOR, full_name="Sgt. Two")
    first, second = logged_in(app, one), logged_in(app, two)
    url = f"/teams/{team.id}"
    version_a = form_version(first.get(url).get_data(as_text=True))
    version_b = form_version(second.get(url).get_data(as_text=True))
    assert version_a == version_b

    added = first.post(f"{url}/members", data={"user_id": first_pick.id, "version": version_a})
    assert added.status_code == 302
    stale = second.post(f"{url}/members", data={"user_id": second_pick.id, "version": version_b})
    assert stale.status_code == 409
    assert_conflict_page(stale.get_data(as_text=True), "Add Lee Brandt", "Kim Alvarez", "Sgt. One")
    assert _current(team, Role.CLINICIAN) == 1


def test_removing_from_a_stale_page_is_refused(app: Flask) -> None:
    team = make_team(name="Team Bronx")
    leaving = make_user(Role.OFFICER, full_name="Officer Leaving")
    membership = add_to_team(team, leaving)
    newcomer = make_user(Role.OFFICER, full_name="Officer Newcomer")
    one, two = make_user(Role.SUPERVISOR), make_user(Role.ADMIN)
    first, second = logged_in(app, one), logged_in(app, two)
    url = f"/teams/{team.id}"
    version = form_version(second.get(url).get_data(as_text=True))
    assert first.post(f"{url}/members", data={"user_id": newcomer.id,
                      "version": version}).status_code == 302  # fmt: skip
    stale = second.post(f"{url}/members/{membership.id}/remove",
                        data={"reason": "transferred", "version": version})  # fmt: skip
    assert stale.status_code == 409
    assert_conflict_page(stale.get_data(as_text=True), "Remove Officer Leaving", "Officer Newcomer")
    db.session.expire_all()
    assert db.session.get(TeamMembership, membership.id).left_at is None


def test_editing_a_team_from_a_stale_form_is_refused(app: Flask) -> None:
    team = make_team(name="Team Queens", precincts=("103",))
    one, two = make_user(Role.SUPERVISOR), make_user(Role.SUPERVISOR)
    first, second = logged_in(app, one), logged_in(app, two)
    url = f"/teams/{team.id}/edit"
    version = form_version(second.get(url).get_data(as_text=True))
    form = {"base_address": team.base_address, "precincts": "103", "active": "y"}
    assert (
        first.post(url, data={**form, "name": "Team Jamaica", "version": version}).status_code
        == 302
    )
    stale = second.post(url, data={**form, "name": "Team Hollis", "version": version})
    assert stale.status_code == 409
    assert_conflict_page(stale.get_data(as_text=True), "Team Hollis", "Team Jamaica")
    db.session.expire_all()
    assert db.session.get(Team, team.id).name == "Team Jamaica"

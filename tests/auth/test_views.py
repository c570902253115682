"""Login, logout, passwords and the administrators' user screens, over HTTP."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Discipline, Role, User
from coresponse.auth.services import LOGIN_REFUSED
from coresponse.extensions import db
from tests.factories import PASSWORD, add_to_team, make_team, make_user

NEW_PASSWORD = "a brand new passphrase"


def test_login_page_renders(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/login")
    assert response.status_code == 200
    assert "Log in" in response.get_data(as_text=True)


def test_login_then_home_then_logout(client) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.CLINICIAN, username="casey", full_name="Casey Lin")
    response = client.post("/login", data={"username": "Casey", "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/"
    home = client.get("/")
    assert "Casey Lin" in home.get_data(as_text=True)
    assert "not on a team yet" in home.get_data(as_text=True)
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_failed_login_says_the_same_for_unknown_users_and_wrong_passwords(client) -> None:  # type: ignore[no-untyped-def]
    make_user(username="casey")
    wrong = client.post("/login", data={"username": "casey", "password": "not the password"})
    unknown = client.post("/login", data={"username": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 422
    message = LOGIN_REFUSED
    assert message in wrong.get_data(as_text=True)
    assert message in unknown.get_data(as_text=True)


def test_disabled_accounts_cannot_log_in(client) -> None:  # type: ignore[no-untyped-def]
    make_user(username="gone", active=False)
    response = client.post("/login", data={"username": "gone", "password": PASSWORD})
    assert response.status_code == 422


def test_empty_login_form_is_rerendered_with_errors(client) -> None:  # type: ignore[no-untyped-def]
    response = client.post("/login", data={})
    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


def test_login_follows_only_local_next_links(client) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.ADMIN, username="root1")
    data = {"username": "root1", "password": PASSWORD}
    assert client.post("/login?next=/teams/", data=data).location == "/teams/"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        assert client.post(f"/login?next={evil}", data=data).location == "/"
        client.post("/logout")


def test_an_odd_next_link_is_ignored_and_the_login_still_goes_home(client) -> None:  # type: ignore[no-untyped-def]
    """The review's `next=/%0d%0a...` logged the user in and then answered 500."""
    make_user(Role.ADMIN, username="root2")
    data = {"username": "root2", "password": PASSWORD}
    for odd in ("/%0d%0aSet-Cookie:%20x=1", "/teams/%0a", "/%09/evil.example", "/teams/%7f",
                "/teams/%c2%85", "/%e2%80%a8", " /teams/", "/teams/ x", "/%5cevil.example"):  # fmt: skip
        response = client.post(f"/login?next={odd}", data=data)
        assert response.status_code == 302 and response.location == "/", odd
        assert client.get("/").status_code == 200  # logged in
        client.post("/logout")
    # Ordinary local links, query strings included, are still followed.
    assert client.post("/login?next=/teams/%3Fpage%3D2", data=data).location == "/teams/?page=2"


def test_disabling_an_account_ends_its_live_session(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    officer = make_user(Role.OFFICER)
    client = login(officer)
    assert client.get("/teams/").status_code == 200
    admin = make_user(Role.ADMIN)
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": admin.username, "password": PASSWORD})
    assert admin_client.post(f"/users/{officer.id}/disable").status_code == 302
    # The officer's cookie is still in their browser, but it no longer works.
    response = client.get("/teams/")
    assert response.status_code == 302 and response.location.startswith("/login")


def test_reset_password_forces_a_change_at_next_login(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user(username="temp1", must_change_password=True)
    client = login(user)
    assert client.get("/teams/").location == "/account/password"
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/teams/").status_code == 200
    db.session.refresh(user)
    assert not user.must_change_password


def test_change_password_errors_are_shown_on_the_form(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user())
    response = client.post(
        "/account/password",
        data={"current_password": "wrong one", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 422
    assert "The current password is not correct." in response.get_data(as_text=True)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": "different"},
    )
    assert response.status_code == 422
    assert "The passwords differ." in response.get_data(as_text=True)


def test_only_admins_reach_the_user_screens(login) -> None:  # type: ignore[no-untyped-def]
    target = make_user()
    for role in (Role.SUPERVISOR, Role.CLINICIAN, Role.OFFICER, Role.ANALYST):
        client = login(make_user(role))
        for url in (
            "/users/",
            "/users/new",
            f"/users/{target.id}/edit",
            f"/users/{target.id}/reset-password",
        ):
            assert client.get(url).status_code == 403, (role, url)
        for url in (f"/users/{target.id}/disable", f"/users/{target.id}/enable"):
            assert client.post(url).status_code == 403, (role, url)
        client.post("/logout")


def test_user_list_pages_by_keyset_and_filters(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    app.config["PAGE_SIZE"] = 5
    admin = make_user(Role.ADMIN, username="aaa-admin")
    for n in range(8):
        make_user(Role.OFFICER, username=f"officer-{n:02d}")
    client = login(admin)
    first = client.get("/users/?role=officer").get_data(as_text=True)
    assert "officer-00" in first and "officer-04" in first and "officer-05" not in first
    assert "aaa-admin" not in first
    next_link = first.split('href="/users/?')[-1].split('"')[0].replace("&amp;", "&")
    assert "after=" in next_link
    second = client.get("/users/?" + next_link).get_data(as_text=True)
    assert "officer-05" in second and "officer-07" in second and "officer-04" not in second
    assert "Next page" not in second
    assert client.get("/users/?q=officer-03").get_data(as_text=True).count("<code>officer-0") == 1


def test_user_list_refuses_bad_filters_and_cursors(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    assert client.get("/users/?role=wizard").status_code == 400
    response = client.get("/users/?after=not-a-cursor!")
    assert response.status_code == 400
    assert "not valid" in response.get_data(as_text=True)


def test_admin_creates_a_supervisor(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    response = client.post(
        "/users/new",
        data={
            "username": "sgt.rivera",
            "full_name": "Ana Rivera",
            "role": "supervisor",
            "discipline": "police",
            "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "sgt.rivera"))
    assert user.role is Role.SUPERVISOR and user.discipline is Discipline.POLICE
    assert user.must_change_password


def test_create_user_form_shows_each_problem(login) -> None:  # type: ignore[no-untyped-def]
    make_user(username="taken")
    client = login(make_user(Role.ADMIN))
    base = {"full_name": "X Y", "role": "supervisor", "discipline": "", "password": NEW_PASSWORD,
            "confirm": NEW_PASSWORD}  # fmt: skip
    response = client.post("/users/new", data={**base, "username": "newsup"})
    assert response.status_code == 422
    assert "A supervisor needs a discipline" in response.get_data(as_text=True)
    response = client.post("/users/new", data={**base, "username": "taken", "role": "analyst"})
    assert response.status_code == 409
    assert "already taken" in response.get_data(as_text=True)
    response = client.post("/users/new", data={**base, "username": "x1", "role": "wizard"})
    assert response.status_code == 422
    # No role is chosen for the user: the form asks for one (no default, least of all admin).
    form = client.get("/users/new").get_data(as_text=True)
    assert '<option selected value="">— choose a role —</option>' in form
    response = client.post("/users/new", data={**base, "username": "x1", "role": ""})
    assert response.status_code == 422
    assert "Choose the user&#39;s role." in response.get_data(as_text=True)
    response = client.post("/users/new", data={**base, "username": "x2", "role": "analyst",
                                                "password": "short", "confirm": "short"})  # fmt: skip
    assert response.status_code == 422
    assert "at least 12" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.username.in_(["newsup", "x1", "x2"]))) is None


def test_admin_edits_disables_enables_and_resets(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    user = make_user(Role.ANALYST)
    response = client.post(
        f"/users/{user.id}/edit",
        data={"full_name": "Renamed Person", "role": "analyst", "email": ""},
    )
    assert response.status_code == 302
    assert client.post(f"/users/{user.id}/disable").status_code == 302
    assert "Disabled" in client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    response = client.post(f"/users/{user.id}/disable")
    assert response.status_code == 422
    assert "already disabled" in response.get_data(as_text=True)
    assert client.post(f"/users/{user.id}/enable").status_code == 302
    response = client.post(
        f"/users/{user.id}/reset-password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.full_name == "Renamed Person" and user.active and user.must_change_password


def test_role_change_of_a_team_member_is_refused_on_the_form(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    officer = make_user(Role.OFFICER)
    add_to_team(make_team(name="Queens South"), officer)
    response = client.post(
        f"/users/{officer.id}/edit", data={"full_name": "O", "role": "clinician", "email": ""}
    )
    assert response.status_code == 422
    assert "is on Queens South" in response.get_data(as_text=True)


def test_missing_user_is_404(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    assert client.get("/users/424242/edit").status_code == 404
    assert client.post("/users/424242/disable").status_code == 404

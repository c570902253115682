"""Personal API tokens: made on the settings page or the CLI, shown once, stored hashed."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import time_machine
from flask import Flask
from sqlalchemy import select

from coresponse.auth import services as auth_services
from coresponse.auth import tokens
from coresponse.auth.models import ApiToken, Discipline, Role, User
from coresponse.auth.queries import pending_access_request
from coresponse.clock import utcnow
from coresponse.extensions import db
from tests.api.conftest import ApiClient
from tests.api.helpers import contact_body
from tests.factories import PASSWORD, make_case, make_staffed_team, make_user


def test_flask_tokens_create_prints_the_token_alone_on_its_last_line(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(
        args=["tokens", "create", world.officer.username, "--name", "Tablet 3"]
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"crt_[A-Za-z0-9_-]{43}", token)
    response = ApiClient(app.test_client(), token).get("/api/v1/me")
    assert response.get_json()["username"] == world.officer.username
    listed = app.test_cli_runner().invoke(args=["tokens", "list", world.officer.username])
    assert "Tablet 3" in listed.output and token not in listed.output
    unknown = app.test_cli_runner().invoke(args=["tokens", "create", "nobody"])
    assert unknown.exit_code != 0 and "No user named" in unknown.output


def test_tokens_are_stored_as_hashes_only(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    row, token = tokens.create_token(world.clinician, name="Records sync", by=world.clinician)
    db.session.commit()
    stored = db.session.get(ApiToken, row.id)
    assert token not in (stored.token_hash, stored.prefix, stored.name)
    assert stored.token_hash == tokens.hash_token(token)
    assert token.startswith(f"crt_{stored.prefix}")


def test_a_revoked_token_and_a_disabled_account_are_refused(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    row, token = tokens.create_token(world.officer, name="t", by=world.officer)
    db.session.commit()
    client = ApiClient(app.test_client(), token)
    assert client.get("/api/v1/me").status_code == 200
    result = app.test_cli_runner().invoke(
        args=["tokens", "revoke", world.officer.username, str(row.id)]
    )
    assert result.exit_code == 0, result.output
    assert client.get("/api/v1/me").status_code == 401

    _, token = tokens.create_token(world.clinician, name="t", by=world.clinician)
    db.session.commit()
    client = ApiClient(app.test_client(), token)
    assert client.get("/api/v1/me").status_code == 200
    auth_services.disable_user(world.clinician, by=world.admin)
    db.session.commit()
    assert client.get("/api/v1/me").status_code == 401


def test_last_use_is_recorded_at_most_once_a_minute(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    row, token = tokens.create_token(world.officer, name="t", by=world.officer)
    db.session.commit()
    client = ApiClient(app.test_client(), token)
    client.get("/api/v1/me")
    first = db.session.get(ApiToken, row.id).last_used_at
    assert first is not None
    client.get("/api/v1/me")
    assert db.session.get(ApiToken, row.id).last_used_at == first
    stored = db.session.get(ApiToken, row.id)
    stored.last_used_at = first - timedelta(minutes=2)
    db.session.commit()
    client.get("/api/v1/me")
    assert db.session.get(ApiToken, row.id).last_used_at > first - timedelta(minutes=1)


def test_the_settings_page_shows_a_new_token_once_and_revokes_it(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.officer)
    home = client.get("/")
    assert 'href="/account/api-tokens/"' in home.get_data(as_text=True)
    created = client.post("/account/api-tokens/", data={"name": "Tablet 7", "password": PASSWORD})
    page = created.get_data(as_text=True)
    token = re.search(r"data-new-token>(crt_[^<]+)<", page).group(1)
    assert ApiClient(app.test_client(), token).get("/api/v1/me").status_code == 200
    again = client.get("/account/api-tokens/").get_data(as_text=True)
    assert "Tablet 7" in again and token not in again
    row = db.session.scalar(select(ApiToken).where(ApiToken.name == "Tablet 7"))
    # Someone else cannot revoke it, nor see it.
    other = app.test_client()
    other.post("/login", data={"username": world.clinician.username, "password": PASSWORD})
    assert other.post(f"/account/api-tokens/{row.id}/revoke").status_code == 404
    assert "Tablet 7" not in other.get("/account/api-tokens/").get_data(as_text=True)
    response = client.post(f"/account/api-tokens/{row.id}/revoke", follow_redirects=True)
    assert "revoked" in response.get_data(as_text=True)
    assert ApiClient(app.test_client(), token).get("/api/v1/me").status_code == 401
    too_long = client.post("/account/api-tokens/", data={"name": "x" * 81, "password": PASSWORD})
    assert too_long.status_code == 422


def test_session_writes_need_the_csrf_header_and_tokens_do_not(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        team, officer, _, _ = make_staffed_team()
        case = make_case(team)
        _, token = tokens.create_token(officer, name="t", by=officer)
        db.session.commit()
        browser = app.test_client()
        login_page = browser.get("/login").get_data(as_text=True)
        csrf = re.search(r'name="csrf-token" content="([^"]+)"', login_page).group(1)
        browser.post(
            "/login",
            data={"username": officer.username, "password": PASSWORD, "csrf_token": csrf},
        )
        me = browser.get("/api/v1/me").get_json()
        assert me["csrf_token"]
        refused = browser.post("/api/v1/contacts", json=contact_body(case))
        assert refused.status_code == 403 and refused.mimetype == "application/problem+json"
        accepted = browser.post(
            "/api/v1/contacts", json=contact_body(case), headers={"X-CSRFToken": me["csrf_token"]}
        )
        assert accepted.status_code == 201, accepted.get_json()
        by_token = ApiClient(app.test_client(), token).post(
            "/api/v1/contacts", json=contact_body(case)
        )
        assert by_token.status_code == 201


def _token_on_page(page: str) -> str | None:
    found = re.search(r"data-new-token>(crt_[^<]+)<", page)
    return found.group(1) if found else None


def _tokens_of(user: User) -> list[ApiToken]:
    db.session.expire_all()
    return list(db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)))


def test_making_a_token_on_the_page_asks_for_the_password_again(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    client = login(world.officer)

    missing = client.post("/account/api-tokens/", data={"name": "Tablet 7"})
    wrong = client.post(
        "/account/api-tokens/", data={"name": "Tablet 7", "password": "not my password at all"}
    )

    assert missing.status_code == 422 and _token_on_page(missing.get_data(as_text=True)) is None
    assert wrong.status_code == 422 and _token_on_page(wrong.get_data(as_text=True)) is None
    assert "password is not correct" in wrong.get_data(as_text=True)
    assert _tokens_of(world.officer) == []
    # A wrong password here counts toward the login lockout, like on the password page.
    assert auth_services.login_lock_status(world.officer)[1] == 1
    right = client.post("/account/api-tokens/", data={"name": "Tablet 7", "password": PASSWORD})
    token = _token_on_page(right.get_data(as_text=True))
    assert ApiClient(app.test_client(), token).get("/api/v1/me").status_code == 200


def test_guessing_the_password_on_the_token_page_locks_the_account(
    app: Flask, world, login
) -> None:  # type: ignore[no-untyped-def]
    client = login(world.officer)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/account/api-tokens/", data={"name": "x", "password": "a wrong guess here"})

    locked = client.post("/account/api-tokens/", data={"name": "x", "password": PASSWORD})

    assert locked.status_code == 422 and "wait a few minutes" in locked.get_data(as_text=True)
    assert _tokens_of(world.officer) == []


def test_a_token_expires_after_the_configured_days(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(API_TOKEN_DAYS=30)
    with app.app_context():
        user = make_user()
        _, token = tokens.create_token(user, name="t", by=user)
        db.session.commit()
        client = ApiClient(app.test_client(), token)
        assert client.get("/api/v1/me").status_code == 200

        with time_machine.travel(utcnow() + timedelta(days=29, hours=23)):
            assert client.get("/api/v1/me").status_code == 200
        with time_machine.travel(utcnow() + timedelta(days=30, minutes=1)):
            response = client.get("/api/v1/me")

        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
        assert "expired" in response.get_json()["detail"]


def test_tokens_last_ninety_days_unless_configured(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    before = utcnow()
    row, _ = tokens.create_token(world.officer, name="t", by=world.officer)
    db.session.commit()
    assert before + timedelta(days=90) <= row.expires_at <= utcnow() + timedelta(days=90)


def test_the_tokens_page_shows_when_each_token_expires(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    row, _ = tokens.create_token(world.officer, name="Tablet 3", by=world.officer)
    db.session.commit()
    expires = row.expires_at.astimezone(ZoneInfo(app.config["TIMEZONE"]))

    page = login(world.officer).get("/account/api-tokens/").get_data(as_text=True)

    assert "Expires" in page
    assert f"{expires.day} {expires:%b} {expires.year}" in page


def test_changing_ones_own_password_revokes_ones_tokens(app: Flask, world, login) -> None:  # type: ignore[no-untyped-def]
    _, token = tokens.create_token(world.officer, name="Tablet 3", by=world.officer)
    db.session.commit()
    api_client = ApiClient(app.test_client(), token)
    assert api_client.get("/api/v1/me").status_code == 200
    client = login(world.officer)
    new_password = "purple otter window 73"

    changed = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )

    assert changed.status_code == 302
    assert api_client.get("/api/v1/me").status_code == 401
    (row,) = _tokens_of(world.officer)
    assert row.revoked_at is not None  # revoked, not deleted
    page = client.get("/account/api-tokens/").get_data(as_text=True)
    assert re.search(r"Tablet 3</td>.*?Revoked", page, re.DOTALL)


def test_disabling_an_account_revokes_its_tokens(app: Flask, world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    auth_services.disable_user(world.clinician, by=world.admin)
    db.session.commit()
    auth_services.enable_user(world.clinician, by=world.admin)
    db.session.commit()

    # Enabling the account again does not bring its old tokens back.
    assert client.get("/api/v1/me").status_code == 401
    assert all(row.revoked_at is not None for row in _tokens_of(world.clinician))


def test_a_role_change_revokes_the_users_tokens(app: Flask, world, api) -> None:  # type: ignore[no-untyped-def]
    analyst_client = api(world.analyst)
    supervisor_client = api(world.police_supervisor)
    assert analyst_client.get("/api/v1/me").status_code == 200
    admin_client = api(world.admin)

    auth_services.update_user(
        world.analyst, full_name=world.analyst.full_name, role=Role.OFFICER, by=world.admin
    )
    # A police supervisor made a clinical one reads clinical notes: also a new role.
    auth_services.update_user(
        world.police_supervisor,
        full_name=world.police_supervisor.full_name,
        role=Role.SUPERVISOR,
        discipline=Discipline.CLINICAL,
        by=world.admin,
    )
    # Editing only the name changes nothing for the token.
    auth_services.update_user(world.admin, full_name="A. New Name", role=Role.ADMIN, by=world.admin)
    db.session.commit()
    # Both roles widen access: asked for, they change nothing until a supervisor approves.
    assert analyst_client.get("/api/v1/me").status_code == 200
    assert supervisor_client.get("/api/v1/me").status_code == 200
    for user, approver in (
        (world.analyst, world.police_supervisor),
        (world.police_supervisor, world.clinical_supervisor),
    ):
        request = auth_services.get_access_request(pending_access_request(user).id)
        auth_services.approve_access_request(request, by=approver)
    db.session.commit()

    assert analyst_client.get("/api/v1/me").status_code == 401
    assert supervisor_client.get("/api/v1/me").status_code == 401
    assert admin_client.get("/api/v1/me").status_code == 200


def test_an_administrators_two_factor_reset_revokes_the_users_tokens(
    app: Flask, world, api, enrol
) -> None:  # type: ignore[no-untyped-def]
    enrol(world.officer)
    client = api(world.officer)  # the token may be on the lost device
    assert client.get("/api/v1/me").status_code == 200

    auth_services.reset_two_factor(world.officer, by=world.admin)
    db.session.commit()

    assert client.get("/api/v1/me").status_code == 401

"""Optional two-factor login (TOTP): enrolment, the code step, replay, required roles."""

from __future__ import annotations

import re
import time

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.auth import two_factor
from coresponse.auth.crypto import SealError, seal, unseal
from coresponse.auth.models import Role, TotpCredential
from coresponse.auth.services import LOGIN_REFUSED
from coresponse.extensions import db
from tests.auth.conftest import copy_cookie, sessions_of
from tests.factories import PASSWORD, make_user


def password_step(client, user):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"username": user.username, "password": PASSWORD})


def test_enrol_shows_the_key_and_turns_on_with_a_code(login, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Two-factor login is <strong>off</strong>" in page
    secret = two_factor.secret_of(two_factor.pending_credential(user))
    shown = re.search(r'<p class="secret"[^>]*><code>([A-Z2-7 ]+)</code>', page).group(1)
    assert shown.replace(" ", "") == secret
    assert f"otpauth://totp/CoResponse:{user.username}?secret={secret}" in page
    # Reloading keeps the same key (the app may already hold it).
    client.get("/account/two-factor")
    assert two_factor.secret_of(two_factor.pending_credential(user)) == secret

    wrong = client.post("/account/two-factor/confirm", data={"code": "000000"})
    assert wrong.status_code == 422
    assert "That code does not match" in wrong.get_data(as_text=True)
    code = clock.code(secret)
    response = client.post("/account/two-factor/confirm", data={"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "badge ok" in page and secret not in page  # never shown again


def test_secret_is_encrypted_at_rest(app: Flask, enrol) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    stored = db.session.scalar(select(TotpCredential.secret_sealed))
    assert secret not in stored and stored.startswith("v2:")
    assert unseal(stored, app.config["SECRET_KEY"]) == secret


def test_sealing_detects_tampering_and_the_wrong_key() -> None:
    sealed = seal("JBSWY3DPEHPK3PXP", "key one")
    assert unseal(sealed, "key one") == "JBSWY3DPEHPK3PXP"
    assert seal("JBSWY3DPEHPK3PXP", "key one") != sealed  # a fresh nonce every time
    with pytest.raises(SealError):
        unseal(sealed, "key two")
    body = bytearray(sealed.encode())
    body[10] = ord("A") if body[10] != ord("A") else ord("B")
    with pytest.raises(SealError):
        unseal(body.decode(), "key one")
    with pytest.raises(SealError):
        unseal("v1:abc", "key one")  # an unknown format


def test_login_asks_for_the_code_before_any_session_exists(client, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    response = password_step(client, user)
    assert response.status_code == 302 and response.location == "/login/two-factor"
    # The password alone opens nothing.
    assert client.get("/teams/").location.startswith("/login")
    assert sessions_of(user) == []
    page = client.get("/login/two-factor")
    assert page.status_code == 200 and "Enter your code" in page.get_data(as_text=True)
    response = client.post("/login/two-factor", data={"code": clock.code(secret)})
    assert response.status_code == 302 and response.location == "/"
    assert client.get("/teams/").status_code == 200
    [row] = sessions_of(user)
    assert row.two_factor_verified


def test_code_step_follows_a_local_next_only(client, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    client.post("/login?next=/teams/", data={"username": user.username, "password": PASSWORD})
    assert client.post("/login/two-factor", data={"code": clock.code(secret)}).location == "/teams/"
    client.post("/logout")
    clock.advance(30)
    client.post(
        "/login?next=https://evil.example/", data={"username": user.username, "password": PASSWORD}
    )
    assert client.post("/login/two-factor", data={"code": clock.code(secret)}).location == "/"


def test_a_code_works_once(app: Flask, client, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    code = clock.code(secret)
    password_step(client, user)
    assert client.post("/login/two-factor", data={"code": code}).status_code == 302
    # Someone who saw the code over a shoulder, in the same 30 seconds, on another tablet.
    other = app.test_client()
    password_step(other, user)
    replay = other.post("/login/two-factor", data={"code": code})
    assert replay.status_code == 422
    assert "already used" in replay.get_data(as_text=True)
    # An earlier step's code (still inside the drift window) is refused too.
    assert (
        other.post(
            "/login/two-factor", data={"code": clock.code(secret, offset_steps=-1)}
        ).status_code
        == 422
    )
    # The next step's code is fine.
    assert (
        other.post(
            "/login/two-factor", data={"code": clock.code(secret, offset_steps=1)}
        ).status_code
        == 302
    )


def test_codes_two_steps_away_are_refused(client, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    password_step(client, user)
    for offset in (-2, 2):
        response = client.post(
            "/login/two-factor", data={"code": clock.code(secret, offset_steps=offset)}
        )
        assert response.status_code == 422


def test_wrong_codes_count_toward_the_lockout(client, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    password_step(client, user)
    for _ in range(4):
        assert client.post("/login/two-factor", data={"code": "000000"}).status_code == 422
    response = client.post("/login/two-factor", data={"code": "000000"})
    assert response.status_code == 302 and response.location == "/login"
    assert LOGIN_REFUSED in client.get("/login").get_data(as_text=True)
    # Locked: the code step is gone, and the right password is refused too.
    assert client.post("/login/two-factor", data={"code": clock.code(secret)}).location == "/login"
    assert password_step(client, user).status_code == 422


def test_the_password_step_does_not_reset_the_code_failures(client, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    enrol(user)
    for _ in range(2):
        password_step(client, user)
        client.post("/login/two-factor", data={"code": "000000"})
        client.post("/login/two-factor", data={"code": "000000"})
    password_step(client, user)
    response = client.post("/login/two-factor", data={"code": "000000"})
    assert response.location == "/login"  # the fifth wrong code locks


def test_code_step_expires(client, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    password_step(client, user)
    with client.session_transaction() as cookie_session:
        pending = cookie_session["pending_login"]
        cookie_session["pending_login"] = {**pending, "started": int(time.time()) - 301}
    response = client.post("/login/two-factor", data={"code": clock.code(secret)})
    assert response.status_code == 302 and response.location == "/login"
    assert "That took too long" in client.get("/login").get_data(as_text=True)


def test_code_step_without_a_password_step_goes_to_login(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/login/two-factor").location == "/login"
    with client.session_transaction() as cookie_session:
        cookie_session["pending_login"] = {"user_id": "1", "version": 1, "started": "x"}
    assert client.post("/login/two-factor", data={"code": "123456"}).location == "/login"


def test_required_role_must_enrol_before_anything_else(app: Flask, login, clock) -> None:  # type: ignore[no-untyped-def]
    app.config["TOTP_REQUIRED_ROLES"] = ["admin", "supervisor"]
    admin = make_user(Role.ADMIN)
    client = login(admin)
    for url in ("/", "/teams/", "/users/", "/account/password"):
        response = client.get(url)
        assert response.status_code == 302 and response.location == "/account/two-factor", url
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Your role must use two-factor login" in page
    secret = two_factor.secret_of(two_factor.pending_credential(admin))
    assert (
        client.post("/account/two-factor/confirm", data={"code": clock.code(secret)}).status_code
        == 302
    )
    assert client.get("/users/").status_code == 200
    # The next login goes through the code step.
    client.post("/logout")
    clock.advance(30)
    assert password_step(client, admin).location == "/login/two-factor"
    client.post("/login/two-factor", data={"code": clock.code(secret)})
    assert client.get("/users/").status_code == 200
    # Other roles are free to choose.
    clinician_client = app.test_client()
    password_step(clinician_client, make_user(Role.CLINICIAN))
    assert clinician_client.get("/teams/").status_code == 200


def test_required_role_can_still_log_out(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    app.config["TOTP_REQUIRED_ROLES"] = ["clinician"]
    client = login(make_user(Role.CLINICIAN))
    assert client.post("/logout").location == "/login"


def test_turning_off_needs_the_password_and_a_code(login, enrol, clock) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    secret = enrol(user)
    client = login(user)
    client.post("/login/two-factor", data={"code": clock.code(secret)})
    clock.advance(30)
    bad = client.post(
        "/account/two-factor/disable",
        data={"password": "wrong password!", "code": clock.code(secret)},
    )
    assert bad.status_code == 422 and "current password is not correct" in bad.get_data(
        as_text=True
    )
    bad = client.post("/account/two-factor/disable", data={"password": PASSWORD, "code": "000000"})
    assert bad.status_code == 422 and "That code is not right" in bad.get_data(as_text=True)
    response = client.post(
        "/account/two-factor/disable", data={"password": PASSWORD, "code": clock.code(secret)}
    )
    assert response.status_code == 302
    assert not two_factor.has_two_factor(user)
    client.post("/logout")
    assert password_step(client, user).location == "/"  # no code step any more


def test_admin_resets_a_lost_phone(app: Flask, login, enrol) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    enrol(user)
    victim_client = app.test_client()
    password_step(victim_client, user)
    thief = copy_cookie(victim_client, app)
    admin_client = login(make_user(Role.ADMIN))
    page = admin_client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    assert "Reset two-factor" in page
    assert admin_client.post(f"/users/{user.id}/reset-two-factor").status_code == 302
    assert not two_factor.has_two_factor(user)
    assert thief.get("/teams/").location.startswith("/login")
    response = admin_client.post(f"/users/{user.id}/reset-two-factor")
    assert response.status_code == 422 and "no two-factor login" in response.get_data(as_text=True)


def test_new_pages_need_a_login(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/account/two-factor",):
        assert client.get(url).location.startswith("/login")
    for url in ("/account/two-factor/confirm", "/account/two-factor/disable"):
        assert client.post(url).location.startswith("/login")


def test_a_new_password_and_a_required_second_factor_are_asked_for_in_turn(
    app: Flask, login, clock
) -> None:  # type: ignore[no-untyped-def]
    """An administrator's new supervisor account: a password to change, and two-factor
    to set up. Each step's page opens (no redirect loop between them), password first."""
    app.config["TOTP_REQUIRED_ROLES"] = ["supervisor"]
    user = make_user(Role.SUPERVISOR, must_change_password=True)
    client = login(user)
    assert client.get("/").location == "/account/password"
    assert client.get("/account/two-factor").location == "/account/password"
    assert client.get("/account/password").status_code == 200
    new_password = "purple otter window 73"
    changed = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": new_password, "confirm": new_password},
    )
    assert changed.status_code == 302
    assert client.get("/").location == "/account/two-factor"
    assert client.get("/account/two-factor").status_code == 200

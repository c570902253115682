"""Server-side sessions: timeouts, and cookies that stop working the moment a session ends."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.exc import OperationalError

from coresponse.auth.models import Role, SessionEndReason
from coresponse.clock import utcnow
from coresponse.extensions import db
from tests.auth.conftest import copy_cookie, sessions_of
from tests.conftest import on_each_statement
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase"


def follow_to_login(client, url: str = "/teams/") -> str:  # type: ignore[no-untyped-def]
    """Ask for a page; expect the login page, and return what it says."""
    response = client.get(url)
    assert response.status_code == 302, response.status_code
    assert response.location.startswith("/login"), response.location
    return client.get(response.location).get_data(as_text=True)


def test_login_opens_a_session_row_holding_only_a_hash_of_the_token(login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    [row] = sessions_of(user)
    assert row.ended_at is None and row.created_at <= row.last_seen_at
    with client.session_transaction() as cookie_session:
        token = cookie_session["sid"]
    assert len(token) >= 43  # 256 bits, URL-safe base64
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    # No "remember me": the only cookie is the session.
    assert client.get_cookie("remember_token") is None


def test_idle_session_ends_with_a_message(login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    assert client.get("/teams/").status_code == 200
    [row] = sessions_of(user)
    row.last_seen_at = utcnow() - timedelta(minutes=15, seconds=1)
    db.session.commit()
    page = follow_to_login(client)
    assert "Your session ended after 15 minutes without activity. Log in again." in page
    assert "Please log in to continue." not in page  # one message, not two
    [row] = sessions_of(user)
    assert row.end_reason is SessionEndReason.IDLE and row.ended_at is not None


def test_session_used_within_the_idle_limit_carries_on(login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    [row] = sessions_of(user)
    row.last_seen_at = utcnow() - timedelta(minutes=14)
    db.session.commit()
    assert client.get("/teams/").status_code == 200
    [row] = sessions_of(user)
    # Activity moved last_seen_at forward, so the idle clock starts again.
    assert utcnow() - row.last_seen_at < timedelta(seconds=30)


def test_idle_limit_follows_configuration(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    app.config["SESSION_IDLE_MINUTES"] = 5
    user = make_user()
    client = login(user)
    [row] = sessions_of(user)
    row.last_seen_at = utcnow() - timedelta(minutes=5, seconds=1)
    db.session.commit()
    assert "after 5 minutes without activity" in follow_to_login(client)


def test_absolute_limit_ends_even_an_active_session(login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    [row] = sessions_of(user)
    row.created_at = utcnow() - timedelta(hours=12, seconds=1)
    row.last_seen_at = utcnow() - timedelta(seconds=5)
    db.session.commit()
    assert "Your session ended after 12 hours. Log in again." in follow_to_login(client)
    [row] = sessions_of(user)
    assert row.end_reason is SessionEndReason.EXPIRED


def test_last_seen_is_written_at_most_once_a_minute(login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    [row] = sessions_of(user)
    recent = utcnow() - timedelta(seconds=40)
    row.last_seen_at = recent
    db.session.commit()
    client.get("/teams/")
    [row] = sessions_of(user)
    assert row.last_seen_at == recent  # under a minute old: left alone
    row.last_seen_at = utcnow() - timedelta(seconds=61)
    db.session.commit()
    client.get("/teams/")
    [row] = sessions_of(user)
    assert utcnow() - row.last_seen_at < timedelta(seconds=30)


def test_a_failing_last_seen_write_never_breaks_the_page(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    [row] = sessions_of(user)
    row.last_seen_at = utcnow() - timedelta(minutes=2)
    db.session.commit()

    def locked(statement: str, parameters: Any, _executemany: bool) -> None:
        if statement.startswith("UPDATE user_session"):
            raise OperationalError(statement, parameters, Exception("database is locked"))

    with on_each_statement(locked):
        assert client.get("/teams/").status_code == 200


def test_concurrent_requests_of_one_session_all_succeed(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    [row] = sessions_of(user)
    row.last_seen_at = utcnow() - timedelta(minutes=2)
    db.session.commit()
    clients = [copy_cookie(client, app) for _ in range(6)]
    statuses: list[int] = []

    def fetch(c) -> None:  # type: ignore[no-untyped-def]
        with app.app_context():
            statuses.append(c.get("/teams/").status_code)

    threads = [threading.Thread(target=fetch, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [200] * len(clients)
    [row] = sessions_of(user)
    assert row.ended_at is None
    assert utcnow() - row.last_seen_at < timedelta(seconds=30)


def test_logout_revokes_a_copied_cookie(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    thief = copy_cookie(client, app)
    assert thief.get("/teams/").status_code == 200  # the copy works while the session lives
    assert client.post("/logout").status_code == 302
    assert "You were logged out." in follow_to_login(thief)
    [row] = sessions_of(user)
    assert row.end_reason is SessionEndReason.LOGOUT


def test_disabling_revokes_a_copied_cookie(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    officer = make_user(Role.OFFICER)
    client = login(officer)
    thief = copy_cookie(client, app)
    admin = make_user(Role.ADMIN)
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": admin.username, "password": PASSWORD})
    assert admin_client.post(f"/users/{officer.id}/disable").status_code == 302
    follow_to_login(thief)
    follow_to_login(client)
    assert {row.end_reason for row in sessions_of(officer)} == {SessionEndReason.DISABLED}


def test_password_reset_revokes_a_copied_cookie(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    thief = copy_cookie(client, app)
    admin = make_user(Role.ADMIN)
    admin_client = app.test_client()
    admin_client.post("/login", data={"username": admin.username, "password": PASSWORD})
    response = admin_client.post(
        f"/users/{user.id}/reset-password", data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    follow_to_login(thief)
    assert {row.end_reason for row in sessions_of(user)} == {SessionEndReason.PASSWORD_RESET}


def test_changing_ones_password_ends_other_sessions_and_keeps_this_one(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    other_tablet = app.test_client()
    other_tablet.post("/login", data={"username": user.username, "password": PASSWORD})
    thief = copy_cookie(client, app)
    response = client.post(
        "/account/password",
        data={"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/teams/").status_code == 200
    follow_to_login(other_tablet)
    follow_to_login(thief)  # the old cookie of this very browser is dead too
    rows = sessions_of(user)
    assert [r.end_reason for r in rows] == [
        SessionEndReason.PASSWORD_CHANGED,
        SessionEndReason.PASSWORD_CHANGED,
        None,
    ]


def test_a_cookie_without_a_session_row_is_logged_out(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user())
    with client.session_transaction() as cookie_session:
        cookie_session["sid"] = "forged-token"
    assert "You were logged out." in follow_to_login(client)
    with client.session_transaction() as cookie_session:
        assert "_user_id" not in cookie_session and "sid" not in cookie_session


@pytest.mark.parametrize("field", ["_user_id"])
def test_a_session_of_another_user_cannot_be_borrowed(app: Flask, login, field: str) -> None:  # type: ignore[no-untyped-def]
    victim = make_user()
    client = login(make_user())
    # Even with the cookie's signature (a leaked SECRET_KEY), the row names its own user.
    with client.session_transaction() as cookie_session:
        cookie_session[field] = f"{victim.id}:{victim.session_version}"
    follow_to_login(client)

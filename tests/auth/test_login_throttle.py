"""Lockout and throttling of failed logins, kept in the database for every worker."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug import security

from coresponse.auth import services
from coresponse.auth.models import LoginFailure, Role
from coresponse.auth.services import LOGIN_REFUSED
from coresponse.clock import utcnow
from coresponse.extensions import db
from tests.conftest import count_statements
from tests.factories import PASSWORD, make_user

WRONG = "not the right password"


def attempt(client, username: str, password: str = WRONG, ip: str = "198.51.100.7"):  # type: ignore[no-untyped-def]
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": ip},
    )


def fail(client, username: str, times: int, ip: str = "198.51.100.7") -> None:  # type: ignore[no-untyped-def]
    for _ in range(times):
        assert attempt(client, username, ip=ip).status_code == 422


def age_failures(minutes: int) -> None:
    """Move every recorded failure into the past (rather than wait for it)."""
    for failure in db.session.scalars(select(LoginFailure)):
        failure.at -= timedelta(minutes=minutes)
    db.session.commit()


def message_of(response) -> str:  # type: ignore[no-untyped-def]
    body = response.get_data(as_text=True)
    start = body.index('<p class="flash flash-error">')
    return body[start : body.index("</p>", start)]


def test_five_failures_lock_the_account_even_against_the_right_password(client) -> None:  # type: ignore[no-untyped-def]
    make_user(username="casey")
    fail(client, "casey", 4)
    assert attempt(client, "casey", PASSWORD).status_code == 302  # four are forgiven
    client.post("/logout")
    fail(client, "casey", 5)
    locked = attempt(client, "casey", PASSWORD)
    assert locked.status_code == 422
    assert LOGIN_REFUSED in locked.get_data(as_text=True)


def test_lock_ends_after_the_lockout_period(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    make_user(username="casey")
    fail(client, "casey", 5)
    assert attempt(client, "casey", PASSWORD).status_code == 422
    age_failures(16)
    assert attempt(client, "casey", PASSWORD).status_code == 302


def test_failures_spread_beyond_the_window_do_not_lock(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    make_user(username="casey")
    fail(client, "casey", 3)
    age_failures(20)
    fail(client, "casey", 2)
    assert attempt(client, "casey", PASSWORD).status_code == 302


def test_lockout_holds_across_two_app_instances_sharing_one_database(
    make_app: Callable[..., Flask],
) -> None:
    first, second = make_app(), make_app()
    with first.app_context():
        make_user(username="casey")
        db.session.commit()
        fail(first.test_client(), "casey", 3)
    with second.app_context():
        fail(second.test_client(), "casey", 2)
    with first.app_context():
        assert attempt(first.test_client(), "casey", PASSWORD).status_code == 422
    with second.app_context():
        assert attempt(second.test_client(), "casey", PASSWORD).status_code == 422


def test_locked_unknown_and_wrong_password_all_answer_alike(client) -> None:  # type: ignore[no-untyped-def]
    make_user(username="casey")
    fail(client, "casey", 5)
    fail(client, "ghost", 5)
    responses = {
        "locked, right password": attempt(client, "casey", PASSWORD),
        "locked, wrong password": attempt(client, "casey"),
        "unknown user, now locked too": attempt(client, "ghost"),
        "unknown user": attempt(client, "nobody"),
    }
    assert {r.status_code for r in responses.values()} == {422}
    assert {message_of(r) for r in responses.values()} == {
        f'<p class="flash flash-error">{LOGIN_REFUSED}'
    }


def test_unknown_and_known_usernames_cost_the_same(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same number of password hashes and of SQL statements, so timing tells nothing."""
    make_user(username="casey")
    db.session.commit()
    hashes: list[str] = []
    real_check = security.check_password_hash

    def counting_check(pwhash: str, password: str) -> bool:
        hashes.append(pwhash)
        return real_check(pwhash, password)

    monkeypatch.setattr(services, "check_password_hash", counting_check)

    def cost(username: str) -> tuple[int, int]:
        hashes.clear()
        with count_statements() as statements:
            assert services.authenticate(username, WRONG) is None
        db.session.rollback()
        return len(statements), len(hashes)

    assert cost("casey") == cost("nobody")
    assert cost("casey")[1] == 1


def test_failures_store_no_typed_username(client) -> None:  # type: ignore[no-untyped-def]
    fail(client, "my secret password typed in the wrong box", 1)
    stored = db.session.scalars(select(LoginFailure.username_key)).all()
    assert len(stored) == 1 and "secret" not in stored[0] and len(stored[0]) == 64


def test_success_clears_the_failure_count(client) -> None:  # type: ignore[no-untyped-def]
    make_user(username="casey")
    fail(client, "casey", 4)
    assert attempt(client, "casey", PASSWORD).status_code == 302
    client.post("/logout")
    fail(client, "casey", 4)  # a fresh allowance of four
    assert attempt(client, "casey", PASSWORD).status_code == 302


def test_too_many_failures_from_one_address_is_429(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    app.config["LOGIN_IP_MAX_FAILURES"] = 6
    make_user(username="casey")
    for n in range(6):  # different usernames: no single account locks
        assert attempt(client, f"guess{n}", ip="203.0.113.9").status_code == 422
    refused = attempt(client, "casey", PASSWORD, ip="203.0.113.9")
    assert refused.status_code == 429
    assert "Too many failed logins from this network" in refused.get_data(as_text=True)
    # Another address is not affected.
    assert attempt(client, "casey", PASSWORD, ip="203.0.113.10").status_code == 302


def test_address_throttle_defaults_to_twenty(app: Flask, client) -> None:  # type: ignore[no-untyped-def]
    for n in range(20):
        db.session.add(
            LoginFailure(
                username_key=f"k{n}", ip_address="203.0.113.9", reason="password", at=utcnow()
            )
        )
    db.session.commit()
    make_user(username="casey")
    assert attempt(client, "casey", PASSWORD, ip="203.0.113.9").status_code == 429


def test_admin_sees_the_lock_and_unlocks(login, app: Flask) -> None:  # type: ignore[no-untyped-def]
    user = make_user(username="casey")
    stranger = app.test_client()
    fail(stranger, "casey", 5)
    admin_client = login(make_user(Role.ADMIN))
    page = admin_client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    assert "Locked until" in page and "Unlock now" in page
    assert admin_client.post(f"/users/{user.id}/unlock").status_code == 302
    page = admin_client.get(f"/users/{user.id}/edit").get_data(as_text=True)
    assert "Locked until" not in page and "None recently" in page
    assert attempt(stranger, "casey", PASSWORD).status_code == 302


def test_only_admins_unlock(login) -> None:  # type: ignore[no-untyped-def]
    target = make_user()
    client = login(make_user(Role.SUPERVISOR))
    assert client.post(f"/users/{target.id}/unlock").status_code == 403
    assert client.post(f"/users/{target.id}/reset-two-factor").status_code == 403


def test_wrong_current_password_counts_toward_the_lock(login) -> None:  # type: ignore[no-untyped-def]
    user = make_user()
    client = login(user)
    for _ in range(5):
        response = client.post(
            "/account/password",
            data={"current_password": WRONG, "password": "x" * 20, "confirm": "x" * 20},
        )
        assert response.status_code == 422
    response = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 422
    assert "Too many wrong attempts" in response.get_data(as_text=True)
    assert services.login_locked(user)

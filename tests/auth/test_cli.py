"""`flask users ...`: clear messages and non-zero exits on bad input, nothing half-saved."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Discipline, Role, User
from coresponse.auth.services import authenticate
from coresponse.extensions import db
from tests.factories import PASSWORD, make_user

NEW_PASSWORD = "a brand new passphrase"


def run(app: Flask, *args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    result = app.test_cli_runner().invoke(args=list(args), input=input)
    db.session.expire_all()
    return result


def test_create_user_with_prompted_password(app: Flask) -> None:
    result = run(
        app, "users", "create", "Sgt.Rivera", "--role", "supervisor", "--discipline", "police",
        "--name", "Ana Rivera", input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Created sgt.rivera (Police supervisor)." in result.output
    user = db.session.scalar(select(User).where(User.username == "sgt.rivera"))
    assert user.discipline is Discipline.POLICE
    assert authenticate("sgt.rivera", NEW_PASSWORD) is not None


def test_create_user_refusals_exit_non_zero_with_a_message(app: Flask) -> None:
    make_user(username="taken")
    db.session.commit()
    cases = [
        (["users", "create", "x1", "--role", "wizard", "--password", NEW_PASSWORD], "wizard"),
        (["users", "create", "x2", "--role", "supervisor", "--password", NEW_PASSWORD], "police or clinical"),
        (["users", "create", "x3", "--role", "analyst", "--password", "short"], "at least 12"),
        (["users", "create", "taken", "--role", "analyst", "--password", NEW_PASSWORD], "already taken"),
    ]  # fmt: skip
    for args, message in cases:
        result = run(app, *args)
        assert result.exit_code != 0, args
        assert message in result.output, result.output
        assert "Traceback" not in result.output
    count = db.session.scalar(select(func.count()).select_from(User))
    assert count == 1


def test_disable_and_reset_password(app: Flask) -> None:
    make_user(Role.OFFICER, username="ofc")
    result = run(app, "users", "reset-password", "ofc", "--password", NEW_PASSWORD)
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "ofc"))
    assert user.must_change_password
    result = run(app, "users", "disable", "OFC")
    assert result.exit_code == 0, result.output
    assert authenticate("ofc", NEW_PASSWORD) is None
    result = run(app, "users", "disable", "ofc")
    assert result.exit_code == 1 and "already disabled" in result.output


def test_unknown_users_are_named(app: Flask) -> None:
    for args in (
        ["users", "disable", "ghost"],
        ["users", "reset-password", "ghost", "--password", PASSWORD],
    ):
        result = run(app, *args)
        assert result.exit_code == 1
        assert "No user called 'ghost'." in result.output


def test_unlock_and_reset_two_factor_from_the_command_line(app: Flask) -> None:
    from coresponse.auth.services import login_locked

    user = make_user(Role.ADMIN, username="root2")
    db.session.commit()
    client = app.test_client()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"username": "root2", "password": "not the password at all"})
    db.session.expire_all()
    assert login_locked(db.session.get(User, user.id))
    result = run(app, "users", "unlock", "ROOT2")
    assert result.exit_code == 0, result.output
    assert not login_locked(db.session.get(User, user.id))
    assert run(app, "users", "unlock", "nobody").exit_code == 1
    result = run(app, "users", "reset-two-factor", "root2")
    assert result.exit_code == 1 and "has no two-factor login to reset" in result.output

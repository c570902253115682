"""Helpers for the login, session and two-factor tests."""

from __future__ import annotations

from collections.abc import Callable

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from coresponse.auth import two_factor
from coresponse.auth.models import User, UserSession
from coresponse.extensions import db


def copy_cookie(source: FlaskClient, app: Flask) -> FlaskClient:
    """A second client holding a copy of the first one's session cookie (a stolen cookie)."""
    cookie = source.get_cookie("session")
    assert cookie is not None
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    return thief


def sessions_of(user: User) -> list[UserSession]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
        )
    )


class Clock:
    """The time two-factor codes are checked against, moved by the test."""

    def __init__(self) -> None:
        from coresponse.clock import utcnow

        self.now = utcnow()

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self.now += timedelta(seconds=seconds)

    def code(self, secret: str, *, offset_steps: int = 0) -> str:
        step = int(self.now.timestamp()) // 30 + offset_steps
        return pyotp.TOTP(secret).generate_otp(step)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Freeze the two-factor module's clock so codes and replays are deterministic."""
    clock = Clock()
    monkeypatch.setattr(two_factor, "utcnow", lambda: clock.now)
    return clock


@pytest.fixture
def enrol(clock: Clock) -> Callable[[User], str]:
    """Give a user a confirmed two-factor key (through the service); returns the secret."""

    def do_enrol(user: User) -> str:
        credential = two_factor.start_enrolment(user)
        secret = two_factor.secret_of(credential)
        two_factor.confirm_enrolment(user, clock.code(secret), session_row=None)
        db.session.commit()
        # The enrolment used the current step: move on so the next code is fresh.
        clock.advance(30)
        return secret

    return do_enrol

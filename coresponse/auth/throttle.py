"""Failed-login bookkeeping: the per-account lockout and the per-address throttle.

Everything is read from and written to the database, so the limits hold across
gunicorn workers and across instances behind a load balancer. Only inserts and
set-once updates are used: two workers counting at the same moment cannot corrupt
a counter, at worst an attacker gets one extra guess.

Settings (config.py): LOGIN_MAX_FAILURES within LOGIN_FAILURE_WINDOW_MINUTES locks a
username for LOGIN_LOCKOUT_MINUTES; LOGIN_IP_MAX_FAILURES (default 20) within the
same window refuses further attempts from that address with a 429.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update

from coresponse.auth.models import LoginFailure, LoginFailureReason
from coresponse.clock import utcnow
from coresponse.extensions import db

DEFAULT_IP_MAX_FAILURES = 20
# Enough rows to decide any lock: more recent failures than this means locked anyway.
_SCAN_LIMIT = 500


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def max_failures() -> int:
    return _setting("LOGIN_MAX_FAILURES", 5)


def window() -> timedelta:
    return timedelta(minutes=_setting("LOGIN_FAILURE_WINDOW_MINUTES", 15))


def lockout() -> timedelta:
    return timedelta(minutes=_setting("LOGIN_LOCKOUT_MINUTES", 15))


def username_key(normalised_username: str) -> str:
    """A keyed hash of the username: the table never holds what was typed."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = b"login-failure:" + normalised_username.encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def record_failure(
    key: str, *, reason: LoginFailureReason, ip_address: str | None, now: datetime | None = None
) -> LoginFailure:
    """Note one refused attempt (flushed, not committed)."""
    failure = LoginFailure(
        at=now or utcnow(), username_key=key, ip_address=ip_address, reason=reason
    )
    db.session.add(failure)
    db.session.flush()
    return failure


def locked_until(key: str, *, now: datetime | None = None) -> datetime | None:
    """When this username's lock ends, or None when it is not locked.

    Locked from the moment LOGIN_MAX_FAILURES failures fall within one window, for
    LOGIN_LOCKOUT_MINUTES. Attempts refused because of the lock do not extend it.
    """
    now = now or utcnow()
    limit, span, hold = max_failures(), window(), lockout()
    times = list(
        db.session.scalars(
            select(LoginFailure.at)
            .where(
                LoginFailure.username_key == key,
                LoginFailure.cleared_at.is_(None),
                LoginFailure.reason != LoginFailureReason.LOCKED,
                LoginFailure.at > now - span - hold,
            )
            .order_by(LoginFailure.at.desc())
            .limit(_SCAN_LIMIT)
        )
    )
    # Newest first: the first run of `limit` failures inside one window decides.
    for newest, oldest in zip(times, times[limit - 1 :], strict=False):
        if newest - oldest <= span:
            until = newest + hold
            return until if until > now else None
    return None


def recent_failures(key: str, *, now: datetime | None = None) -> int:
    """Failed attempts on this username within the window, not yet cleared."""
    now = now or utcnow()
    return db.session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(
            LoginFailure.username_key == key,
            LoginFailure.cleared_at.is_(None),
            LoginFailure.reason != LoginFailureReason.LOCKED,
            LoginFailure.at > now - window(),
        )
    ).scalar_one()


def address_throttled(ip_address: str | None, *, now: datetime | None = None) -> bool:
    """True when this address failed too often lately (failures later cleared by a
    successful login of the same username do not count: those were typing mistakes)."""
    if not ip_address:
        return False
    now = now or utcnow()
    count = db.session.execute(
        select(func.count())
        .select_from(LoginFailure)
        .where(
            LoginFailure.ip_address == ip_address,
            LoginFailure.cleared_at.is_(None),
            LoginFailure.at > now - window(),
        )
    ).scalar_one()
    return count >= _setting("LOGIN_IP_MAX_FAILURES", DEFAULT_IP_MAX_FAILURES)


def clear_failures(key: str, *, now: datetime | None = None) -> None:
    """Forget this username's failed attempts (after a login or an administrator's unlock)."""
    db.session.execute(
        update(LoginFailure)
        .where(LoginFailure.username_key == key, LoginFailure.cleared_at.is_(None))
        .values(cleared_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )

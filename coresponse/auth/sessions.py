"""Server-side login sessions: opened at login, checked on every request, ended for good.

The browser's (signed) session cookie carries a random token; the user_session row
holds its SHA-256. A request is logged in only while that row exists, has not
ended, has been used within SESSION_IDLE_MINUTES, is younger than
SESSION_ABSOLUTE_HOURS, and its user is active with the same session version. So
logging out, disabling an account or resetting a password stops every copy of the
cookie at once, not when the cookie expires.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Executable, Select, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from coresponse import request_state
from coresponse.audit.models import RequestInfo
from coresponse.auth.models import SessionEndReason, User, UserSession
from coresponse.clock import utcnow
from coresponse.extensions import db
from coresponse.privacy import policy
from coresponse.reminders.models import open_count_column

log = logging.getLogger(__name__)

# The key in Flask's session cookie that holds this login's token.
TOKEN_KEY = "sid"  # noqa: S105  # nosec B105 (a cookie key name, not a secret)
# last_seen_at is written at most this often per session, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=int(current_app.config["SESSION_IDLE_MINUTES"]))


def absolute_limit() -> timedelta:
    return timedelta(hours=int(current_app.config["SESSION_ABSOLUTE_HOURS"]))


def begin_session(
    user: User, *, two_factor_verified: bool, request_info: RequestInfo | None = None
) -> tuple[UserSession, str]:
    """Open a session row for a user who has just proved who they are.

    Returns the row and the token for the cookie (only its hash is stored).
    """
    token = secrets.token_urlsafe(32)  # 256 random bits
    now = utcnow()
    info = request_info or RequestInfo()
    row = UserSession(
        token_hash=hash_token(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        two_factor_verified=two_factor_verified,
        ip_address=info.ip_address,
        user_agent=(info.user_agent or None) and info.user_agent[:400],
    )
    db.session.add(row)
    db.session.flush()
    return row, token


def end_session(row: UserSession, reason: SessionEndReason) -> None:
    """End one session (logout); a copy of its cookie stops working at once."""
    if row.ended_at is None:
        row.ended_at = utcnow()
        row.end_reason = reason
        db.session.flush()


def end_user_sessions(user: User, reason: SessionEndReason) -> None:
    """End every open session of this user (disable, password reset or change)."""
    db.session.execute(
        update(UserSession)
        .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow(), end_reason=reason)
        .execution_options(synchronize_session=False)
    )


def find_session(token: str) -> tuple[UserSession, User] | None:
    """The session row for a cookie's token, with its user, in one query.

    The same query reads what nearly every page then asks about the user: their
    current team and their unexpired break-glass grants (one row per grant). The
    privacy policy keeps both for the rest of the request.
    """
    rows = db.session.execute(
        _session_query(), {"token_hash": hash_token(token), "now": utcnow()}
    ).all()
    if not rows:
        return None
    row, user, open_notifications, *_ = rows[0]
    policy.remember_viewer(user, rows)
    # The header's count of the user's notifications (coresponse/reminders/views.py).
    request_state.keep(lambda s: s.open_notifications, user.id, open_notifications or 0)
    return row, user


@cache
def _session_query() -> Select[UserSession, User, int, int | None, int | None]:
    """find_session's statement, built once (every request runs it): the token's hash
    and the current time are its parameters. It also counts the user's open
    notifications, for the page header."""
    return policy.with_viewer_facts(
        select(UserSession, User, open_count_column(User.id)).join(
            User, User.id == UserSession.user_id
        ),
        User.id,
    ).where(UserSession.token_hash == bindparam("token_hash"))


def end_reason(
    row: UserSession, user: User, *, session_version: int, now: datetime | None = None
) -> SessionEndReason | None:
    """Why this session no longer logs anyone in, or None while it is good."""
    now = now or utcnow()
    if row.ended_at is not None:
        return row.end_reason or SessionEndReason.REVOKED
    if not user.active:
        return SessionEndReason.DISABLED
    if user.held_after_reset:
        # The reset that holds the account ended its sessions already; this is a backstop.
        return SessionEndReason.REVOKED
    if user.session_version != session_version:
        return SessionEndReason.REVOKED
    if now - row.created_at >= absolute_limit():
        return SessionEndReason.EXPIRED
    if now - row.last_seen_at >= idle_limit():
        return SessionEndReason.IDLE
    return None


def close_quietly(
    row: UserSession, reason: SessionEndReason, *, now: datetime | None = None
) -> None:
    """Mark a timed-out session ended, in its own short transaction.

    Runs while loading the user, before the view's own work, so it must neither
    commit nor roll back the request's session; a failure only leaves the row to
    be ended on its next use.
    """
    _write_apart(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason)
    )


def record_activity(row: UserSession, *, now: datetime | None = None) -> None:
    """Move last_seen_at forward, at most once per TOUCH_INTERVAL per session.

    The update is conditional, so concurrent requests of one session write once
    and never conflict; any database error is logged, never shown as a 500.
    """
    now = now or utcnow()
    if now - row.last_seen_at < TOUCH_INTERVAL:
        return
    _write_apart(
        update(UserSession)
        .where(
            UserSession.id == row.id,
            UserSession.ended_at.is_(None),
            UserSession.last_seen_at <= now - TOUCH_INTERVAL,
        )
        .values(last_seen_at=now)
    )


def _write_apart(statement: Executable) -> None:
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError:
        log.warning("Could not update a login session row", exc_info=True)

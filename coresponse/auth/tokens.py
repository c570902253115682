"""Personal API tokens: creating, revoking, and recognising them on a request.

A token is `crt_` followed by 32 random bytes (urlsafe base64). Only its SHA-256
is stored; the full token is shown once, when it is made. It expires API_TOKEN_DAYS
(config.py) after it is made.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.exc import SQLAlchemyError

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change
from coresponse.auth.models import ApiToken, User
from coresponse.clock import program_date, utcnow
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.privacy import policy
from coresponse.text import clean_text

log = logging.getLogger(__name__)

TOKEN_PREFIX = "crt_"  # noqa: S105  # nosec B105 (a marker in front of tokens, not a secret)
PREFIX_LENGTH = 8
NAME_MAX = 80
# last_used_at is written at most this often per token, not on every request.
TOUCH_INTERVAL = timedelta(minutes=1)


class TokenError(DomainError):
    """A token change the rules refuse."""


class TokenExpired(TokenError):
    """A bearer token that was right, but whose time is up."""

    status_code = 401


def lifetime() -> timedelta:
    """How long a new token works (API_TOKEN_DAYS)."""
    return timedelta(days=int(current_app.config["API_TOKEN_DAYS"]))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    user: User, *, name: str | None, by: User | None, request_info: RequestInfo | None = None
) -> tuple[ApiToken, str]:
    """Make a personal API token for `user`, working for API_TOKEN_DAYS; returns the row
    and the token (shown once)."""
    if not user.access_approved:
        raise TokenError(
            f"{user.username}'s account has not been approved yet; a token can be made once "
            "a supervisor approves it."
        )
    if not user.active:
        raise TokenError(f"{user.username}'s account is disabled; enable it before adding a token.")
    if user.held_after_reset:
        raise TokenError(
            f"{user.username}'s account is held after a reset until a supervisor approves "
            "it; a token can be made after that."
        )
    label = clean_text(name) or "API token"
    if len(label) > NAME_MAX:
        raise TokenError(f"The name is too long: at most {NAME_MAX} characters.", field="name")
    secret = secrets.token_urlsafe(32)  # 256 random bits
    token = f"{TOKEN_PREFIX}{secret}"
    now = utcnow()
    row = ApiToken(
        user_id=user.id,
        name=label,
        prefix=secret[:PREFIX_LENGTH],
        token_hash=hash_token(token),
        created_at=now,
        created_by_id=by.id if by is not None else None,
        expires_at=now + lifetime(),
    )
    db.session.add(row)
    record_change(
        AuditAction.CREATE,
        row,
        by=by,
        category=DataCategory.ACCOUNT,
        detail=(
            f"API token “{label}” ({row.display}) for {user.username}, "
            f"expires {program_date(row.expires_at):%Y-%m-%d}"
        ),
        request_info=request_info,
    )
    return row, token


def revoke_token(
    row: ApiToken, *, by: User | None, request_info: RequestInfo | None = None
) -> None:
    """Stop a token working at once (the row stays, with who revoked it and when)."""
    if row.revoked_at is not None:
        raise TokenError("This token was already revoked.")
    _revoke(row, by=by, why=None, request_info=request_info)


def revoke_user_tokens(
    user: User, *, why: str, by: User | None, request_info: RequestInfo | None = None
) -> int:
    """Revoke every working token of the user; returns how many.

    A token was granted to the account as it stood: a new password (changed or
    reset), a disabled account or a new role ends it, as it ends login sessions.
    """
    rows = list(
        db.session.scalars(
            select(ApiToken).where(
                ApiToken.user_id == user.id,
                ApiToken.revoked_at.is_(None),
                ApiToken.expires_at > utcnow(),
            )
        )
    )
    for row in rows:
        _revoke(row, by=by, why=why, request_info=request_info)
    return len(rows)


def _revoke(
    row: ApiToken, *, by: User | None, why: str | None, request_info: RequestInfo | None
) -> None:
    row.revoked_at = utcnow()
    row.revoked_by_id = by.id if by is not None else None
    record_change(
        AuditAction.UPDATE,
        row,
        by=by,
        category=DataCategory.ACCOUNT,
        detail=f"API token “{row.name}” ({row.display}) revoked" + (f": {why}" if why else ""),
        request_info=request_info,
    )


def user_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, working ones first, newest first."""
    stopped = ApiToken.revoked_at.is_not(None) | (ApiToken.expires_at <= utcnow())
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id)
            .order_by(stopped, ApiToken.created_at.desc(), ApiToken.id)
        )
    )


def find_token(token: str) -> tuple[ApiToken, User] | None:
    """The working token and its active user for a bearer token, in one query; else None.

    An expired token raises TokenExpired, so the caller learns to make a new one. The
    query also reads the user's current team and break-glass grants, which the
    privacy policy keeps for the rest of the request (as for a login session)."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    rows = db.session.execute(
        _token_query(), {"token_hash": hash_token(token), "now": utcnow()}
    ).all()
    if not rows:
        return None
    api_token, user, *_ = rows[0]
    if api_token.revoked_at is not None or not user.is_active:
        return None
    if api_token.expired:
        raise TokenExpired(
            f"This API token expired on {program_date(api_token.expires_at):%Y-%m-%d}. "
            "Make a new one on the API tokens page (/account/api-tokens/)."
        )
    policy.remember_viewer(user, rows)
    return api_token, user


@cache
def _token_query() -> Select[ApiToken, User, int | None, int | None]:
    """find_token's statement, built once (every API call runs it)."""
    return policy.with_viewer_facts(
        select(ApiToken, User).join(User, User.id == ApiToken.user_id), User.id
    ).where(ApiToken.token_hash == bindparam("token_hash"))


def record_token_use(row: ApiToken, *, now: datetime | None = None) -> None:
    """Move last_used_at forward, at most once per TOUCH_INTERVAL per token.

    Written in its own short transaction and conditionally, so concurrent requests
    write once and never conflict with the request's own work; a failure is logged.
    """
    now = now or utcnow()
    if row.last_used_at is not None and now - row.last_used_at < TOUCH_INTERVAL:
        return
    statement = (
        update(ApiToken)
        .where(ApiToken.id == row.id)
        .where((ApiToken.last_used_at.is_(None)) | (ApiToken.last_used_at <= now - TOUCH_INTERVAL))
        .values(last_used_at=now)
    )
    try:
        with db.engine.begin() as connection:
            connection.execute(statement)
    except SQLAlchemyError:
        log.warning("Could not record an API token's use", exc_info=True)

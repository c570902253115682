"""Optional two-factor login with time-based one-time codes (TOTP, RFC 6238, pyotp).

A user enrols by adding the secret to an authenticator app and confirming one code.
After that, every login asks for a code once the password is right. Roles listed in
TOTP_REQUIRED_ROLES must enrol before they can use anything else. A code is accepted
for its own 30-second step and one step either side (clock drift), and only once:
the last accepted step is stored, so a code seen over a shoulder cannot be replayed.
"""

from __future__ import annotations

import hmac
import logging
import re
from datetime import datetime

import pyotp
from flask import current_app
from sqlalchemy import or_, select, update

from coresponse.auth.crypto import SealError, seal, unseal
from coresponse.auth.models import TotpCredential, User, UserSession
from coresponse.clock import utcnow
from coresponse.errors import DomainError
from coresponse.extensions import db

log = logging.getLogger(__name__)

STEP_SECONDS = 30
DRIFT_STEPS = 1
ISSUER = "CoResponse"
_CODE = re.compile(r"^\d{6}$")


class TwoFactorError(DomainError):
    """A two-factor change the rules refuse, or a wrong code."""


def required_for(user: User) -> bool:
    """True when the user's role must use two-factor login (TOTP_REQUIRED_ROLES)."""
    required = {str(r).strip().lower() for r in current_app.config.get("TOTP_REQUIRED_ROLES", [])}
    return user.role.value in required


def active_credential(user: User) -> TotpCredential | None:
    """The confirmed, not disabled key the user logs in with, if any."""
    return _newest_credential(user, confirmed=True)


def has_two_factor(user: User) -> bool:
    return active_credential(user) is not None


def pending_credential(user: User) -> TotpCredential | None:
    return _newest_credential(user, confirmed=False)


def _newest_credential(user: User, *, confirmed: bool) -> TotpCredential | None:
    """The user's newest key that is not disabled, confirmed or still waiting for its code."""
    confirmed_at = TotpCredential.confirmed_at
    return db.session.scalar(
        select(TotpCredential)
        .where(
            TotpCredential.user_id == user.id,
            confirmed_at.is_not(None) if confirmed else confirmed_at.is_(None),
            TotpCredential.disabled_at.is_(None),
        )
        .order_by(TotpCredential.id.desc())
        .limit(1)
    )


def start_enrolment(user: User) -> TotpCredential:
    """The user's unconfirmed key, made now if there is none (flushed, not committed)."""
    credential = pending_credential(user)
    if credential is None:
        credential = TotpCredential(
            user_id=user.id, secret_sealed=seal(pyotp.random_base32(), _key())
        )
        db.session.add(credential)
        db.session.flush()
    return credential


def secret_of(credential: TotpCredential) -> str:
    """The base32 secret, for showing during enrolment and for checking codes."""
    return unseal(credential.secret_sealed, _key())


def provisioning_uri(user: User, credential: TotpCredential) -> str:
    """The otpauth:// address an authenticator app can import."""
    return pyotp.TOTP(secret_of(credential)).provisioning_uri(
        name=user.username, issuer_name=ISSUER
    )


def normalise_code(code: str | None) -> str:
    """Digits only: people type "123 456" or "123-456"."""
    return re.sub(r"[\s-]", "", code or "")


def confirm_enrolment(
    user: User, code: str, *, session_row: UserSession | None, now: datetime | None = None
) -> TotpCredential:
    """Turn two-factor on with the first code from the app; this login counts as verified."""
    credential = pending_credential(user)
    if credential is None:
        raise TwoFactorError("Start setting up two-factor login first.")
    step = _matching_step(credential, code, now=now)
    if step is None:
        raise TwoFactorError(
            "That code does not match. Check the app shows CoResponse for your username, "
            "then enter the code it shows now.",
            field="code",
        )
    now = now or utcnow()
    # A new phone replaces the old key: only one key is live at a time.
    for old in db.session.scalars(
        select(TotpCredential).where(
            TotpCredential.user_id == user.id,
            TotpCredential.confirmed_at.is_not(None),
            TotpCredential.disabled_at.is_(None),
        )
    ):
        old.disabled_at = now
    credential.confirmed_at = now
    credential.last_used_step = step
    if session_row is not None:
        session_row.two_factor_verified = True
    db.session.flush()
    return credential


def verify_code(user: User, code: str, *, now: datetime | None = None) -> bool:
    """True when the code fits the user's live key and was not used before.

    Accepting a code records its step atomically, so of two logins racing with the
    same code only one succeeds.
    """
    credential = active_credential(user)
    if credential is None:
        return False
    step = _matching_step(credential, code, now=now)
    if step is None:
        return False
    result = db.session.execute(
        update(TotpCredential)
        .where(
            TotpCredential.id == credential.id,
            or_(TotpCredential.last_used_step.is_(None), TotpCredential.last_used_step < step),
        )
        .values(last_used_step=step)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1  # type: ignore[attr-defined]  # an UPDATE returns a CursorResult; Session.execute is typed Result


def turn_off(user: User, *, now: datetime | None = None) -> None:
    """Disable every key of the user, pending or live (flushed, not committed)."""
    db.session.execute(
        update(TotpCredential)
        .where(TotpCredential.user_id == user.id, TotpCredential.disabled_at.is_(None))
        .values(disabled_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


def _matching_step(
    credential: TotpCredential, code: str, *, now: datetime | None = None
) -> int | None:
    code = normalise_code(code)
    if not _CODE.match(code):
        return None
    try:
        totp = pyotp.TOTP(secret_of(credential))
    except SealError:
        # SECRET_KEY changed since enrolment: the key is unreadable, the user must re-enrol.
        log.error("Two-factor key of user %s cannot be unsealed", credential.user_id)
        return None
    current = int((now or utcnow()).timestamp()) // STEP_SECONDS
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _key() -> str:
    return str(current_app.config["SECRET_KEY"])

"""Every change to user accounts: creation, edits, disabling, passwords, login, two-factor,
and the supervisors' approval of access to people's records (four eyes)."""

from __future__ import annotations

import re
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change, record_event
from coresponse.auth import common_passwords, sessions, throttle, tokens, two_factor
from coresponse.auth.models import (
    AccessRequest,
    AccessRequestKind,
    AccessRequestStatus,
    ApiToken,
    Discipline,
    LoginFailureReason,
    Role,
    SessionEndReason,
    TotpCredential,
    User,
    UserSession,
    role_label,
)
from coresponse.auth.queries import pending_access_request
from coresponse.clock import utcnow
from coresponse.errors import Conflict, DomainError, NotFound
from coresponse.extensions import db
from coresponse.privacy import policy
from coresponse.teams.models import Team, TeamMembership
from coresponse.teams.services import end_current_membership

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# Checked when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("coresponse-timing-equaliser")


# The one message for every refused login: it must not tell a wrong password from an
# unknown username, a disabled account or a locked one.
LOGIN_REFUSED = (
    "That username and password do not match an active account, or the account is "
    "locked for a few minutes after too many attempts."
)


# Shown at login, to the holder of the right password only, instead of LOGIN_REFUSED.
ACCESS_NOT_APPROVED = (
    "Your account has not been approved yet. A supervisor other than the administrator "
    "who set it up must approve it before you can log in; ask your supervisor."
)
# Shown at login, to the holder of the right password only, while the account is held
# after an administrator's reset (User.held_after_reset).
ACCESS_HELD = (
    "Your account is waiting for approval: an administrator reset your password or "
    "two-factor login, and a supervisor other than that administrator must approve the "
    "reset before you can log in. Ask your supervisor."
)
DECISION_NOTE_MAX = 500


class AuthError(DomainError):
    """An account change the rules refuse."""


class AccessNotApproved(AuthError):
    """The right password, for a new account whose access no supervisor has approved, or
    for an account held after an administrator's reset that no supervisor has approved.

    An audit event has been written, and it is kept although the answer is a 403.
    """

    status_code = 403
    recorded = True


class ApprovalRefused(AuthError):
    """This supervisor may not decide this access request (policy says why)."""

    status_code = 403


class WrongCredentials(AuthError):
    """A wrong password or code from a logged-in user.

    The refusal has been recorded (it counts toward the lockout), and nothing else
    changed: the record is kept although the answer is an error.
    """

    recorded = True


class TooManyAttempts(AuthError):
    """Too many failed logins from one address: refused before any password is checked."""

    status_code = 429


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_password_policy(
    password: str, *, username: str | None = None, full_name: str | None = None
) -> None:
    """Raise AuthError naming what is wrong with a proposed password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters.", field="password"
        )
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise AuthError("Password must not contain the username.", field="password")
    # Parts of the name long enough to matter ("Rivera", not "Li").
    for part in re.split(r"[\s\-'.]+", (full_name or "").lower()):
        if len(part) >= 4 and part in lowered:
            raise AuthError("Password must not contain the person's name.", field="password")
    reason = common_passwords.predictable_reason(password)
    if reason is not None or common_passwords.is_common(password):
        why = f" (it {reason})" if reason else ""
        raise AuthError(
            f"That password is too easy to guess{why}. Choose something less predictable: "
            "a phrase of three or four unrelated words works well.",
            field="password",
        )


def hash_password(password: str) -> str:
    """A salted scrypt hash (Werkzeug's default, memory-hard)."""
    return generate_password_hash(password)


def _check_role(role: Role, discipline: Discipline | None) -> Discipline | None:
    if role is Role.SUPERVISOR:
        if discipline is None:
            raise AuthError(
                "A supervisor needs a discipline: police or clinical.", field="discipline"
            )
        return discipline
    # Only supervisors have a discipline; the other roles imply theirs.
    return None


def get_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == normalise_username(username)))


def create_user(
    username: str,
    *,
    full_name: str,
    role: Role,
    password: str,
    discipline: Discipline | None = None,
    email: str | None = None,
    must_change_password: bool = False,
    by: User | None,
    request_info: RequestInfo | None = None,
) -> User:
    """Create an account, refusing taken usernames and weak passwords.

    An account whose role reads people's records, created by an administrator (`by`),
    stays inactive until a supervisor approves it (see request_access); one created on
    the server (`by=None`: `flask users create`, the demo) is active at once: whoever
    runs commands there can change the database anyway, and the first administrator and
    supervisors have no one to approve them.
    """
    username = normalise_username(username)
    if not USERNAME_RE.match(username):
        raise AuthError(
            "Username must be 2–63 characters: lower-case letters, digits, '.', '_' or '-', "
            "starting with a letter or digit.",
            field="username",
        )
    full_name = full_name.strip()
    if not full_name:
        raise AuthError("Full name is required.", field="full_name")
    discipline = _check_role(role, discipline)
    check_password_policy(password, username=username, full_name=full_name)
    if db.session.scalar(select(func.count()).where(User.username == username)):
        raise Conflict(f"The username {username!r} is already taken.", field="username")
    waits = _needs_approval(role, discipline, from_role=None, by=by)
    user = User(
        username=username,
        full_name=full_name,
        email=(email or "").strip() or None,
        role=role,
        discipline=discipline,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        created_by_id=by.id if by else None,
        active=not waits,
        access_approved=not waits,
    )
    db.session.add(user)
    db.session.flush()
    detail = f"created with role {user.role_label}"
    if waits:
        assert by is not None  # noqa: S101  # nosec B101 (by=None never waits)
        request = _open_access_request(user, role, discipline, by=by)
        detail += (
            f"; inactive until a {request.approver_discipline.label.lower()} supervisor "
            f"approves it (access request {request.id})"
        )
    _audit(AuditAction.CREATE, user, by, detail, request_info)
    return user


def update_user(
    user: User,
    *,
    full_name: str,
    role: Role,
    discipline: Discipline | None = None,
    email: str | None = None,
    by: User | None,
    request_info: RequestInfo | None = None,
) -> User:
    """Change a user's name, e-mail, role or discipline.

    A change of role that widens what the account reads of people's records
    (policy.widens_access) is asked for, not made: the account keeps its role until a
    supervisor approves it. Any other change of role applies at once (and makes a new
    account that was waiting active). Choosing the role already asked for changes
    nothing; choosing the current role withdraws the request.

    An account held after a reset (held_after_reset) keeps its role until a supervisor
    approves a reset: the approver vouches for the account as it is.
    """
    full_name = full_name.strip()
    if not full_name:
        raise AuthError("Full name is required.", field="full_name")
    discipline = _check_role(role, discipline)
    if by is not None and by.id == user.id and role is not user.role:
        raise AuthError("You cannot change your own role; ask another administrator.", field="role")
    if user.held_after_reset and (role, discipline) != (user.role, user.discipline):
        raise AuthError(
            f"{user.full_name} cannot log in until a supervisor approves the reset of their "
            "password or two-factor login; change the role after that. To stop the "
            "account now, disable it.",
            field="role",
        )
    pending = pending_access_request(user)
    if pending is not None and pending.is_reset:
        pending = None  # decided on its own: this form changes no role while it waits
    target = (role, discipline)
    waiting = pending is not None and (pending.role, pending.discipline) == target
    kept = user.access_approved and target == (user.role, user.discipline)
    change = not (waiting or kept)
    if change and role is not user.role and _current_team_name(user):
        raise AuthError(
            f"{user.full_name} is on {_current_team_name(user)}; remove them from the team "
            "before changing their role.",
            field="role",
        )
    user.full_name = full_name
    user.email = (email or "").strip() or None
    changes: list[str] = []
    revoke = False
    if pending is not None and not waiting:
        why = "role kept" if kept else f"replaced by a request for {_label(role, discipline)}"
        _withdraw(pending, why=why, by=by)
        changes.append(f"request {pending.id} for {pending.asked_for} withdrawn")
    if change:
        old_label = user.role_label
        from_role = user.role if user.access_approved else None
        if _needs_approval(role, discipline, from_role=from_role,
                           from_discipline=user.discipline, by=by):  # fmt: skip
            assert by is not None  # noqa: S101  # nosec B101 (by=None never waits)
            if not user.access_approved:
                # A new account has no access to keep: it waits with the role asked for.
                user.role, user.discipline = role, discipline
            request = _open_access_request(user, role, discipline, by=by)
            changes.append(
                f"role {old_label} → {request.role_label} asked for: waits for a "
                f"{request.approver_discipline.label.lower()} supervisor's approval "
                f"(access request {request.id})"
            )
        else:
            revoke = user.access_approved and target != (user.role, user.discipline)
            if target != (user.role, user.discipline):
                changes.append(f"role {old_label} → {_label(role, discipline)}")
            user.role, user.discipline = role, discipline
            if not user.access_approved:
                _activate(user)
                changes.append("activated: the role needs no approval")
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, "; ".join(changes) or "details edited", request_info)
    if revoke:
        _revoke_api_tokens(user, "role changed", by, request_info)
    return user


def disable_user(user: User, *, by: User | None, request_info: RequestInfo | None = None) -> User:
    """Disable an account: it can no longer log in, its sessions end, it leaves its team."""
    if not user.access_approved:
        raise AuthError(
            f"{user.username} cannot log in: their access has not been approved. "
            "Change their role, or ask a supervisor to reject the request."
        )
    if not user.active:
        raise AuthError(f"{user.username} is already disabled.")
    if by is not None and by.id == user.id:
        raise AuthError("You cannot disable your own account.")
    if user.role is Role.ADMIN and _active_admin_count() <= 1:
        raise AuthError("This is the last active administrator; enable another one first.")
    user.active = False
    user.disabled_at = utcnow()
    user.session_version += 1
    sessions.end_user_sessions(user, SessionEndReason.DISABLED)
    end_current_membership(user, by=by, reason="account disabled")
    detail = "disabled"
    pending = pending_access_request(user)
    if pending is not None:
        # Someone leaving does not take up a new role later by a forgotten approval.
        _withdraw(pending, why="account disabled", by=by)
        detail += f"; request {pending.id} for {pending.asked_for} withdrawn"
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, detail, request_info)
    # Revoked, not only refused while disabled: enabling the account does not revive them.
    _revoke_api_tokens(user, "account disabled", by, request_info)
    return user


def enable_user(user: User, *, by: User | None, request_info: RequestInfo | None = None) -> User:
    """Let a disabled account log in again (team membership is not restored).

    A new account that is waiting for approval (or was rejected) is not enabled this
    way while approval is on: a supervisor approves it. Nor is an account held after a
    reset: a supervisor approves the reset. With approval off, enabling either makes it
    active.
    """
    if user.active:
        raise AuthError(f"{user.username} is already active.")
    if user.held_after_reset:
        if by is not None and access_approval_on():
            raise AuthError(
                f"{user.username} cannot log in until a supervisor approves the reset of "
                "their password or two-factor login: enable the account once it is "
                "approved (reset the password again to ask again)."
            )
        why = "enabled on the server" if by is None else "enabled while approval is off"
        released = _release_hold(user, why=why, by=by)
    else:
        released = ""
    if not user.access_approved:
        if _needs_approval(user.role, user.discipline, from_role=None, by=by):
            raise AuthError(
                f"{user.username}'s access as {user.role_label.lower()} has not been "
                "approved: a supervisor approves it on their Access to approve page, or "
                "you change the role."
            )
        pending = pending_access_request(user)
        if pending is not None:
            _withdraw(pending, why="enabled while approval is off", by=by)
        _activate(user)
    user.active = True
    user.disabled_at = None
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, "enabled" + released, request_info)
    return user


def reset_password(
    user: User,
    new_password: str,
    *,
    by: User | None,
    must_change: bool = True,
    request_info: RequestInfo | None = None,
) -> User:
    """Set a new password for someone else; by default they must change it at next login.

    An administrator's reset of an account that reads people's records holds the account
    until a supervisor approves the reset (reset_waits_for); a reset on the server
    (`by=None`) applies at once, and releases an account held by an earlier reset (the
    administrator's temporary password no longer works).
    """
    check_password_policy(new_password, username=user.username, full_name=user.full_name)
    user.password_hash = hash_password(new_password)
    user.must_change_password = must_change
    _finish_reset(
        user, AccessRequestKind.PASSWORD_RESET, SessionEndReason.PASSWORD_RESET,
        "password reset", by=by, request_info=request_info,
    )  # fmt: skip
    return user


def change_own_password(
    user: User,
    current_password: str,
    new_password: str,
    *,
    request_info: RequestInfo | None = None,
) -> User:
    """Change one's own password after proving the current one.

    Every session and API token of the user ends, this session included: the caller
    opens a new one.
    Wrong current passwords count toward the lockout, so a session left open on a
    shared tablet cannot be used to guess the password.
    """
    prove_password(user, current_password, field="current_password", request_info=request_info)
    if current_password == new_password:
        raise AuthError("The new password must differ from the current one.", field="password")
    check_password_policy(new_password, username=user.username, full_name=user.full_name)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.session_version += 1
    sessions.end_user_sessions(user, SessionEndReason.PASSWORD_CHANGED)
    db.session.flush()
    _audit(AuditAction.UPDATE, user, user, "changed own password", request_info)
    _revoke_api_tokens(user, "password changed", user, request_info)
    return user


def authenticate(
    username: str, password: str, *, request_info: RequestInfo | None = None
) -> User | None:
    """The active, unlocked user with these credentials, or None. Records a refusal.

    Raises AccessNotApproved for the right password of a new account that waits for
    a supervisor's approval, or of an account held after an administrator's reset (the
    audit event is written, and kept).

    Every path costs one password hash and the same queries and writes, so neither
    the answer nor its timing tells an unknown username from a wrong password, a
    disabled account or a locked one. Does not log in: see open_session(), and
    two_factor.verify_code() first when the user has two-factor login.
    Raises TooManyAttempts when the caller's address failed too often lately.
    """
    ip_address = request_info.ip_address if request_info else None
    _refuse_throttled_address(ip_address)
    name = normalise_username(username or "")
    key = throttle.username_key(name)
    user = get_user_by_username(name) if name else None
    locked = throttle.locked_until(key) is not None
    password_ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password)
    if user is not None and user.is_active and password_ok and not locked:
        return user
    if user is not None and password_ok and not locked and not user.access_approved:
        # The right password: its holder is told why, not sent to guess. Not counted
        # toward the lockout, which is for wrong passwords.
        _audit(AuditAction.LOGIN_FAILED, user, None, "access not approved yet", request_info)
        raise AccessNotApproved(ACCESS_NOT_APPROVED)
    if user is not None and password_ok and not locked and user.active:
        # Held after a reset (is_active is False): as above. A disabled account is
        # refused as disabled, whatever waits.
        _audit(AuditAction.LOGIN_FAILED, user, None, "held after a reset: waiting for approval",
               request_info)  # fmt: skip
        raise AccessNotApproved(ACCESS_HELD)
    if locked:
        reason, detail = LoginFailureReason.LOCKED, "account locked after failed logins"
    elif user is not None and password_ok:
        reason, detail = LoginFailureReason.DISABLED, "account disabled"
    else:
        reason, detail = LoginFailureReason.PASSWORD, "wrong password"
    throttle.record_failure(key, reason=reason, ip_address=ip_address)
    if user is None:
        # Recorded like the others (same writes, same time), without the typed name:
        # people type passwords into the username box.
        record_event(
            AuditAction.LOGIN_FAILED,
            by=None,
            record_type="user",
            category=DataCategory.ACCOUNT,
            detail="unknown username",
            request_info=request_info,
        )
    else:
        _audit(AuditAction.LOGIN_FAILED, user, None, detail, request_info)
    return None


def verify_login_code(user: User, code: str, *, request_info: RequestInfo | None = None) -> bool:
    """The second login step: True when the two-factor code is right and the account
    is not locked. A wrong code counts toward the lockout like a wrong password."""
    ip_address = request_info.ip_address if request_info else None
    _refuse_throttled_address(ip_address)
    key = throttle.username_key(user.username)
    if throttle.locked_until(key) is not None:
        throttle.record_failure(key, reason=LoginFailureReason.LOCKED, ip_address=ip_address)
        _audit(AuditAction.LOGIN_FAILED, user, None, "account locked after failed logins",
               request_info)  # fmt: skip
        return False
    if user.is_active and two_factor.verify_code(user, code):
        return True
    throttle.record_failure(key, reason=LoginFailureReason.CODE, ip_address=ip_address)
    _audit(AuditAction.LOGIN_FAILED, user, None, "wrong two-factor code", request_info)
    return False


def login_locked(user: User) -> bool:
    """True when the user's failed attempts have locked the account."""
    return throttle.locked_until(throttle.username_key(user.username)) is not None


def open_session(
    user: User, *, two_factor_verified: bool, request_info: RequestInfo | None = None
) -> tuple[UserSession, str]:
    """Log a user in whose password (and code, if they use one) checked out.

    Clears their failed attempts, notes the login, and returns the new session row
    and the token the cookie carries.
    """
    throttle.clear_failures(throttle.username_key(user.username))
    user.last_login_at = utcnow()
    row, token = sessions.begin_session(
        user, two_factor_verified=two_factor_verified, request_info=request_info
    )
    _audit(
        AuditAction.LOGIN,
        user,
        user,
        "with a two-factor code" if two_factor_verified else None,
        request_info,
    )
    return row, token


def record_logout(
    user: User,
    *,
    session_row: UserSession | None = None,
    request_info: RequestInfo | None = None,
) -> None:
    """End this session for good and note the logout in the audit trail."""
    if session_row is not None:
        sessions.end_session(session_row, SessionEndReason.LOGOUT)
    _audit(AuditAction.LOGOUT, user, user, None, request_info)


def login_lock_status(user: User) -> tuple[datetime | None, int]:
    """When the user's login lock ends (None if not locked), and recent failed attempts."""
    key = throttle.username_key(user.username)
    return throttle.locked_until(key), throttle.recent_failures(key)


def unlock_user(user: User, *, by: User | None, request_info: RequestInfo | None = None) -> User:
    """Forget an account's failed logins, ending its lock before the lock runs out."""
    throttle.clear_failures(throttle.username_key(user.username))
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, "login lock cleared", request_info)
    return user


# --- Four eyes: a supervisor approves access to people's records -------------------------


def access_approval_on() -> bool:
    """Whether access to people's records waits for a supervisor (CORESPONSE_ACCESS_APPROVAL)."""
    return bool(current_app.config.get("ACCESS_APPROVAL", True))


def _needs_approval(
    role: Role,
    discipline: Discipline | None,
    *,
    from_role: Role | None,
    from_discipline: Discipline | None = None,
    by: User | None,
) -> bool:
    """Whether this role, asked for by `by`, waits for a supervisor: approval is on, a
    person asks it through the application (not the server's command line), and the
    role lets the account read people's records it could not before."""
    return (
        by is not None
        and access_approval_on()
        and policy.widens_access(
            role, discipline, from_role=from_role, from_discipline=from_discipline
        )
    )


def _open_access_request(
    user: User,
    role: Role,
    discipline: Discipline | None,
    *,
    by: User,
    kind: AccessRequestKind = AccessRequestKind.ROLE,
) -> AccessRequest:
    previous = (user.role, user.discipline) if user.access_approved else (None, None)
    request = AccessRequest(
        user_id=user.id,
        kind=kind,
        role=role,
        discipline=discipline,
        previous_role=previous[0],
        previous_discipline=previous[1],
        approver_discipline=policy.approver_discipline(role, discipline),
        requested_by_id=by.id,
        requested_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    return request


def _withdraw(request: AccessRequest, *, why: str, by: User | None) -> None:
    request.status = AccessRequestStatus.WITHDRAWN
    request.decided_at = utcnow()
    request.decided_by_id = by.id if by is not None else None
    request.decision_note = why
    db.session.flush()


def reset_waits_for(user: User, *, by: User | None) -> Discipline | None:
    """Whose supervisors approve `by`'s reset of `user`'s password or two-factor login
    before the account can log in again; None when the reset applies at once: approval
    is off, the reset is made on the server (`by=None`: whoever runs commands there can
    change the database anyway), or the account reads no person's record."""
    if by is None or not access_approval_on() or not policy.reset_waits_for_approval(user):
        return None
    return policy.approver_discipline(user.role, user.discipline)


def _finish_reset(
    user: User,
    kind: AccessRequestKind,
    ended: SessionEndReason,
    what: str,
    *,
    by: User | None,
    request_info: RequestInfo | None,
) -> None:
    """What every reset of someone's login does once the new password or the removed key
    is set: their sessions and API tokens end, an administrator's reset may hold the
    account (_hold_after_reset), and the trail says `what` was reset."""
    user.session_version += 1
    held = _hold_after_reset(user, kind, by=by)
    sessions.end_user_sessions(user, ended)
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, what + held, request_info)
    _revoke_api_tokens(user, what, by, request_info)


def _hold_after_reset(user: User, kind: AccessRequestKind, *, by: User | None) -> str:
    """Hold the account until a supervisor approves this reset (a request replaces any
    waiting one), or let the reset apply at once. Returns what the reset's audit detail
    adds.

    A reset that applies at once releases an earlier hold when it stands for the whole
    account: a new password set on the server (the administrator's temporary one no
    longer works), or any administrator's reset while approval is off. A two-factor
    reset on the server does not: the temporary password it would free still works.
    """
    side = reset_waits_for(user, by=by)
    if side is None:
        if not user.held_after_reset or (
            by is None and kind is not AccessRequestKind.PASSWORD_RESET
        ):
            return ""
        why = "password reset on the server" if by is None else "reset while approval is off"
        return _release_hold(user, why=why, by=by)
    assert by is not None  # noqa: S101  # nosec B101 (by=None never waits)
    detail = ""
    with db.session.no_autoflush:  # the reset's own changes are written once, below
        pending = pending_access_request(user)
    if pending is not None:
        # A role asked for waits behind the reset: ask again once the reset is approved.
        _withdraw(pending, why=f"replaced by a {kind.label.lower()} by {by.username}", by=by)
        detail = f"; request {pending.id} for {pending.asked_for} withdrawn"
    user.held_after_reset = True
    request = _open_access_request(user, user.role, user.discipline, by=by, kind=kind)
    return (
        f"; held until a {side.label.lower()} supervisor approves the reset (access request "
        f"{request.id}){detail}"
    )


def _release_hold(user: User, *, why: str, by: User | None) -> str:
    """End a hold after a reset without a supervisor (approval off, or the server's
    command line); returns the audit detail's addition."""
    user.held_after_reset = False
    detail = f"; hold after a reset lifted ({why})"
    pending = pending_access_request(user)
    if pending is not None and pending.is_reset:
        _withdraw(pending, why=why, by=by)
        detail += f"; request {pending.id} for {pending.asked_for} withdrawn"
    return detail


def _activate(user: User) -> None:
    user.access_approved = True
    user.active = True
    user.disabled_at = None


def get_access_request(request_id: int) -> AccessRequest:
    """An access request with its account and who asked; NotFound when there is none."""
    request = db.session.scalar(
        select(AccessRequest)
        .where(AccessRequest.id == request_id)
        .options(joinedload(AccessRequest.user), joinedload(AccessRequest.requested_by))
    )
    if request is None:
        raise NotFound("There is no such access request.")
    return request


def _check_decision(request: AccessRequest, by: User) -> None:
    if request.status is not AccessRequestStatus.PENDING:
        raise Conflict(
            f"This request was already {request.status.label.lower()}: there is nothing "
            "left to decide."
        )
    refusal = policy.access_approval_refusal(by, request)
    if refusal is not None:
        raise ApprovalRefused(refusal)


def _decide(
    request: AccessRequest, status: AccessRequestStatus, *, by: User, note: str | None
) -> None:
    note = (note or "").strip() or None
    if note is not None and len(note) > DECISION_NOTE_MAX:
        raise AuthError(
            f"The note is too long: at most {DECISION_NOTE_MAX} characters.", field="note"
        )
    request.status = status
    request.decided_by_id = by.id
    request.decided_at = utcnow()
    request.decision_note = note


def _decision_detail(verb: str, request: AccessRequest, note: str | None) -> str:
    user = request.user
    if request.is_reset:
        detail = (
            f"{request.asked_for} {verb}: {user.username} ({request.role_label}; reset by "
            f"{request.requested_by.username}; access request {request.id})"
        )
    else:
        was = "new account" if request.is_new_account else f"was {request.previous_role_label}"
        detail = (
            f"access {verb}: {request.role_label} for {user.username} ({was}; asked by "
            f"{request.requested_by.username}; access request {request.id})"
        )
    return f"{detail}; note: {note}" if note else detail


def approve_access_request(
    request: AccessRequest,
    *,
    by: User,
    note: str | None = None,
    request_info: RequestInfo | None = None,
) -> AccessRequest:
    """A supervisor approves a pending access request: a new account becomes active, a
    changed role takes effect (ending the account's API tokens, as any change of role
    does), an account held after a reset can log in again (with the temporary password,
    which it must change, for a password reset). The request's user and requester must
    be loaded (get_access_request)."""
    _check_decision(request, by)
    user = request.user
    if not request.is_reset and request.role is not user.role and _current_team_name(user):
        raise Conflict(
            f"{user.full_name} is on {_current_team_name(user)} now; they leave the team "
            f"before becoming {request.role_label.lower()}. Ask the administrator, or "
            "reject the request."
        )
    _decide(request, AccessRequestStatus.APPROVED, by=by, note=note)
    revoke = False
    if request.is_reset:
        # The role did not change while it waited (update_user refuses that).
        user.held_after_reset = False
    else:
        revoke = user.access_approved and (user.role, user.discipline) != (
            request.role,
            request.discipline,
        )
        user.role, user.discipline = request.role, request.discipline
        if not user.access_approved:
            _activate(user)
    db.session.flush()
    detail = _decision_detail("approved", request, request.decision_note)
    _audit(AuditAction.APPROVE, user, by, detail, request_info)
    if revoke:
        _revoke_api_tokens(user, "role changed", by, request_info)
    return request


def reject_access_request(
    request: AccessRequest,
    *,
    by: User,
    note: str | None = None,
    request_info: RequestInfo | None = None,
) -> AccessRequest:
    """A supervisor rejects a pending access request: the account stays as it was (a new
    one inactive, a changed one with its old role, one held after a reset held: another
    reset asks again); nothing is deleted."""
    _check_decision(request, by)
    _decide(request, AccessRequestStatus.REJECTED, by=by, note=note)
    db.session.flush()
    detail = _decision_detail("rejected", request, request.decision_note)
    _audit(AuditAction.REJECT, request.user, by, detail, request_info)
    return request


# --- Two-factor login ------------------------------------------------------------


def confirm_two_factor(
    user: User,
    code: str,
    *,
    session_row: UserSession | None,
    request_info: RequestInfo | None = None,
) -> TotpCredential:
    """Turn on two-factor login with the first code the user's app shows."""
    credential = two_factor.confirm_enrolment(user, code, session_row=session_row)
    _audit(AuditAction.UPDATE, user, user, "two-factor login turned on", request_info)
    return credential


def turn_off_two_factor(
    user: User,
    password: str,
    code: str,
    *,
    session_row: UserSession | None,
    request_info: RequestInfo | None = None,
) -> User:
    """Turn off one's own two-factor login, proving both the password and a code."""
    if two_factor.active_credential(user) is None:
        raise AuthError("Two-factor login is not on.")
    prove_password(user, password, field="password", request_info=request_info)
    if not verify_login_code(user, code, request_info=request_info):
        raise WrongCredentials(
            "That code is not right, or it was already used. Enter the code your app shows now.",
            field="code",
        )
    two_factor.turn_off(user)
    if session_row is not None:
        # Roles that require two-factor are sent straight back to enrolment.
        session_row.two_factor_verified = False
    db.session.flush()
    _audit(AuditAction.UPDATE, user, user, "two-factor login turned off", request_info)
    return user


def reset_two_factor(
    user: User, *, by: User | None, request_info: RequestInfo | None = None
) -> User:
    """An administrator removes a lost device: the user's key goes, their sessions and
    API tokens end (a token may be on the lost device).

    Held until a supervisor approves it, as a password reset is (reset_waits_for): an
    administrator who knows the password could otherwise pass the second step.
    """
    if two_factor.active_credential(user) is None and two_factor.pending_credential(user) is None:
        raise AuthError(f"{user.username} has no two-factor login to reset.")
    two_factor.turn_off(user)
    _finish_reset(
        user, AccessRequestKind.TWO_FACTOR_RESET, SessionEndReason.TWO_FACTOR_RESET,
        "two-factor login reset", by=by, request_info=request_info,
    )  # fmt: skip
    return user


def _refuse_throttled_address(ip_address: str | None) -> None:
    if throttle.address_throttled(ip_address):
        minutes = int(throttle.window().total_seconds() // 60)
        raise TooManyAttempts(
            f"Too many failed logins from this network. Wait {minutes} minutes and try again."
        )


def prove_password(
    user: User, password: str, *, field: str, request_info: RequestInfo | None
) -> None:
    """Check a logged-in user's password again; wrong ones count toward the lockout.

    Raises WrongCredentials (the failure is recorded, and kept) or, while the
    account is locked, AuthError."""
    key = throttle.username_key(user.username)
    if throttle.locked_until(key) is not None:
        raise AuthError(
            "Too many wrong attempts: wait a few minutes before trying again.", field=field
        )
    if not check_password_hash(user.password_hash, password):
        ip_address = request_info.ip_address if request_info else None
        throttle.record_failure(key, reason=LoginFailureReason.PASSWORD, ip_address=ip_address)
        _audit(AuditAction.LOGIN_FAILED, user, user, "wrong password re-entered", request_info)
        raise WrongCredentials("The current password is not correct.", field=field)


def _revoke_api_tokens(
    user: User, why: str, by: User | None, request_info: RequestInfo | None
) -> None:
    # A new password, a disabled account or a new role ends the account's tokens as it
    # ends its sessions.
    tokens.revoke_user_tokens(user, why=why, by=by, request_info=request_info)


def _audit(
    action: AuditAction, user: User, by: User | None, detail: str | None, info: RequestInfo | None
) -> None:
    # An account's events are account data, whatever the account may read.
    record_change(
        action, user, by=by, detail=detail, category=DataCategory.ACCOUNT, request_info=info
    )


def _label(role: Role, discipline: Discipline | None) -> str:
    return role_label(role, discipline)


def _active_admin_count() -> int:
    return db.session.execute(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    ).scalar_one()


def _current_team_name(user: User) -> str | None:
    return db.session.scalar(
        select(Team.name)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == user.id, TeamMembership.left_at.is_(None))
    )


def create_own_token(
    user: User, *, password: str, name: str | None, request_info: RequestInfo | None = None
) -> tuple[ApiToken, str]:
    """Make a token for oneself, after entering one's password again.

    A token outlives the session, so a session left open on a shared tablet must not
    be enough to take one away. A wrong password counts toward the login lockout
    (auth.services.WrongCredentials: that record is kept).
    """
    prove_password(user, password, field="password", request_info=request_info)
    return tokens.create_token(user, name=name, by=user, request_info=request_info)

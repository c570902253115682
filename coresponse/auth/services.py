"""Every change to user accounts: creation, edits, disabling, passwords, login."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction
from coresponse.audit.services import RequestInfo, record_event
from coresponse.auth.models import Discipline, Role, User
from coresponse.db_types import utcnow
from coresponse.errors import Conflict, DomainError
from coresponse.extensions import db

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")
# Checked when the username is unknown, so a wrong username costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("coresponse-timing-equaliser")


class AuthError(DomainError):
    """An account change the rules refuse."""


def normalise_username(username: str) -> str:
    return username.strip().lower()


def check_password_policy(password: str, *, username: str | None = None) -> None:
    """Raise AuthError naming what is wrong with a proposed password."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(
            f"Password must be at least {MIN_PASSWORD_LENGTH} characters.", field="password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AuthError(
            f"Password must be at most {MAX_PASSWORD_LENGTH} characters.", field="password"
        )
    if username and username.lower() in password.lower():
        raise AuthError("Password must not contain the username.", field="password")


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
    """Create an account, refusing taken usernames and weak passwords."""
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
    check_password_policy(password, username=username)
    if db.session.scalar(select(func.count()).where(User.username == username)):
        raise Conflict(f"The username {username!r} is already taken.", field="username")
    user = User(
        username=username,
        full_name=full_name,
        email=(email or "").strip() or None,
        role=role,
        discipline=discipline,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        created_by_id=by.id if by else None,
    )
    db.session.add(user)
    db.session.flush()
    _audit(AuditAction.CREATE, user, by, f"created with role {user.role_label}", request_info)
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
    """Change a user's name, e-mail, role or discipline."""
    full_name = full_name.strip()
    if not full_name:
        raise AuthError("Full name is required.", field="full_name")
    discipline = _check_role(role, discipline)
    if by is not None and by.id == user.id and role is not user.role:
        raise AuthError("You cannot change your own role; ask another administrator.", field="role")
    if role is not user.role and _current_team_name(user):
        raise AuthError(
            f"{user.full_name} is on {_current_team_name(user)}; remove them from the team "
            "before changing their role.",
            field="role",
        )
    changes = []
    if role is not user.role or discipline is not user.discipline:
        changes.append(f"role {user.role_label} → {_label(role, discipline)}")
    user.full_name = full_name
    user.email = (email or "").strip() or None
    user.role = role
    user.discipline = discipline
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, "; ".join(changes) or "details edited", request_info)
    return user


def disable_user(user: User, *, by: User | None, request_info: RequestInfo | None = None) -> User:
    """Disable an account: it can no longer log in, its sessions end, it leaves its team."""
    from coresponse.teams.services import end_current_membership

    if not user.active:
        raise AuthError(f"{user.username} is already disabled.")
    if by is not None and by.id == user.id:
        raise AuthError("You cannot disable your own account.")
    if user.role is Role.ADMIN and _active_admin_count() <= 1:
        raise AuthError("This is the last active administrator; enable another one first.")
    user.active = False
    user.disabled_at = utcnow()
    user.session_version += 1
    end_current_membership(user, by=by, reason="account disabled")
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, "disabled", request_info)
    return user


def enable_user(user: User, *, by: User | None, request_info: RequestInfo | None = None) -> User:
    """Let a disabled account log in again (team membership is not restored)."""
    if user.active:
        raise AuthError(f"{user.username} is already active.")
    user.active = True
    user.disabled_at = None
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, "enabled", request_info)
    return user


def reset_password(
    user: User,
    new_password: str,
    *,
    by: User | None,
    must_change: bool = True,
    request_info: RequestInfo | None = None,
) -> User:
    """Set a new password for someone else; by default they must change it at next login."""
    check_password_policy(new_password, username=user.username)
    user.password_hash = hash_password(new_password)
    user.must_change_password = must_change
    user.session_version += 1
    db.session.flush()
    _audit(AuditAction.UPDATE, user, by, "password reset", request_info)
    return user


def change_own_password(
    user: User,
    current_password: str,
    new_password: str,
    *,
    request_info: RequestInfo | None = None,
) -> User:
    """Change one's own password after proving the current one."""
    if not check_password_hash(user.password_hash, current_password):
        raise AuthError("The current password is not correct.", field="current_password")
    if current_password == new_password:
        raise AuthError("The new password must differ from the current one.", field="password")
    check_password_policy(new_password, username=user.username)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    # Other sessions (a tablet left logged in) end; the caller logs this one in again.
    user.session_version += 1
    db.session.flush()
    _audit(AuditAction.UPDATE, user, user, "changed own password", request_info)
    return user


def authenticate(
    username: str, password: str, *, request_info: RequestInfo | None = None
) -> User | None:
    """The active user with these credentials, or None. Records the attempt."""
    user = get_user_by_username(username) if username else None
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.active:
        _audit(AuditAction.LOGIN_FAILED, user, None, None, request_info)
        return None
    user.last_login_at = utcnow()
    db.session.flush()
    _audit(AuditAction.LOGIN, user, user, None, request_info)
    return user


def record_logout(user: User, *, request_info: RequestInfo | None = None) -> None:
    """Note a logout in the audit trail."""
    _audit(AuditAction.LOGOUT, user, user, None, request_info)


def _audit(
    action: AuditAction,
    user: User,
    by: User | None,
    detail: str | None,
    request_info: RequestInfo | None,
) -> None:
    record_event(
        action,
        by=by,
        record_type="user",
        record_id=user.id,
        category=DataCategory.ACCOUNT,
        detail=detail,
        request_info=request_info,
    )


def _label(role: Role, discipline: Discipline | None) -> str:
    if role is Role.SUPERVISOR and discipline is not None:
        return f"{discipline.label} supervisor"
    return role.label


def _active_admin_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(User).where(User.role == Role.ADMIN, User.active)
    )


def _current_team_name(user: User) -> str | None:
    from coresponse.teams.models import Team, TeamMembership

    return db.session.scalar(
        select(Team.name)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.user_id == user.id, TeamMembership.left_at.is_(None))
    )

"""User accounts and roles, their access requests, login sessions, failed logins and
two-factor keys."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, and_, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model

if TYPE_CHECKING:
    from coresponse.teams.models import TeamMembership


class Role(LabelledEnum):
    """What a user does in the program; decides what they may see and change."""

    ADMIN = "admin", "Administrator"
    SUPERVISOR = "supervisor", "Supervisor"
    CLINICIAN = "clinician", "Clinician"
    OFFICER = "officer", "Police officer"
    ANALYST = "analyst", "Analyst"


class Discipline(LabelledEnum):
    """A supervisor's side of the partnership: a police sergeant or a clinical lead."""

    POLICE = "police", "Police"
    CLINICAL = "clinical", "Clinical"


# Roles that can be current members of a team, and how many of each a team needs.
TEAM_ROLES = (Role.OFFICER, Role.CLINICIAN)


class User(Model):
    """A person who logs in. Never deleted: disabled accounts keep their history."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    role: Mapped[Role] = mapped_column(enum_type(Role), index=True)
    discipline: Mapped[Discipline | None] = mapped_column(enum_type(Discipline))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    # False while a new account waits for a supervisor's approval of its role (it is
    # inactive meanwhile), and after a rejection; True once approved, and for accounts
    # that needed none (see AccessRequest). Never set back to False.
    access_approved: Mapped[bool] = mapped_column(default=True, server_default=true())
    # True from an administrator's reset of the password or two-factor login of an
    # account that reads people's records (while approval is on) until a supervisor
    # approves that reset: the account cannot log in and no token works meanwhile. A
    # rejection leaves it True; another reset asks again (see AccessRequest).
    held_after_reset: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Bumped on disable, password change and reset: every older session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a clinical supervisor last found one of the user's break-glass accesses not
    # justified; supervisors and administrators see it. Never cleared automatically.
    break_glass_flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="user",
        foreign_keys="TeamMembership.user_id",
        lazy="raise_on_sql",
    )
    # The access request waiting for a supervisor, if any (at most one: a unique index).
    pending_access_request: Mapped[AccessRequest | None] = relationship(
        primaryjoin=lambda: and_(
            AccessRequest.user_id == User.id,
            AccessRequest.status == AccessRequestStatus.PENDING,
        ),
        viewonly=True,
        uselist=False,
        lazy="raise_on_sql",
    )

    # Flask-Login protocol -------------------------------------------------
    @property
    def is_active(self) -> bool:
        """Whether the account may log in and use its tokens: enabled, and not held
        after an administrator's reset that waits for a supervisor."""
        return self.active and not self.held_after_reset

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The version makes a copied cookie useless once the account's sessions end.
        return f"{self.id}:{self.session_version}"

    # Role helpers ------------------------------------------------------------
    @property
    def is_clinical(self) -> bool:
        """Clinicians and clinical supervisors: may read clinical content."""
        return self.role is Role.CLINICIAN or (
            self.role is Role.SUPERVISOR and self.discipline is Discipline.CLINICAL
        )

    @property
    def role_label(self) -> str:
        return role_label(self.role, self.discipline)

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"


def role_label(role: Role, discipline: Discipline | None) -> str:
    """A role as people say it: "Clinical supervisor", "Police officer"."""
    if role is Role.SUPERVISOR and discipline is not None:
        return f"{discipline.label} supervisor"
    return role.label


class AccessRequestStatus(LabelledEnum):
    """Where a request for access stands."""

    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    # Replaced by another change of the role, or the account was disabled, before a decision.
    WITHDRAWN = "withdrawn", "Withdrawn"


class AccessRequestKind(LabelledEnum):
    """What an access request asks a supervisor to approve."""

    # A new account with a role, or a change of role (previous_role tells which).
    ROLE = "role", "Role"
    # An administrator reset the password or two-factor login of an account that reads
    # people's records: the account is held until a supervisor approves the reset.
    PASSWORD_RESET = "password_reset", "Password reset"
    TWO_FACTOR_RESET = "two_factor_reset", "Two-factor reset"


class AccessRequest(Model):
    """Four eyes: access to people's records that an administrator gave or restored,
    waiting for a supervisor's decision.

    Made for a new account with a role that reads people's records (the account stays
    inactive until it is approved), for a change of role that widens what an account
    reads (the account keeps its old role until then), and for an administrator's reset
    of the password or two-factor login of an account that reads them (`kind`; the
    account is held, User.held_after_reset, until then: whoever reset it could
    otherwise log in as it). The approver is a supervisor of the discipline in
    `approver_discipline` who is neither the account, nor whoever asked for the change
    or made the reset, nor the account's creator (coresponse/privacy/policy.py). Never
    deleted: a decision is written onto the row, which keeps who asked and who decided.
    """

    __tablename__ = "access_request"
    __table_args__ = (
        # One open request per account: a new change of role, or a reset, withdraws the old one.
        Index(
            "uq_access_request_pending_user",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # The supervisors' count and list: open requests for their discipline.
        Index("ix_access_request_status_discipline", "status", "approver_discipline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[AccessRequestKind] = mapped_column(
        enum_type(AccessRequestKind),
        default=AccessRequestKind.ROLE,
        server_default=AccessRequestKind.ROLE.value,
    )
    # The role asked for; for a reset, the account's role (which does not change).
    role: Mapped[Role] = mapped_column(enum_type(Role))
    discipline: Mapped[Discipline | None] = mapped_column(enum_type(Discipline))
    # The role the account had when it was asked; None for an account with no access yet.
    # For a reset, the same as `role`.
    previous_role: Mapped[Role | None] = mapped_column(enum_type(Role))
    previous_discipline: Mapped[Discipline | None] = mapped_column(enum_type(Discipline))
    # Whose supervisors decide: clinical access by clinical supervisors, police by police.
    approver_discipline: Mapped[Discipline] = mapped_column(enum_type(Discipline))
    status: Mapped[AccessRequestStatus] = mapped_column(
        enum_type(AccessRequestStatus), default=AccessRequestStatus.PENDING
    )
    # The administrator who asked for the role, or who made the reset.
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The approver's or rejecter's note, or why the request was withdrawn.
    decision_note: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise_on_sql")
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id], lazy="raise_on_sql")
    decided_by: Mapped[User | None] = relationship(
        foreign_keys=[decided_by_id], lazy="raise_on_sql"
    )

    @property
    def role_label(self) -> str:
        return role_label(self.role, self.discipline)

    @property
    def previous_role_label(self) -> str | None:
        """The role the account had; None for a new account."""
        if self.previous_role is None:
            return None
        return role_label(self.previous_role, self.previous_discipline)

    @property
    def is_new_account(self) -> bool:
        return self.previous_role is None

    @property
    def is_reset(self) -> bool:
        """A password or two-factor reset that waits, not a role."""
        return self.kind is not AccessRequestKind.ROLE

    @property
    def asked_for(self) -> str:
        """What waits, as a page or the audit trail says it: "Clinician", "password reset"."""
        return self.kind.label.lower() if self.is_reset else self.role_label

    def __repr__(self) -> str:
        return (
            f"<AccessRequest {self.id} user={self.user_id} {self.kind.value} "
            f"{self.role.value} {self.status}>"
        )


class SessionEndReason(LabelledEnum):
    """Why a login session stopped working."""

    LOGOUT = "logout", "Logged out"
    IDLE = "idle", "Idle too long"
    EXPIRED = "expired", "Reached the absolute limit"
    DISABLED = "disabled", "Account disabled"
    PASSWORD_RESET = "password_reset", "Password reset by an administrator"
    PASSWORD_CHANGED = "password_changed", "Password changed"
    TWO_FACTOR_RESET = "two_factor_reset", "Two-factor reset by an administrator"
    REVOKED = "revoked", "Ended by the server"


class UserSession(Model):
    """One login on one device, checked on every request.

    The browser holds a random 256-bit token; only its SHA-256 is stored, so a copy
    of the database cannot be turned into working cookies. Ending the row ends the
    session at once, wherever the cookie has been copied to.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written at most once a minute per session, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[SessionEndReason | None] = mapped_column(enum_type(SessionEndReason))
    # True once this login proved a two-factor code (at login, or by enrolling).
    two_factor_verified: Mapped[bool] = mapped_column(default=False)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(400))

    def __repr__(self) -> str:
        return f"<UserSession {self.id} user={self.user_id} ended={self.end_reason}>"


class LoginFailureReason(LabelledEnum):
    """Why a login attempt was refused (kept for throttling, never shown at login)."""

    PASSWORD = "password", "Wrong password or unknown username"
    DISABLED = "disabled", "Account disabled"
    CODE = "code", "Wrong two-factor code"
    # Refused because the account was already locked: counts per address, not per account.
    LOCKED = "locked", "Account locked"


class LoginFailure(Model):
    """A refused login, per username and address: the throttle and lockout read these.

    Kept in the database (not in a worker's memory) so every gunicorn worker and
    every instance sees the same count. The username is stored only as a keyed
    hash: people type passwords into the username box, and those must not be kept.
    """

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_key_at", "username_key", "at"),
        Index("ix_login_failure_ip_address_at", "ip_address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    username_key: Mapped[str] = mapped_column(String(64))
    ip_address: Mapped[str | None] = mapped_column(String(45))
    reason: Mapped[LoginFailureReason] = mapped_column(enum_type(LoginFailureReason))
    # Set when the user logs in successfully or an administrator unlocks the account.
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TotpCredential(Model):
    """A user's two-factor (TOTP) key: pending until confirmed with a code, never deleted."""

    __tablename__ = "totp_credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    # The base32 secret, sealed with AES-GCM under a key derived from SECRET_KEY (auth/crypto.py).
    secret_sealed: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last 30-second step a code was accepted for: a code works once only.
    last_used_step: Mapped[int | None] = mapped_column()


class ApiToken(Model):
    """One personal API token. Never deleted: a revoked or expired token keeps its history.

    The caller holds `crt_<secret>`; only its SHA-256 is stored, so a copy of the
    database cannot be turned into working tokens. The prefix (the first characters
    of the secret) lets the owner tell their tokens apart.
    """

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # API_TOKEN_DAYS after it was made; checked on every call.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Written at most once a minute per token, not on every request.
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise_on_sql")

    @property
    def expired(self) -> bool:
        return utcnow() >= self.expires_at

    @property
    def active(self) -> bool:
        """Not revoked and not expired: the token works (while its account is active)."""
        return self.revoked_at is None and not self.expired

    @property
    def display(self) -> str:
        """How the token is shown after creation: its prefix, never the secret."""
        return f"crt_{self.prefix}…"

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id} {self.prefix}>"

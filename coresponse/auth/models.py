"""User accounts and roles, their access requests, login sessions, failed logins and
two-factor keys."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, and_, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import db

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


class User(db.Model):
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
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # The version makes a copied cookie useless once the account's sessions end.
        return f"{self.id}:{self.session_version}"

    # Role helpers (the rules that use them live in auth/permissions.py) ----
    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_supervisor(self) -> bool:
        return self.role is Role.SUPERVISOR

    @property
    def is_police(self) -> bool:
        """Officers and police supervisors: the operational view only."""
        return self.role is Role.OFFICER or (
            self.role is Role.SUPERVISOR and self.discipline is Discipline.POLICE
        )

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


class AccessRequest(db.Model):
    """Four eyes: a role that lets an account read people's records, asked for by an
    administrator and waiting for a supervisor's decision.

    Made for a new account with such a role (the account stays inactive until it is
    approved) and for a change of role that widens what an account reads (the account
    keeps its old role until then). The approver is a supervisor of the discipline in
    `approver_discipline` who is neither the account, nor whoever asked for the change,
    nor the account's creator (coresponse/privacy/policy.py). Never deleted: a decision
    is written onto the row, which keeps who asked and who decided.
    """

    __tablename__ = "access_request"
    __table_args__ = (
        # One open request per account: a new change of role withdraws the old one first.
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
    # The role asked for.
    role: Mapped[Role] = mapped_column(enum_type(Role))
    discipline: Mapped[Discipline | None] = mapped_column(enum_type(Discipline))
    # The role the account had when it was asked; None for an account with no access yet.
    previous_role: Mapped[Role | None] = mapped_column(enum_type(Role))
    previous_discipline: Mapped[Discipline | None] = mapped_column(enum_type(Discipline))
    # Whose supervisors decide: clinical access by clinical supervisors, police by police.
    approver_discipline: Mapped[Discipline] = mapped_column(enum_type(Discipline))
    status: Mapped[AccessRequestStatus] = mapped_column(
        enum_type(AccessRequestStatus), default=AccessRequestStatus.PENDING
    )
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

    def __repr__(self) -> str:
        return f"<AccessRequest {self.id} user={self.user_id} {self.role.value} {self.status}>"


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


class UserSession(db.Model):
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


class LoginFailure(db.Model):
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


class TotpCredential(db.Model):
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

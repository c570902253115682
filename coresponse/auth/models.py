"""User accounts and roles."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type, utcnow
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
    # Bumped on disable, password change and reset: every older session stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="user",
        foreign_keys="TeamMembership.user_id",
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
        if self.role is Role.SUPERVISOR and self.discipline is not None:
            return f"{self.discipline.label} supervisor"
        return self.role.label

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role.value}>"

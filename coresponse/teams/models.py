"""Teams, the areas they cover, and membership with its history."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, time

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.auth.models import Role, User
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model
from coresponse.geo.nyc import borough_for_precinct
from coresponse.people.models import Borough, LocationStatus
from coresponse.training.models import TrainingKind

# A dispatchable team is exactly this many current members of each role.
REQUIRED_COMPOSITION = {Role.OFFICER: 2, Role.CLINICIAN: 1}

_NUMBER_WORDS = {1: "one", 2: "two", 3: "three"}


class AreaType(LabelledEnum):
    """How a coverage area is named. Teams cover precincts: a whole borough is all its
    precincts (migration 0019 turned the borough rows of before into their precincts)."""

    PRECINCT = "precinct", "Precinct"


class Team(Model):
    """A co-response team: two officers and one clinician working one area."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    base_address: Mapped[str] = mapped_column(String(200))
    base_latitude: Mapped[float | None]
    base_longitude: Mapped[float | None]
    # Both follow from the base's point, as for a person's address (teams.services).
    base_precinct: Mapped[str | None] = mapped_column(String(10))
    base_location_status: Mapped[LocationStatus] = mapped_column(
        enum_type(LocationStatus), default=LocationStatus.NEEDED,
        server_default=LocationStatus.NEEDED.value,
    )  # fmt: skip
    active: Mapped[bool] = mapped_column(default=True, index=True)
    # Local wall-clock hours in the program's time zone; an end before the start
    # means an overnight shift. Both empty means around the clock.
    shift_start: Mapped[time | None]
    shift_end: Mapped[time | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Optimistic locking: bumped by every edit and every membership change, so two
    # supervisors changing the members at once cannot both win (coresponse/locking.py).
    version: Mapped[int] = mapped_column(server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}

    coverage: Mapped[list[TeamCoverage]] = relationship(
        back_populates="team",
        cascade="all, delete-orphan",
        order_by="(TeamCoverage.area_type, TeamCoverage.sort_key)",
        lazy="raise_on_sql",
    )
    memberships: Mapped[list[TeamMembership]] = relationship(
        back_populates="team",
        order_by="TeamMembership.joined_at",
        lazy="raise_on_sql",
    )

    @property
    def current_memberships(self) -> list[TeamMembership]:
        """Members now on the team (memberships must be loaded)."""
        return [m for m in self.memberships if m.left_at is None]

    @property
    def current_members(self) -> list[User]:
        return [m.user for m in self.current_memberships]

    @property
    def precincts(self) -> list[str]:
        rows = [c for c in self.coverage if c.area_type is AreaType.PRECINCT]
        return [c.area_code for c in sorted(rows, key=lambda c: c.sort_key)]

    @property
    def coverage_by_borough(self) -> list[tuple[Borough, list[str]]]:
        """The precincts covered, grouped by borough in the usual order."""
        groups: dict[Borough, list[str]] = {}
        for code in self.precincts:
            borough = borough_for_precinct(code)
            if borough is not None:
                groups.setdefault(borough, []).append(code)
        return [(borough, groups[borough]) for borough in Borough if borough in groups]

    def covers(self, precinct: str | None) -> bool:
        """Whether the team covers this precinct (coverage must be loaded)."""
        return precinct is not None and precinct in self.precincts

    @property
    def around_the_clock(self) -> bool:
        return self.shift_start is None and self.shift_end is None

    def staffing(self, missing_cit: Collection[int]) -> Staffing:
        """Whether the team can take cases, and what is missing if not. `missing_cit`: the
        ids of its officers without current Crisis Intervention Training, which the team
        queries read with the team (teams.queries.staffing_of and the team lists); there
        is no answer without them."""
        return Staffing.of(self, missing_cit)

    def __repr__(self) -> str:
        return f"<Team {self.name}>"


class TeamCoverage(Model):
    """One precinct a team covers."""

    __tablename__ = "team_coverage"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    area_type: Mapped[AreaType] = mapped_column(enum_type(AreaType))
    area_code: Mapped[str] = mapped_column(String(20))
    # Precincts sort numerically ("9" before "13").
    sort_key: Mapped[int] = mapped_column(default=0)

    team: Mapped[Team] = relationship(back_populates="coverage", lazy="raise_on_sql")

    __table_args__ = (
        UniqueConstraint("team_id", "area_type", "area_code"),
        Index("ix_team_coverage_area", "area_type", "area_code"),
    )


class TeamMembership(Model):
    """A user's time on a team. Leaving sets left_at; rows are never deleted."""

    __tablename__ = "team_membership"
    __table_args__ = (
        # A user is a current member of at most one team, enforced by the database.
        Index(
            "uq_team_membership_current_user",
            "user_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    leave_reason: Mapped[str | None] = mapped_column(String(200))

    team: Mapped[Team] = relationship(back_populates="memberships", lazy="raise_on_sql")
    user: Mapped[User] = relationship(
        back_populates="memberships", foreign_keys=[user_id], lazy="raise_on_sql"
    )
    added_by: Mapped[User | None] = relationship(foreign_keys=[added_by_id], lazy="raise_on_sql")
    removed_by: Mapped[User | None] = relationship(
        foreign_keys=[removed_by_id], lazy="raise_on_sql"
    )

    @property
    def current(self) -> bool:
        return self.left_at is None


@dataclass(frozen=True)
class Staffing:
    """Whether a team can be dispatched: active, exactly two officers and one clinician,
    and both officers holding current Crisis Intervention Training (unless the program
    turns that rule off, in which case no one is missing it). The one rule dispatch, the
    team pages, the home page and reopening all read."""

    active: bool
    counts: dict[Role, int]
    # The active officers on the team without current Crisis Intervention Training.
    untrained: tuple[User, ...] = ()

    @classmethod
    def of(cls, team: Team, missing_cit: Collection[int]) -> Staffing:
        counts = dict.fromkeys(REQUIRED_COMPOSITION, 0)
        untrained = []
        for member in team.current_members:
            if member.active and member.role in counts:
                counts[member.role] += 1
            if member.active and member.role is Role.OFFICER and member.id in missing_cit:
                untrained.append(member)
        return cls(active=team.active, counts=counts, untrained=tuple(untrained))

    @property
    def problems(self) -> list[str]:
        """What stops dispatch, in words a supervisor can act on."""
        problems = [] if self.active else ["team is inactive"]
        for role, needed in REQUIRED_COMPOSITION.items():
            have = self.counts[role]
            noun = "officer" if role is Role.OFFICER else "clinician"
            if have < needed:
                gap = needed - have
                more = "one more" if have else "one"
                if gap > 1:
                    more = f"{_NUMBER_WORDS.get(gap, gap)} more" if have else _NUMBER_WORDS[gap]
                problems.append(f"needs {more} {noun}{'s' if gap > 1 else ''}")
            elif have > needed:
                extra = have - needed
                problems.append(f"has {_NUMBER_WORDS.get(extra, extra)} {noun} too many")
        return problems + self.training_problems

    @property
    def training_problems(self) -> list[str]:
        """Who stops dispatch for want of training, by name."""
        return [f"{u.full_name} has no current {TrainingKind.CIT.label}" for u in self.untrained]

    @property
    def dispatchable(self) -> bool:
        return not self.problems

    @property
    def summary(self) -> str:
        if self.dispatchable:
            return "Dispatchable"
        return "Not dispatchable: " + "; ".join(self.problems)

"""Cases (episodes of engagement), their assignments to teams and their history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model

if TYPE_CHECKING:
    from coresponse.auth.models import User
    from coresponse.people.models import Person
    from coresponse.referrals.models import Referral
    from coresponse.teams.models import Team


class CaseStatus(LabelledEnum):
    AWAITING_ASSIGNMENT = "awaiting_assignment", "Awaiting a team"
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ClosureReason(LabelledEnum):
    CONNECTED_TO_CARE = "connected_to_care", "Connected to care"
    DECLINED_SERVICES = "declined_services", "Declined services"
    UNABLE_TO_LOCATE = "unable_to_locate", "Unable to locate"
    MOVED_OUT_OF_AREA = "moved_out_of_area", "Moved out of area"
    LONG_TERM_HOSPITALIZATION = "long_term_hospitalization", "Long-term hospitalization"
    INCARCERATED = "incarcerated", "Incarcerated"
    DECEASED = "deceased", "Deceased"
    OTHER = "other", "Other"

    @property
    def discloses_treatment(self) -> bool:
        """Whether the reason tells of care or its refusal (clinical: police read "Closed")."""
        return self in _TREATMENT_CLOSURES


_TREATMENT_CLOSURES = frozenset(
    {
        ClosureReason.CONNECTED_TO_CARE,
        ClosureReason.DECLINED_SERVICES,
        ClosureReason.LONG_TERM_HOSPITALIZATION,
    }
)


class CaseEventKind(LabelledEnum):
    OPENED = "opened", "Accepted and opened"
    ASSIGNED = "assigned", "Assigned to a team"
    REASSIGNED = "reassigned", "Reassigned"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"
    # A repeat referral of the person joined the case instead of opening a second one.
    NEW_REFERRAL = "new_referral", "New referral"


class Case(Model):
    """One episode of engagement with a person, opened when a referral is accepted.

    The timestamps are the ones reports need (referral to assignment to first
    contact); last_contact_at is kept current so queues need no aggregate.
    """

    __tablename__ = "case"
    __table_args__ = (
        Index("ix_case_team_status", "team_id", "status"),
        Index("ix_case_status_due", "status", "first_contact_due_at"),
        Index("ix_case_status_last_contact", "status", "last_contact_at"),
        Index("ix_case_status_closed", "status", "closed_at"),
        Index("ix_case_first_assigned_at", "first_assigned_at"),  # reports: a range of them
        # The overdue queue's count and first rows as one index range, with the status as a
        # bound parameter (SQLite passes over the partial index below unless it is forced).
        Index("ix_case_status_first_contact", "status", "first_contact_at", "first_contact_due_at"),
        # The stale queue's count read from the index alone (no contact since, or none and
        # assigned before): without assigned_at each never-contacted case is a table read.
        Index("ix_case_status_last_contact_assigned", "status", "last_contact_at", "assigned_at"),
        # The "past the first-contact deadline" queue: open cases nobody has seen yet, a few
        # hundred among thousands of open cases at 100k people (bench).
        # At most one open case per person (closed_at is NULL from opening until closure,
        # and again after reopening): a repeat referral joins the open case, and a closed
        # case reopens only while no other is open (cases.services).
        Index(
            "uq_case_open_person",
            "person_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
        # A team's cases with a repeat referral nobody on the team has seen yet (their
        # home page): a handful among the open cases.
        Index(
            "ix_case_team_new_referral",
            "team_id",
            "new_referral_at",
            sqlite_where=text("new_referral_at IS NOT NULL"),
            postgresql_where=text("new_referral_at IS NOT NULL"),
        ),
        Index(
            "ix_case_open_first_contact_due",
            "first_contact_due_at",
            "id",
            sqlite_where=text("status = 'open' AND first_contact_at IS NULL"),
            postgresql_where=text("status = 'open' AND first_contact_at IS NULL"),
        ),
        # The case map (cases.queries.map_cases): every open case's columns a pin reads,
        # from the index alone (7,000 entries at 100k people, where the status index
        # leads to 7,000 table rows on some 3,000 pages), in person order, the order the
        # person and their address are then looked up in. SQLite reads an index alone
        # only if it holds every column the query names, the status too.
        Index(
            "ix_case_open_map",
            "person_id",
            "team_id",
            "first_contact_at",
            "first_contact_due_at",
            "last_contact_at",
            "id",
            "status",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), unique=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"))
    status: Mapped[CaseStatus] = mapped_column(
        enum_type(CaseStatus), default=CaseStatus.AWAITING_ASSIGNMENT
    )
    referred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_contact_planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(enum_type(ClosureReason))
    # The closing note in two parts: the whole team reads the operational one, clinical
    # readers also the clinical one (`closure_note`, which holds every note written
    # before the split).
    closure_operational_note: Mapped[str | None] = mapped_column(Text)
    closure_note: Mapped[str | None] = mapped_column(Text)
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the latest repeat referral joined this case, until someone on its team opens
    # the case (their home page lists it meanwhile). Written by statements of their own,
    # like the contact times: news on a case is no conflict with a form open on it.
    new_referral_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # Optimistic locking of status changes (see coresponse/locking.py); contact times are
    # written by an atomic UPDATE that leaves it alone.
    version: Mapped[int] = mapped_column(server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}

    person: Mapped[Person] = relationship(lazy="raise_on_sql")
    referral: Mapped[Referral] = relationship(lazy="raise_on_sql")
    team: Mapped[Team | None] = relationship(lazy="raise_on_sql")
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="case", order_by="Assignment.assigned_at", lazy="raise_on_sql"
    )
    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.at", lazy="raise_on_sql"
    )


class Assignment(Model):
    """A case's time with one team. Reassignment ends it with a reason."""

    __tablename__ = "assignment"
    __table_args__ = (
        Index(
            "uq_assignment_current_case",
            "case_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    first_contact_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(Text)

    case: Mapped[Case] = relationship(back_populates="assignments", lazy="raise_on_sql")
    team: Mapped[Team] = relationship(lazy="raise_on_sql")
    assigned_by: Mapped[User | None] = relationship(lazy="raise_on_sql")


class CaseEvent(Model):
    """A change of a case's state, with who and why; the case's own history."""

    __tablename__ = "case_event"
    # Reports: closures in a range, and a case's closing and reopening before an instant.
    __table_args__ = (
        Index("ix_case_event_kind_at", "kind", "at"),
        Index("ix_case_event_case_kind_at", "case_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[CaseEventKind] = mapped_column(enum_type(CaseEventKind))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(enum_type(ClosureReason))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("team.id"), index=True)
    # Why, in two parts: the whole team reads `operational_note`; `note` is clinical (and
    # holds every note written before the split).
    operational_note: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    summary: Mapped[str | None] = mapped_column(String(200))
    # The repeat referral a NEW_REFERRAL event added to the case.
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)

    case: Mapped[Case] = relationship(back_populates="events", lazy="raise_on_sql")
    by: Mapped[User | None] = relationship(lazy="raise_on_sql")
    referral: Mapped[Referral | None] = relationship(lazy="raise_on_sql")

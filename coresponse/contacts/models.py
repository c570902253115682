"""Outreach contacts and their addenda. A saved contact is never edited."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.clock import utcnow
from coresponse.contacts import limits
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model

if TYPE_CHECKING:
    from coresponse.auth.models import User
    from coresponse.cases.models import Case


class ContactType(LabelledEnum):
    IN_PERSON_HOME = "in_person_home", "In person, at home"
    IN_PERSON_OTHER = "in_person_other", "In person, elsewhere"
    PHONE = "phone", "Phone"
    VIDEO = "video", "Video"
    COLLATERAL_FAMILY = "collateral_family", "Collateral: family"
    COLLATERAL_PROVIDER = "collateral_provider", "Collateral: provider"
    ATTEMPT = "attempt", "Attempt: unable to locate"


class ContactOutcome(LabelledEnum):
    ENGAGED = "engaged", "Engaged"
    BRIEF_ENGAGEMENT = "brief_engagement", "Brief engagement"
    REFUSED = "refused", "Refused"
    NOT_FOUND = "not_found", "Not found"
    CRISIS_TRANSPORT_VOLUNTARY = "crisis_transport_voluntary", "Crisis: transported voluntarily"
    CRISIS_TRANSPORT_INVOLUNTARY = (
        "crisis_transport_involuntary",
        "Crisis: transported involuntarily",
    )
    ARREST = "arrest", "Arrest"

    @property
    def is_transport(self) -> bool:
        return self in (
            ContactOutcome.CRISIS_TRANSPORT_VOLUNTARY,
            ContactOutcome.CRISIS_TRANSPORT_INVOLUNTARY,
        )


class RiskLevel(LabelledEnum):
    """The clinician's rating; clinical content."""

    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"


class RiskFactor(LabelledEnum):
    """Structured risk factors a clinician may note (clinical content)."""

    SUICIDAL_IDEATION = "suicidal_ideation", "Suicidal ideation"
    HOMICIDAL_IDEATION = "homicidal_ideation", "Homicidal ideation"
    ACCESS_TO_MEANS = "access_to_means", "Access to lethal means"
    PSYCHOSIS = "psychosis", "Psychotic symptoms"
    SUBSTANCE_INTOXICATION = "substance_intoxication", "Intoxication or withdrawal"
    TREATMENT_NONADHERENCE = "treatment_nonadherence", "Stopped treatment or medication"
    RECENT_LOSS = "recent_loss", "Recent loss or crisis"
    HOUSING_INSTABILITY = "housing_instability", "Housing instability"


class Contact(Model):
    """One outreach contact (or attempt) on a case.

    Operational and clinical notes are separate columns so a query for the
    operational card can leave the clinical ones out entirely.
    """

    __tablename__ = "contact"
    __table_args__ = (
        Index("ix_contact_case_occurred", "case_id", "occurred_at"),
        Index("ix_contact_person_occurred", "person_id", "occurred_at"),
        # Outcome reports: a range of contacts by type and outcome from the index alone,
        # and a case's first engagement without reading its other contacts.
        Index("ix_contact_occurred_report", "occurred_at", "type", "outcome", "person_id"),
        Index("ix_contact_case_outcome", "case_id", "outcome", "type", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Made by the client (a tablet may make it offline) so a retried save is stored once.
    uuid: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    type: Mapped[ContactType] = mapped_column(enum_type(ContactType))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str | None] = mapped_column(String(limits.LOCATION_MAX))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    outcome: Mapped[ContactOutcome] = mapped_column(enum_type(ContactOutcome))
    transport_destination: Mapped[str | None] = mapped_column(String(limits.DESTINATION_MAX))
    others_present: Mapped[str | None] = mapped_column(String(limits.OTHERS_PRESENT_MAX))
    operational_note: Mapped[str | None] = mapped_column(Text)
    clinical_note: Mapped[str | None] = mapped_column(Text)
    risk_level: Mapped[RiskLevel | None] = mapped_column(enum_type(RiskLevel))
    next_contact_planned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    case: Mapped[Case] = relationship(lazy="raise_on_sql")
    recorded_by: Mapped[User] = relationship(lazy="raise_on_sql")
    participants: Mapped[list[ContactParticipant]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", lazy="raise_on_sql"
    )
    risk_factors: Mapped[list[ContactRiskFactor]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", lazy="raise_on_sql"
    )
    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="contact", order_by="Addendum.created_at", lazy="raise_on_sql"
    )


class ContactParticipant(Model):
    """A team member present at a contact."""

    __tablename__ = "contact_participant"
    __table_args__ = (UniqueConstraint("contact_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)

    contact: Mapped[Contact] = relationship(back_populates="participants", lazy="raise_on_sql")
    user: Mapped[User] = relationship(lazy="raise_on_sql")


class ContactRiskFactor(Model):
    """A structured risk factor noted by the clinician at a contact."""

    __tablename__ = "contact_risk_factor"
    __table_args__ = (UniqueConstraint("contact_id", "factor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    factor: Mapped[RiskFactor] = mapped_column(enum_type(RiskFactor))

    contact: Mapped[Contact] = relationship(back_populates="risk_factors", lazy="raise_on_sql")


class Addendum(Model):
    """A correction or addition to a saved contact: who, when, why."""

    __tablename__ = "addendum"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contact.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Why it was added, in two parts like the addition itself: the whole team reads the
    # operational reason; `reason` is clinical (and holds every reason written before
    # the split, which is the safe side).
    operational_reason: Mapped[str | None] = mapped_column(String(limits.ADDENDUM_REASON_MAX))
    reason: Mapped[str | None] = mapped_column(String(limits.ADDENDUM_REASON_MAX))
    operational_text: Mapped[str | None] = mapped_column(Text)
    clinical_text: Mapped[str | None] = mapped_column(Text)

    contact: Mapped[Contact] = relationship(back_populates="addenda", lazy="raise_on_sql")
    author: Mapped[User] = relationship(lazy="raise_on_sql")

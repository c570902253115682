"""Connections to treatment, family and other supports, and the provider directory."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.audit.categories import DataCategory
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model
from coresponse.linkages import limits

if TYPE_CHECKING:
    from coresponse.auth.models import User
    from coresponse.people.models import SupportContact


class LinkageCategory(LabelledEnum):
    TREATMENT = "treatment", "Treatment"
    FAMILY = "family", "Family and friends"
    SUPPORT = "support", "Other supports"


class LinkageKind(LabelledEnum):
    """What the person is being connected to; the category follows from it."""

    OUTPATIENT_CLINIC = "outpatient_clinic", "Outpatient clinic"
    IMT = "imt", "Intensive Mobile Treatment (IMT)"
    ACT = "act", "Assertive Community Treatment (ACT)"
    SUBSTANCE_USE_PROGRAM = "substance_use_program", "Substance-use program"
    HOSPITAL = "hospital", "Hospital"
    SUPPORT_CONNECTION_CENTER = "support_connection_center", "Support and Connection Center"
    PRIMARY_CARE = "primary_care", "Primary care"
    FAMILY = "family", "Family"
    FRIEND = "friend", "Friend"
    HOUSING = "housing", "Housing"
    BENEFITS = "benefits", "Benefits"
    PEER_SUPPORT = "peer_support", "Peer support"
    LEGAL = "legal", "Legal"

    @property
    def category(self) -> LinkageCategory:
        if self in (LinkageKind.FAMILY, LinkageKind.FRIEND):
            return LinkageCategory.FAMILY
        if self in (
            LinkageKind.HOUSING,
            LinkageKind.BENEFITS,
            LinkageKind.PEER_SUPPORT,
            LinkageKind.LEGAL,
        ):
            return LinkageCategory.SUPPORT
        return LinkageCategory.TREATMENT

    @property
    def data_category(self) -> DataCategory:
        # A link to a substance-use program discloses substance use (42 CFR Part 2).
        if self is LinkageKind.SUBSTANCE_USE_PROGRAM:
            return DataCategory.SUBSTANCE_USE
        return DataCategory.CLINICAL


class LinkageStatus(LabelledEnum):
    IDENTIFIED = "identified", "Identified"
    REFERRED = "referred", "Referred"
    WAITLISTED = "waitlisted", "Waitlisted"
    APPOINTMENT_SCHEDULED = "appointment_scheduled", "Appointment scheduled"
    CONNECTED = "connected", "Connected (verified)"
    NOT_CONNECTED = "not_connected", "Not connected"

    @property
    def final(self) -> bool:
        return self in (LinkageStatus.CONNECTED, LinkageStatus.NOT_CONNECTED)


class VerificationMethod(LabelledEnum):
    """How a connection was confirmed: a referral sent is not a connection made."""

    PROVIDER_CONFIRMED = "provider_confirmed", "Confirmed by the provider"
    ATTENDED_WITH_STAFF = "attended_with_staff", "Team member attended with the person"
    RECORDS = "records", "Seen in records"
    PERSON_REPORTED_AND_CONFIRMED = (
        "person_reported_confirmed",
        "Person reported it and documentation was seen",
    )
    FAMILY_CONFIRMED = "family_confirmed", "Confirmed by family"


class Provider(Model):
    """An entry in the provider directory."""

    __tablename__ = "provider"
    __table_args__ = (Index("ix_provider_kind_accepting", "kind", "accepting_referrals"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160), index=True)
    kind: Mapped[LinkageKind] = mapped_column(enum_type(LinkageKind))
    address: Mapped[str | None] = mapped_column(String(200))
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    phone: Mapped[str | None] = mapped_column(String(40))
    languages: Mapped[str | None] = mapped_column(String(200))
    accepting_referrals: Mapped[bool] = mapped_column(default=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Linkage(Model):
    """A connection being made for a person, from identified to verified (or not)."""

    __tablename__ = "linkage"
    __table_args__ = (
        Index("ix_linkage_status_kind", "status", "kind"),
        Index("ix_linkage_created_at", "created_at"),  # reports: connections in a range
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    kind: Mapped[LinkageKind] = mapped_column(enum_type(LinkageKind))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    support_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_contact.id"), index=True
    )
    # A program or person not in the directory.
    target_name: Mapped[str | None] = mapped_column(String(limits.TARGET_NAME_MAX))
    status: Mapped[LinkageStatus] = mapped_column(
        enum_type(LinkageStatus), default=LinkageStatus.IDENTIFIED
    )
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_on: Mapped[date | None]
    verification_method: Mapped[VerificationMethod | None] = mapped_column(
        enum_type(VerificationMethod)
    )
    verified_by: Mapped[str | None] = mapped_column(String(limits.VERIFIED_BY_MAX))
    not_connected_reason: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Optimistic locking: every UPDATE checks and bumps it (see coresponse/locking.py).
    version: Mapped[int] = mapped_column(server_default=text("1"))
    __mapper_args__ = {"version_id_col": version}

    provider: Mapped[Provider | None] = relationship(lazy="raise_on_sql")
    support_contact: Mapped[SupportContact | None] = relationship(lazy="raise_on_sql")
    changes: Mapped[list[LinkageStatusChange]] = relationship(
        back_populates="linkage", order_by="LinkageStatusChange.at", lazy="raise_on_sql"
    )

    @property
    def category(self) -> LinkageCategory:
        return self.kind.category

    @property
    def target(self) -> str:
        if self.provider is not None:
            return self.provider.name
        if self.support_contact is not None:
            return self.support_contact.name
        return self.target_name or self.kind.label


class LinkageStatusChange(Model):
    """One step on a linkage's path, with its date and note."""

    __tablename__ = "linkage_status_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    linkage_id: Mapped[int] = mapped_column(ForeignKey("linkage.id"), index=True)
    from_status: Mapped[LinkageStatus | None] = mapped_column(enum_type(LinkageStatus))
    to_status: Mapped[LinkageStatus] = mapped_column(enum_type(LinkageStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    # The appointment this step set, so a rescheduled one keeps its earlier time.
    appointment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    linkage: Mapped[Linkage] = relationship(back_populates="changes", lazy="raise_on_sql")
    by: Mapped[User | None] = relationship(lazy="raise_on_sql")

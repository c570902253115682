"""Referrals: the request to engage a person, and its triage."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.audit.categories import DataCategory
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model
from coresponse.referrals import limits

if TYPE_CHECKING:
    from coresponse.auth.models import User
    from coresponse.people.models import Person


class ReferralSource(LabelledEnum):
    NYPD_PRECINCT = "nypd_precinct", "NYPD precinct"
    DOHMH = "dohmh", "DOHMH"
    NYC_WELL_988 = "nyc_well_988", "NYC Well / 988"
    CALL_911 = "call_911", "911"
    HOSPITAL = "hospital", "Hospital or ER"
    SHELTER = "shelter", "Shelter"
    FAMILY_COMMUNITY = "family_community", "Family or community"
    OTHER_PROVIDER = "other_provider", "Other provider"
    OTHER = "other", "Other"


class RiskIndicator(LabelledEnum):
    """A reason for concern named at referral, tagged with its privacy category."""

    HARM_TO_SELF = "harm_to_self", "Harm to self"
    HARM_TO_OTHERS = "harm_to_others", "Harm to others"
    WEAPONS_ACCESS = "weapons_access", "Weapons access"
    RECENT_HOSPITALIZATION = "recent_hospitalization", "Recent hospitalization"
    SUBSTANCE_USE = "substance_use", "Substance use"
    PRIOR_VIOLENCE = "prior_violence", "Prior violence"

    @property
    def category(self) -> DataCategory:
        # Officers need to know about weapons and violence to stay safe; the rest
        # is clinical, and substance use carries its own federal restriction.
        if self in (
            RiskIndicator.HARM_TO_OTHERS,
            RiskIndicator.WEAPONS_ACCESS,
            RiskIndicator.PRIOR_VIOLENCE,
        ):
            return DataCategory.SAFETY
        if self is RiskIndicator.SUBSTANCE_USE:
            return DataCategory.SUBSTANCE_USE
        return DataCategory.CLINICAL


class ReferralStatus(LabelledEnum):
    RECEIVED = "received", "Awaiting triage"
    INFO_REQUESTED = "info_requested", "More information requested"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"


class DeclineReason(LabelledEnum):
    NOT_ELIGIBLE = "not_eligible", "Not eligible"
    DUPLICATE = "duplicate", "Duplicate"
    REFERRED_ELSEWHERE = "referred_elsewhere", "Referred to another service"


class Referral(Model):
    """One referral of a person, from receipt through triage."""

    __tablename__ = "referral"
    __table_args__ = (
        Index("ix_referral_status_received", "status", "received_at"),
        Index("ix_referral_triaged_at", "triaged_at"),  # reports: decisions in a range
        # The triage queue, oldest first. Waiting referrals are the newest rows, so an
        # ordered scan of all referrals by received_at meets them last: PostgreSQL read
        # 117,000 rows for 10 at 100k people (bench). This index holds only the waiting ones.
        Index(
            "ix_referral_waiting_received",
            "received_at",
            "id",
            sqlite_where=text("status IN ('received', 'info_requested')"),
            postgresql_where=text("status IN ('received', 'info_requested')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    source: Mapped[ReferralSource] = mapped_column(enum_type(ReferralSource), index=True)
    # Which precinct, hospital, shelter or provider sent it.
    source_detail: Mapped[str | None] = mapped_column(String(limits.SOURCE_DETAIL_MAX))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    referrer_name: Mapped[str | None] = mapped_column(String(limits.REFERRER_NAME_MAX))
    referrer_phone: Mapped[str | None] = mapped_column(String(limits.REFERRER_PHONE_MAX))
    referrer_email: Mapped[str | None] = mapped_column(String(limits.REFERRER_EMAIL_MAX))
    referrer_organization: Mapped[str | None] = mapped_column(
        String(limits.REFERRER_ORGANIZATION_MAX)
    )
    # The story behind the referral is clinical content.
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ReferralStatus] = mapped_column(
        enum_type(ReferralStatus), default=ReferralStatus.RECEIVED
    )
    decline_reason: Mapped[DeclineReason | None] = mapped_column(enum_type(DeclineReason))
    referred_to_service: Mapped[str | None] = mapped_column(String(160))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id"), index=True)
    triage_note: Mapped[str | None] = mapped_column(Text)
    triaged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    triaged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    person: Mapped[Person] = relationship(lazy="raise_on_sql")
    risk_indicators: Mapped[list[ReferralRiskIndicator]] = relationship(
        back_populates="referral", cascade="all, delete-orphan", lazy="raise_on_sql"
    )
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.at", lazy="raise_on_sql"
    )
    triaged_by: Mapped[User | None] = relationship(
        foreign_keys=[triaged_by_id], lazy="raise_on_sql"
    )

    @property
    def indicators(self) -> list[RiskIndicator]:
        return [r.indicator for r in self.risk_indicators]


class ReferralRiskIndicator(Model):
    """One risk indicator checked on a referral."""

    __tablename__ = "referral_risk_indicator"
    __table_args__ = (UniqueConstraint("referral_id", "indicator"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    indicator: Mapped[RiskIndicator] = mapped_column(enum_type(RiskIndicator))

    referral: Mapped[Referral] = relationship(back_populates="risk_indicators", lazy="raise_on_sql")


class ReferralEvent(Model):
    """A triage transition: who moved the referral from which status to which, and why."""

    __tablename__ = "referral_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referral.id"), index=True)
    from_status: Mapped[ReferralStatus | None] = mapped_column(enum_type(ReferralStatus))
    to_status: Mapped[ReferralStatus] = mapped_column(enum_type(ReferralStatus))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    # Why, in two parts: the whole team reads `operational_note`; `note` is clinical (and
    # holds every note written before the split).
    operational_note: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)

    referral: Mapped[Referral] = relationship(back_populates="events", lazy="raise_on_sql")
    by: Mapped[User | None] = relationship(lazy="raise_on_sql")

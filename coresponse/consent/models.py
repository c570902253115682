"""Consent to share, disclosures made, and break-glass access to a record.

None of these rows is ever deleted or edited in place: a consent is revoked by
setting its revocation, a disclosure is kept as recorded, and a break-glass access
is acknowledged by a supervisor.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.audit.categories import DataCategory
from coresponse.auth.models import User
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model
from coresponse.linkages.models import Provider
from coresponse.people.models import Person, SupportContact


class ShareScope(LabelledEnum):
    """What a consent lets the team share, and what a disclosure shared."""

    ATTENDANCE = "attendance", "Attendance and engagement"
    TREATMENT = "treatment", "Treatment connections"
    CLINICAL = "clinical", "Clinical information"
    SUBSTANCE_USE = "substance_use", "Substance-use information (42 CFR Part 2)"
    SAFETY = "safety", "Safety information"

    @property
    def plain(self) -> str:
        """The label as it reads inside a sentence: 'substance-use information'."""
        return self.label.split(" (")[0].lower()

    @property
    def data_category(self) -> DataCategory:
        if self is ShareScope.SUBSTANCE_USE:
            return DataCategory.SUBSTANCE_USE
        if self is ShareScope.SAFETY:
            return DataCategory.SAFETY
        if self is ShareScope.ATTENDANCE:
            return DataCategory.OPERATIONAL
        return DataCategory.CLINICAL


class RecipientKind(LabelledEnum):
    """Who receives information: someone on the person's record, a provider, or anyone else."""

    SUPPORT_CONTACT = "support_contact", "Family, friend or support contact"
    PROVIDER = "provider", "Provider from the directory"
    OTHER = "other", "Another person or organization"


class ConsentMethod(LabelledEnum):
    WRITTEN = "written", "Written (signed form)"
    VERBAL = "verbal", "Verbal (witnessed)"


class DisclosureBasis(LabelledEnum):
    CONSENT = "consent", "The person's consent"
    EMERGENCY = "emergency", "Emergency: serious and imminent threat"


class BreakGlassReason(LabelledEnum):
    """Why a clinician opened a record outside their team: the emergencies break-glass is for."""

    CRISIS = "crisis", "Crisis in progress or imminent risk of harm"
    EMERGENCY_CALL = "emergency_call", "Call from 911, EMS, police or a hospital"
    PRESENTING = "presenting", "The person is presenting to me or my team now"
    OTHER = "other", "Other urgent need (explain below)"


class BreakGlassVerdict(LabelledEnum):
    """A clinical supervisor's finding on a break-glass access."""

    JUSTIFIED = "justified", "Justified"
    NOT_JUSTIFIED = "not_justified", "Not justified"


class ConsentStatus(LabelledEnum):
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"
    NOT_YET = "not_yet", "Not yet in effect"


class _Recipient:
    """What consents and disclosures share about their recipient (both have these columns)."""

    if TYPE_CHECKING:  # declared here for the checker only: each table maps its own
        recipient_name: Mapped[str]
        recipient_detail: Mapped[str | None]

    @property
    def recipient_label(self) -> str:
        """'Rosa Lopez (Parent)': the name as recorded, with who they are."""
        name, detail = self.recipient_name, self.recipient_detail
        return f"{name} ({detail})" if detail else name


class Consent(_Recipient, Model):
    """The person's permission to share some information with one recipient."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_person_given", "person_id", "given_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    recipient_kind: Mapped[RecipientKind] = mapped_column(enum_type(RecipientKind))
    support_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_contact.id"), index=True
    )
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    # Copies taken when recorded, so the consent still says whom it named.
    recipient_name: Mapped[str] = mapped_column(String(160))
    recipient_detail: Mapped[str | None] = mapped_column(String(160))
    purpose: Mapped[str] = mapped_column(Text)
    method: Mapped[ConsentMethod] = mapped_column(enum_type(ConsentMethod))
    # Verbal consent: the staff member who witnessed it.
    witness_name: Mapped[str | None] = mapped_column(String(120))
    given_on: Mapped[date]
    expires_on: Mapped[date | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    revocation_note: Mapped[str | None] = mapped_column(Text)

    person: Mapped[Person] = relationship(lazy="raise_on_sql")
    support_contact: Mapped[SupportContact | None] = relationship(lazy="raise_on_sql")
    provider: Mapped[Provider | None] = relationship(lazy="raise_on_sql")
    scope_rows: Mapped[list[ConsentScope]] = relationship(
        back_populates="consent", order_by="ConsentScope.id", lazy="raise_on_sql"
    )
    recorded_by: Mapped[User | None] = relationship(
        foreign_keys=[recorded_by_id], lazy="raise_on_sql"
    )
    revoked_by: Mapped[User | None] = relationship(
        foreign_keys=[revoked_by_id], lazy="raise_on_sql"
    )

    @property
    def scopes(self) -> list[ShareScope]:
        """What the consent covers, in the program's usual order (scope rows must be loaded)."""
        return sorted({row.scope for row in self.scope_rows}, key=list(ShareScope).index)

    def status_on(self, day: date, at: datetime) -> ConsentStatus:
        """Whether the consent was in force on this program-calendar day, at this moment."""
        if self.revoked_at is not None and self.revoked_at <= at:
            return ConsentStatus.REVOKED
        if self.expires_on is not None and day > self.expires_on:
            return ConsentStatus.EXPIRED
        if day < self.given_on:
            return ConsentStatus.NOT_YET
        return ConsentStatus.ACTIVE


class ConsentScope(Model):
    """One kind of information a consent covers."""

    __tablename__ = "consent_scope"
    __table_args__ = (UniqueConstraint("consent_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consent.id"), index=True)
    scope: Mapped[ShareScope] = mapped_column(enum_type(ShareScope))

    consent: Mapped[Consent] = relationship(back_populates="scope_rows", lazy="raise_on_sql")


class Disclosure(_Recipient, Model):
    """Information about the person given to family or a provider: kept for the accounting."""

    __tablename__ = "disclosure"
    __table_args__ = (Index("ix_disclosure_person_at", "person_id", "disclosed_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    disclosed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipient_kind: Mapped[RecipientKind] = mapped_column(enum_type(RecipientKind))
    support_contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("support_contact.id"), index=True
    )
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("provider.id"), index=True)
    recipient_name: Mapped[str] = mapped_column(String(160))
    recipient_detail: Mapped[str | None] = mapped_column(String(160))
    description: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    basis: Mapped[DisclosureBasis] = mapped_column(enum_type(DisclosureBasis))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consent.id"), index=True)
    emergency_justification: Mapped[str | None] = mapped_column(Text)
    disclosed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    scope_rows: Mapped[list[DisclosureScope]] = relationship(
        back_populates="disclosure", order_by="DisclosureScope.id", lazy="raise_on_sql"
    )
    consent: Mapped[Consent | None] = relationship(lazy="raise_on_sql")
    disclosed_by: Mapped[User | None] = relationship(lazy="raise_on_sql")

    @property
    def scopes(self) -> list[ShareScope]:
        return sorted({row.scope for row in self.scope_rows}, key=list(ShareScope).index)


class DisclosureScope(Model):
    """One kind of information a disclosure shared."""

    __tablename__ = "disclosure_scope"
    __table_args__ = (UniqueConstraint("disclosure_id", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure_id: Mapped[int] = mapped_column(ForeignKey("disclosure.id"), index=True)
    scope: Mapped[ShareScope] = mapped_column(enum_type(ShareScope))

    disclosure: Mapped[Disclosure] = relationship(back_populates="scope_rows", lazy="raise_on_sql")


class BreakGlassAccess(Model):
    """A clinician outside the person's team opened the record after stating why.

    Grants read access to the person's cases until `expires_at`, and waits on the
    supervisors' review queue until reviewed. A review of "not justified" ends the
    grant at once (`ended_at`); the row stays, as every row here does.
    """

    __tablename__ = "break_glass_access"
    # The audit trail named these rows before the table had its name.
    audit_type: ClassVar[str] = "break_glass"
    __table_args__ = (
        Index("ix_break_glass_user_person_expires", "user_id", "person_id", "expires_at"),
        Index("ix_break_glass_unacknowledged", "acknowledged_at", "at"),
        # The daily limit counts a user's grants of one program day.
        Index("ix_break_glass_user_at", "user_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    reason_code: Mapped[BreakGlassReason] = mapped_column(enum_type(BreakGlassReason))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set when a review finds the access not justified: the grant stops before expires_at.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # None until reviewed, and on accesses acknowledged before reviews recorded a verdict.
    verdict: Mapped[BreakGlassVerdict | None] = mapped_column(enum_type(BreakGlassVerdict))
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    acknowledgement_note: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise_on_sql")
    person: Mapped[Person] = relationship(lazy="raise_on_sql")
    acknowledged_by: Mapped[User | None] = relationship(
        foreign_keys=[acknowledged_by_id], lazy="raise_on_sql"
    )

    def is_open(self, now: datetime) -> bool:
        """Whether the grant still lets its clinician read the record at `now`."""
        return self.ended_at is None and self.expires_at > now

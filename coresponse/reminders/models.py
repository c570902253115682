"""In-app notifications: one per user, rule, subject and window, never deleted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    ScalarSelect,
    SQLColumnExpression,
    String,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column

from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model


class ReminderRule(LabelledEnum):
    """What a reminder is about. The clinical ones go to clinical staff only."""

    FIRST_CONTACT_DUE = "first_contact_due", "First contact due soon"
    FIRST_CONTACT_OVERDUE = "first_contact_overdue", "First contact overdue"
    CONTACT_DUE_TODAY = "contact_due_today", "Planned contact due today"
    APPOINTMENT_TOMORROW = "appointment_tomorrow", "Connection appointment tomorrow"
    CONSENT_EXPIRING = "consent_expiring", "Consent expiring"
    BREAK_GLASS_REVIEW = "break_glass_review", "Break-glass access to review"
    NO_CONTACT = "no_contact", "No recent contact"
    TRAINING_EXPIRING = "training_expiring", "Training expiring"

    @property
    def clinical(self) -> bool:
        """Connections to care, consents and break-glass reasons are clinical matters."""
        return self in (
            ReminderRule.APPOINTMENT_TOMORROW,
            ReminderRule.CONSENT_EXPIRING,
            ReminderRule.BREAK_GLASS_REVIEW,
        )


class Notification(Model):
    """A reminder delivered to one user. The unique key makes each one arrive once per
    subject and window however often (or however concurrently) the rules run.

    Dismissed by its user, or resolved by a run once its rule no longer holds (the
    contact was made, the access reviewed); either way the row stays.
    """

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint(
            "user_id",
            "rule",
            "subject_type",
            "subject_id",
            "period_key",
            name="uq_notification_once",
        ),
        # The header's count and the page: a user's open notifications by due time.
        Index("ix_notification_user_open", "user_id", "dismissed_at", "resolved_at", "due_at"),
        # The digest: open notifications not yet e-mailed.
        Index("ix_notification_mail_pending", "emailed_at", "dismissed_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    rule: Mapped[ReminderRule] = mapped_column(enum_type(ReminderRule))
    # The record it is about ("case", "break_glass", "training"), and which one.
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[int]
    # The window it belongs to (a due time, a New York day): a new window reminds again.
    period_key: Mapped[str] = mapped_column(String(40))
    # Operational words only: a case number and what is due, never a name or a diagnosis.
    title: Mapped[str] = mapped_column(String(200))
    link: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dismissed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it went out in an e-mail digest (None: pending, or e-mail is off).
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def open(self) -> bool:
        return self.dismissed_at is None and self.resolved_at is None


def open_count_column(user_id: SQLColumnExpression[int]) -> ScalarSelect[int]:
    """How many notifications wait for the user, as a column another query can carry: the
    login session's query reads it, so the header's count costs no statement of its own."""
    return (
        select(func.count())
        .where(
            Notification.user_id == user_id,
            Notification.dismissed_at.is_(None),
            Notification.resolved_at.is_(None),
        )
        .scalar_subquery()
    )

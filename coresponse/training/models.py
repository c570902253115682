"""A staff member's completed trainings. Rows are never edited or deleted: a renewal is
a new row, and the latest completion of each kind is the one that counts."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.auth.models import User
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum, UTCDateTime, enum_type
from coresponse.extensions import Model


class TrainingKind(LabelledEnum):
    """The courses the program records."""

    CIT = "cit", "Crisis Intervention Training"
    MHFA = "mhfa", "Mental Health First Aid"


class Training(Model):
    """One completion of a course by a staff member, recorded by a supervisor or
    administrator. Current on a day when completed by then and not expired by then."""

    __tablename__ = "training"
    __table_args__ = (
        Index("ix_training_user_kind_completed", "user_id", "kind", "completed_on"),
        Index("ix_training_kind_expires", "kind", "expires_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    kind: Mapped[TrainingKind] = mapped_column(enum_type(TrainingKind))
    completed_on: Mapped[date]
    # The last day it counts; None: it does not expire.
    expires_on: Mapped[date | None]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)

    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="raise_on_sql")
    recorded_by: Mapped[User | None] = relationship(
        foreign_keys=[recorded_by_id], lazy="raise_on_sql"
    )

    def current_on(self, day: date) -> bool:
        """Whether this completion counts on this program day."""
        return self.completed_on <= day and (self.expires_on is None or day <= self.expires_on)

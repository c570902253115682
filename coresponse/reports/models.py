"""The outcome tallies: counts kept as the records change, read by the reports.

A tally cell is one count: of a measure ("contacts"), in a grouping (the whole program,
team, borough, ...) and one of its values, on a New York day or in a New York month,
for one row of the measure (a contact's type and outcome). Every day's cells are kept,
and each month's sum of them, so a year's report reads twelve months and the days of at
most two partial months, never the records. reports.tallies keeps them in step with the
records in the same transaction; `flask reports rebuild --check` proves it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coresponse.extensions import Model

DAY = "day"
MONTH = "month"


class OutcomeTally(Model):
    __tablename__ = "outcome_tally"

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(24))
    grouping: Mapped[str] = mapped_column(String(24))
    grain: Mapped[str] = mapped_column(String(5))  # DAY or MONTH
    period: Mapped[date] = mapped_column(Date)  # the day, or the month's first day
    group_key: Mapped[str] = mapped_column(String(64))
    row_key: Mapped[str] = mapped_column(String(96))
    n: Mapped[int] = mapped_column(Integer)

    __table_args__ = (
        UniqueConstraint(
            "measure", "grouping", "grain", "period", "group_key", "row_key",
            name="uq_outcome_tally_cell",
        ),
        # A report's read: one measure and grouping over a range of periods, the count
        # read from the index itself.
        Index(
            "ix_outcome_tally_read",
            "measure", "grouping", "grain", "period", "group_key", "row_key", "n",
        ),
    )  # fmt: skip

"""How far a deadline is, as the queues say it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coresponse.formatting import due_text

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("offset", "said"),
    [
        (timedelta(hours=3, minutes=40), "due in 3 h"),
        (timedelta(minutes=25), "due in 25 min"),
        (timedelta(seconds=20), "due in 1 min"),
        (-timedelta(hours=5, minutes=1), "overdue by 5 h"),
        (-timedelta(hours=47), "overdue by 47 h"),
        (-timedelta(days=3, hours=2), "overdue by 3 days"),
    ],
)
def test_due_text(offset: timedelta, said: str) -> None:
    assert due_text(NOW + offset, NOW) == said


def test_waiting_counts_down_the_same_way() -> None:
    """A break-glass access waiting for review: how long it has waited (the reminders)."""
    assert due_text(NOW - timedelta(hours=5, minutes=50), NOW, waiting=True) == "waiting 5 h"
    assert due_text(NOW - timedelta(days=2, hours=23), NOW, waiting=True) == "waiting 2 days"

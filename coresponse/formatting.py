"""Dates and times as people read them, in the program's time zone.

Pages, printouts and the messages services write (a conflict's "changed on ...", a
consent's expiry) all format times the same way; the template filters registered in
coresponse/templating.py use these functions.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import overload

from coresponse.clock import program_zone

# English names, as strftime's %a and %b give them in the C locale the app runs in;
# looked up instead of formatted, since a list page formats hundreds of times.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@overload
def local(dt: datetime) -> datetime: ...
@overload
def local(dt: None) -> None: ...
def local(dt: datetime | None) -> datetime | None:
    """A UTC timestamp in the program's time zone."""
    if dt is None:
        return None
    return dt.astimezone(program_zone())


def datetime_text(value: datetime) -> str:
    return (
        f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}, "
        f"{value.hour:02d}:{value.minute:02d}"
    )


def date_text(value: datetime) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_datetime(dt: datetime | None, missing: str = "—") -> str:
    """'Mon 3 Nov 2026, 14:05' in the program's time zone."""
    value = local(dt)
    return missing if value is None else datetime_text(value)


def format_date(dt: datetime | None, missing: str = "—") -> str:
    """'3 Nov 2026' in the program's time zone."""
    value = local(dt)
    return missing if value is None else date_text(value)


def format_time(value: time | None, missing: str = "—") -> str:
    return missing if value is None else f"{value:%H:%M}"


def due_text(due: datetime, now: datetime, *, waiting: bool = False) -> str:
    """How far a deadline is from now, as the queues and reminders say it: "due in 3 h",
    "overdue by 2 days"; `waiting`: how long something has waited since `due` ("waiting
    5 h", for a review with no deadline). Whole units, counted down (2 h 55 min is "2 h"),
    at least 1 min."""
    late = due < now
    gap = abs(due - now)
    if gap < timedelta(hours=1):
        amount = f"{max(int(gap.total_seconds() // 60), 1)} min"
    elif gap < timedelta(hours=48):
        amount = f"{int(gap.total_seconds() // 3600)} h"
    else:
        amount = f"{gap.days} days"
    if waiting:
        return f"waiting {amount}"
    return f"overdue by {amount}" if late else f"due in {amount}"

"""The program's clock: what "now" and "today" are, in one place.

Times are stored in UTC. A day is a day in the program's time zone (TIMEZONE,
New York by default): "today", a default date on a form, "due today" and every
day boundary in a count come from here, never from the machine's date, which
is UTC on servers and runs five hours ahead of New York every evening.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

# Tablets' clocks drift: a time typed or sent up to this far ahead of the server's
# "now" is not in the future.
CLOCK_SKEW = timedelta(minutes=5)


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def zone_named(name: str) -> ZoneInfo:
    """A time zone by IANA name (ZoneInfo keeps each zone it has read)."""
    return ZoneInfo(name)


def program_zone() -> ZoneInfo:
    """The program's wall clock: what people type and read."""
    return zone_named(current_app.config["TIMEZONE"])


def program_now() -> datetime:
    """Now on the program's wall clock (timezone-aware)."""
    return utcnow().astimezone(program_zone())


def program_date(at: datetime) -> date:
    """The program's calendar day at this instant."""
    return at.astimezone(program_zone()).date()


def program_today() -> date:
    """Today, in the program's time zone."""
    return program_date(utcnow())


def local_minute() -> datetime:
    """Now on the program's wall clock to the minute, naive: a datetime-local default."""
    return program_now().replace(second=0, microsecond=0, tzinfo=None)


class NonexistentLocalTime(ValueError):
    """A wall-clock time the clocks skipped (the spring-forward hour)."""


def exists_locally(local: datetime) -> bool:
    """Whether a wall-clock time (naive, or aware in the program's zone) happened.

    On the night the clocks go forward, 02:00-02:59 never happens in New York;
    zoneinfo would still give such a time an offset, silently meaning an hour later.
    """
    naive = local.replace(tzinfo=None)
    aware = naive.replace(tzinfo=program_zone())
    return aware.astimezone(UTC).astimezone(program_zone()).replace(tzinfo=None) == naive


def local_to_utc(local: datetime) -> datetime:
    """A wall-clock time in the program's zone as a UTC instant.

    On the night the clocks go back, 01:00-01:59 happens twice; the first (daylight
    time) is taken, as `fold=0` says. A time that never happened is refused.
    """
    if not exists_locally(local):
        raise NonexistentLocalTime(
            f"{local:%Y-%m-%d %H:%M} did not happen here: the clocks went forward that night."
        )
    return local.replace(tzinfo=program_zone(), fold=0).astimezone(UTC)


def day_start(day: date) -> datetime:
    """The UTC instant a program day begins (its local midnight).

    A day is 23, 24 or 25 real hours long; the next day's start is its end.
    """
    midnight = datetime.combine(day, time.min)
    if not exists_locally(midnight):  # zones whose clocks change at midnight start at 01:00
        midnight += timedelta(hours=1)
    return local_to_utc(midnight)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC [start, end) of the program days from `first` to `last`, both included."""
    return day_start(first), day_start(last + timedelta(days=1))

"""Run the whole suite at a chosen instant: CORESPONSE_TEST_NOW.

The product takes "now" from coresponse.clock and "today" in the program's time zone;
bugs of the kind "the machine's UTC date is tomorrow every New York evening" only show
at certain hours. Setting the variable moves every clock in the test process there
with time-machine, ticking (so durations, timeouts and ordering still work): the app,
the fixtures and the live server of the browser tests. Browser pages get the same
instant through Playwright's clock (tests/browser/conftest.py).

Accepted values:
- an ISO 8601 instant with its offset: ``2026-12-06T23:30:00-05:00``;
- a wall-clock time on the program's clock, ``23:30``: the next time the program's
  clock shows it (within the coming day). CI uses this form, so the run is at a real
  evening or night of the week it runs in and never in the browser's past (Chromium's
  own clock, which expires cookies, is not faked).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

VARIABLE = "CORESPONSE_TEST_NOW"
_TIME_OF_DAY = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def program_zone() -> ZoneInfo:
    """The zone the app will run in (read as config.py reads it, before any app exists)."""
    return ZoneInfo(os.environ.get("CORESPONSE_TIMEZONE", "America/New_York"))


def next_wall_clock(at: time, *, after: datetime, zone: ZoneInfo) -> datetime:
    """The first instant after `after` when the clock in `zone` shows `at`.

    A time the clocks skip that night is passed over to the next day, and of a time
    that happens twice the first is taken.
    """
    day = after.astimezone(zone).date()
    for offset in range(3):
        local = datetime.combine(day + timedelta(days=offset), at, tzinfo=zone)
        real = local.astimezone(UTC)
        if real.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
            continue  # skipped by the spring-forward change
        if real > after:
            return real
    raise AssertionError("unreachable: every wall-clock time recurs within three days")


def parse(value: str, *, now: datetime) -> datetime:
    """The instant a CORESPONSE_TEST_NOW value names (UTC), or a ValueError that says why."""
    value = value.strip()
    match = _TIME_OF_DAY.match(value)
    if match:
        at = time(int(match.group(1)), int(match.group(2)))
        return next_wall_clock(at, after=now, zone=program_zone())
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        instant = None
    if instant is None or instant.tzinfo is None:
        raise ValueError(
            f"{VARIABLE}={value!r}: give an instant with its offset "
            "(2026-12-06T23:30:00-05:00) or a time of day on the program's clock (23:30)."
        )
    return instant.astimezone(UTC)


def describe(instant: datetime) -> str:
    """'2026-12-07 04:30 UTC = Sun 6 Dec 2026 23:30 EST (America/New_York)'."""
    zone = program_zone()
    local = instant.astimezone(zone)
    return f"{instant:%Y-%m-%d %H:%M} UTC = {local:%a %-d %b %Y %H:%M %Z} ({zone.key})"

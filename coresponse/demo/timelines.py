"""Timelines: when each referral arrived and what happened when."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from coresponse.demo.dice import Dice
from coresponse.demo.plans import EpisodePlan, FirstContact, Outcome
from coresponse.demo.world import HISTORY_DAYS
from coresponse.referrals.models import Referral

_O = Outcome


@dataclass
class Episode:
    """A planned referral with its moments; all times are offsets from the real now."""

    plan: EpisodePlan
    received_at: datetime
    info_requested_at: datetime | None = None
    info_received_at: datetime | None = None
    decided_at: datetime | None = None
    assigned_at: datetime | None = None
    # Open periods with contacts: (first contact, last contact) of each.
    stretches: list[tuple[datetime, datetime]] = field(default_factory=list)
    closed_at: datetime | None = None  # for a reopened case, the earlier closure
    reopened_at: datetime | None = None
    duplicate_of: Episode | None = None
    referral: Referral | None = None


def episode_times(dice: Dice, now: datetime, plans: Sequence[EpisodePlan]) -> list[Episode]:
    """Place a person's referrals in time: earlier cases close before the next referral."""
    main = [i for i, plan in enumerate(plans) if plan.outcome is not _O.DUPLICATE]
    span = dice.days(430, 540) if len(main) > 1 else timedelta(days=HISTORY_DAYS)
    earliest = now - span
    episodes: list[Episode] = []
    for index, plan in enumerate(plans):
        if plan.outcome is _O.DUPLICATE:
            episodes.append(_duplicate_times(dice, now, plan, episodes[-1]))
            continue
        episode, earliest = _times(dice, now, plan, earliest, final=index == main[-1])
        episodes.append(episode)
    return episodes


def _received(
    dice: Dice, now: datetime, earliest: datetime, span: tuple[float, float, float]
) -> datetime:
    """A referral time between `span` days ago, never before `earliest`, skewed recent."""
    min_days, max_days, power = span
    newest = now - timedelta(days=min_days)
    oldest = max(earliest, now - timedelta(days=max_days))
    if oldest >= newest:
        oldest = newest - timedelta(hours=1)
    return newest - (newest - oldest) * dice.unit() ** power


def chain_times(start: datetime, gaps: Sequence[timedelta], deadline: datetime) -> list[datetime]:
    """Times after `start` separated by `gaps`, squeezed proportionally to end by `deadline`.

    Callers leave room before the deadline, so squeezed times stay in order.
    """
    total = sum(gaps, timedelta())
    scale = 1.0
    if total > timedelta(0) and start + total > deadline:
        scale = max(0.0, (deadline - start) / total)
    times, moment = [], start
    for gap in gaps:
        moment = moment + gap * scale
        times.append(moment)
    return times


# (min days ago, max days ago, skew) of a final referral, by how its case turns out.
_AGE_OPEN = (5.0, 240.0, 1.6)

_AGE_HEAVY = (180.0, 320.0, 1.0)

_AGE_CLOSED = (25.0, float(HISTORY_DAYS), 0.8)

_AGE_REOPENED = (100.0, 420.0, 1.0)

_AGE_DECLINED = (1.0, float(HISTORY_DAYS), 1.0)


def _times(
    dice: Dice, now: datetime, plan: EpisodePlan, earliest: datetime, *, final: bool
) -> tuple[Episode, datetime]:
    """The moments of one referral, and the earliest a following referral may arrive."""
    outcome = plan.outcome
    if outcome is _O.RECEIVED:
        return Episode(plan, now - dice.hours(1, 40)), now
    if outcome is _O.INFO_REQUESTED:
        received = now - dice.hours(50, 210)
        return Episode(plan, received, info_requested_at=received + dice.hours(1, 12)), now
    if outcome in (_O.NOT_ELIGIBLE, _O.REFERRED_ELSEWHERE):
        received = (
            _received(dice, now, earliest, _AGE_DECLINED) if final else earliest + dice.days(0, 30)
        )
        decided = min(received + dice.hours(1, 40), now - timedelta(minutes=30))
        return Episode(plan, received, decided_at=decided), decided + dice.days(20, 60)
    if outcome is _O.AWAITING:
        decided = now - dice.hours(1, 30)
        return Episode(plan, decided - dice.hours(0.5, 18), decided_at=decided), now
    return _case_times(dice, now, plan, earliest, final=final)


def _case_times(
    dice: Dice, now: datetime, plan: EpisodePlan, earliest: datetime, *, final: bool
) -> tuple[Episode, datetime]:
    """Referral → triage → assignment → contacts → (closure, reopening) for an accepted one."""
    if plan.first_contact in (FirstContact.OVERDUE, FirstContact.PENDING):
        # Worked backwards from the deadline so it is just past, or just ahead.
        late = plan.first_contact is FirstContact.OVERDUE
        assigned = now - (dice.hours(26, 70) if late else dice.hours(1, 18))
        decided = assigned - dice.hours(0.3, 8)
        received = decided - dice.hours(0.5, 20)
        return Episode(plan, received, decided_at=decided, assigned_at=assigned), now

    if not final:
        received = earliest + dice.days(0, 30)
    elif plan.heavy:
        received = _received(dice, now, earliest, _AGE_HEAVY)
    elif plan.outcome is _O.OPEN:
        received = _received(dice, now, earliest, _AGE_OPEN)
    elif plan.outcome is _O.REOPENED:
        received = _received(dice, now, earliest, _AGE_REOPENED)
    else:
        received = _received(dice, now, earliest, _AGE_CLOSED)

    gaps = []
    if plan.info_first:
        gaps += [dice.hours(1, 10), dice.hours(20, 100)]
    triage = dice.hours(0.5, 6) if dice.chance(0.7) else dice.hours(6, 26)
    dispatch = dice.hours(0.2, 10) if dice.chance(0.85) else dice.hours(10, 60)
    reach = dice.hours(25, 80) if plan.first_contact is FirstContact.LATE else dice.hours(1, 22)
    gaps += [triage, dispatch, reach]
    closing = plan.outcome in (_O.CLOSED, _O.REOPENED)
    deadline = now - (timedelta(days=8) if closing else timedelta(hours=6))
    moments = chain_times(received, gaps, deadline)
    episode = Episode(plan, received)
    if plan.info_first:
        episode.info_requested_at, episode.info_received_at = moments[0], moments[1]
    episode.decided_at, episode.assigned_at, first = moments[-3], moments[-2], moments[-1]

    if plan.outcome is _O.OPEN:
        last = now - (dice.days(0.1, 3) if plan.heavy else dice.days(0.1, 10))
        if last < first + timedelta(hours=3):
            last = first + (now - first) * 0.8
        episode.stretches = [(first, last)]
        return episode, now
    if plan.outcome is _O.CLOSED:
        length = dice.days(10, 150) if final else dice.days(15, 60)
        last = min(first + length, now - timedelta(days=3))
        episode.closed_at = min(last + dice.hours(3, 200), now - timedelta(hours=2))
        episode.stretches = [(first, last)]
        return episode, episode.closed_at + dice.days(20, 55)
    # Reopened: a first stretch, a closure, a quiet spell, then contacts again.
    gaps = [dice.days(20, 80), dice.hours(4, 150), dice.days(7, 45)]
    last, closed, reopened = chain_times(first, gaps, now - timedelta(days=4))
    resume, latest = reopened + dice.hours(2, 48), now - dice.days(0.2, 3)
    if resume >= latest - timedelta(hours=3):
        resume, latest = reopened + (now - reopened) * 0.2, reopened + (now - reopened) * 0.8
    episode.closed_at, episode.reopened_at = closed, reopened
    episode.stretches = [(first, last), (resume, latest)]
    return episode, now


def _duplicate_times(dice: Dice, now: datetime, plan: EpisodePlan, original: Episode) -> Episode:
    """A second referral of someone already being worked with, received while the case ran."""
    start = original.assigned_at or original.decided_at or original.received_at
    end = original.closed_at or now
    received = start + (end - start) * dice.between(0.05, 0.6)
    decided = max(
        received + timedelta(minutes=5),
        min(received + dice.hours(0.5, 20), now - timedelta(minutes=20)),
    )
    return Episode(plan, received, decided_at=decided, duplicate_of=original)

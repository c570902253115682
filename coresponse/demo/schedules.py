"""Contact schedules: when a case's contacts happen, and each one's type and outcome."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from coresponse.cases.models import ClosureReason
from coresponse.contacts.models import ContactOutcome, ContactType
from coresponse.demo.dice import Dice
from coresponse.demo.people import PersonDraft
from coresponse.demo.plans import Outcome
from coresponse.demo.teams import reassignment_team
from coresponse.demo.timelines import Episode
from coresponse.demo.world import TeamTimeline, World

if TYPE_CHECKING:
    from coresponse.demo.cases import CaseStory


_O = Outcome


@dataclass
class ContactDraft:
    """A planned contact: when (planned and as recorded), with which team, and how it went."""

    planned_at: datetime
    occurred_at: datetime
    team: TeamTimeline
    type: ContactType
    outcome: ContactOutcome
    next_planned: datetime | None
    closing: ClosureReason | None = None  # the contact just before the case closed


def _contact_count(dice: Dice, length: timedelta, heavy: bool) -> int:
    """About one contact a week, front-loaded; 2 to 25, or 40+ for the heaviest people."""
    if heavy:
        return dice.integer(40, 60)
    days = length / timedelta(days=1)
    return min(25, 2 + int(days / dice.between(5, 11)))


def planned_contact_times(dice: Dice, episode: Episode) -> list[list[datetime]]:
    """Contact moments in each open stretch: the first at its start, the rest spread after."""
    stretches: list[list[datetime]] = []
    for first, last in episode.stretches:
        count = _contact_count(dice, last - first, episode.plan.heavy)
        # More contacts early in an engagement, fewer as it settles.
        fractions = sorted(dice.unit() ** 1.3 for _ in range(count - 1))
        if fractions:
            fractions[-1] = 1.0
        stretch = [first] + [first + (last - first) * f for f in fractions]
        for i in range(1, len(stretch)):
            if stretch[i] <= stretch[i - 1]:
                stretch[i] = stretch[i - 1] + timedelta(seconds=1)
        stretches.append(stretch)
    return stretches


def plan_reassignment(
    world: World,
    draft: PersonDraft,
    episode: Episode,
    team: TeamTimeline,
    planned: list[datetime],
) -> tuple[int, TeamTimeline, datetime] | None:
    """(last contact of the first team, the new team, when) for a reassigned case."""
    if not episode.plan.reassigned or len(planned) < 4 or len(episode.stretches) != 1:
        return None
    dice = draft.dice
    index = dice.integer(1, len(planned) - 3)
    at = planned[index] + (planned[index + 1] - planned[index]) * dice.between(0.3, 0.7)
    new_team = reassignment_team(world, draft.residence_at(at).place, at, team)
    return (index, new_team, at) if new_team is not None else None


def recorded_times(
    dice: Dice,
    world: World,
    team: TeamTimeline,
    episode: Episode,
    stretches: list[list[datetime]],
    fences: list[datetime],
) -> list[datetime]:
    """Planned moments moved into the team's working hours, never across a staffing change.

    Staying on the same side of every fence (a membership change, the reassignment)
    means the team and members chosen for the planned moment are right for the
    recorded one, whatever the time of day the demo is seeded at.
    """
    window = team.spec.visit_window
    recorded: list[datetime] = []
    for index, planned in enumerate(stretches):
        ends_closed = episode.closed_at is not None and (
            episode.plan.outcome is _O.CLOSED or index < len(stretches) - 1
        )
        bound = (episode.closed_at or world.now) if ends_closed else world.now
        high = min(bound - timedelta(minutes=30), planned[-1] + timedelta(hours=12))
        low = planned[0]
        # The first contact keeps its moment: it is what the 24-hour standard measures.
        moved = [low] + [_snap(dice, world.tz, window, t, low, high, fences) for t in planned[1:]]
        moved.sort()
        for i in range(1, len(moved)):
            if moved[i] <= moved[i - 1]:
                moved[i] = moved[i - 1] + timedelta(minutes=20)
        fits = moved[-1] <= max(high, planned[-1]) and all(
            _same_side(p, m, fences) for p, m in zip(planned, moved, strict=True)
        )
        recorded += moved if fits else planned
    return recorded


def _snap(
    dice: Dice,
    tz: ZoneInfo,
    window: tuple[float, float],
    planned: datetime,
    low: datetime,
    high: datetime,
    fences: list[datetime],
) -> datetime:
    """The planned moment moved to a random time in the team's hours that day, if it fits."""
    start, length = window
    offset = timedelta(hours=start + dice.between(0, length))
    day = planned.astimezone(tz).date()
    for candidate_day in (day, day - timedelta(days=1)):
        local = datetime.combine(candidate_day, time(0), tzinfo=tz) + offset
        candidate = local.astimezone(UTC)
        if low < candidate < high and _same_side(planned, candidate, fences):
            return candidate
    return planned


def _same_side(a: datetime, b: datetime, fences: list[datetime]) -> bool:
    return all((a < fence) == (b < fence) for fence in fences)


TYPE_WEIGHTS = (
    (ContactType.IN_PERSON_HOME, 30),
    (ContactType.IN_PERSON_OTHER, 16),
    (ContactType.PHONE, 20),
    (ContactType.VIDEO, 3),
    (ContactType.COLLATERAL_FAMILY, 8),
    (ContactType.COLLATERAL_PROVIDER, 8),
    (ContactType.ATTEMPT, 15),
)

FIRST_TYPE_WEIGHTS = (
    (ContactType.IN_PERSON_HOME, 45),
    (ContactType.IN_PERSON_OTHER, 15),
    (ContactType.PHONE, 15),
    (ContactType.ATTEMPT, 25),
)

_C = ContactOutcome

OUTCOME_WEIGHTS: dict[ContactType, tuple[tuple[ContactOutcome, float], ...]] = {
    ContactType.IN_PERSON_HOME: (
        (_C.ENGAGED, 50), (_C.BRIEF_ENGAGEMENT, 25), (_C.REFUSED, 15),
        (_C.CRISIS_TRANSPORT_VOLUNTARY, 4), (_C.CRISIS_TRANSPORT_INVOLUNTARY, 3), (_C.ARREST, 0.4),
    ),
    ContactType.IN_PERSON_OTHER: (
        (_C.ENGAGED, 40), (_C.BRIEF_ENGAGEMENT, 30), (_C.REFUSED, 15),
        (_C.CRISIS_TRANSPORT_VOLUNTARY, 5), (_C.CRISIS_TRANSPORT_INVOLUNTARY, 4), (_C.ARREST, 0.6),
    ),
    ContactType.PHONE: (
        (_C.ENGAGED, 45), (_C.BRIEF_ENGAGEMENT, 30), (_C.REFUSED, 10), (_C.NOT_FOUND, 15),
    ),
    ContactType.VIDEO: ((_C.ENGAGED, 70), (_C.BRIEF_ENGAGEMENT, 25), (_C.REFUSED, 5)),
    ContactType.COLLATERAL_FAMILY: ((_C.ENGAGED, 75), (_C.BRIEF_ENGAGEMENT, 25)),
    ContactType.COLLATERAL_PROVIDER: ((_C.ENGAGED, 80), (_C.BRIEF_ENGAGEMENT, 20)),
    ContactType.ATTEMPT: ((_C.NOT_FOUND, 1),),
}  # fmt: skip


# The contact that ends a closed case tells why it closed.
_CLOSING_CONTACT: dict[ClosureReason, tuple[ContactType, ContactOutcome]] = {
    ClosureReason.DECLINED_SERVICES: (ContactType.IN_PERSON_HOME, _C.REFUSED),
    ClosureReason.INCARCERATED: (ContactType.IN_PERSON_OTHER, _C.ARREST),
    ClosureReason.LONG_TERM_HOSPITALIZATION: (
        ContactType.IN_PERSON_HOME,
        _C.CRISIS_TRANSPORT_INVOLUNTARY,
    ),
    ClosureReason.CONNECTED_TO_CARE: (ContactType.COLLATERAL_PROVIDER, _C.ENGAGED),
    ClosureReason.DECEASED: (ContactType.COLLATERAL_FAMILY, _C.ENGAGED),
    ClosureReason.MOVED_OUT_OF_AREA: (ContactType.PHONE, _C.ENGAGED),
    ClosureReason.UNABLE_TO_LOCATE: (ContactType.ATTEMPT, _C.NOT_FOUND),
}


# The showcase person's contacts walk through every type and outcome.
SHOWCASE_CONTACTS: tuple[tuple[ContactType, ContactOutcome], ...] = (
    (ContactType.IN_PERSON_HOME, _C.BRIEF_ENGAGEMENT),
    (ContactType.PHONE, _C.REFUSED),
    (ContactType.COLLATERAL_FAMILY, _C.ENGAGED),
    (ContactType.IN_PERSON_OTHER, _C.ENGAGED),
    (ContactType.IN_PERSON_OTHER, _C.CRISIS_TRANSPORT_VOLUNTARY),
    (ContactType.COLLATERAL_PROVIDER, _C.ENGAGED),
    (ContactType.VIDEO, _C.ENGAGED),
    (ContactType.ATTEMPT, _C.NOT_FOUND),
    (ContactType.IN_PERSON_HOME, _C.CRISIS_TRANSPORT_INVOLUNTARY),
    (ContactType.PHONE, _C.NOT_FOUND),
    (ContactType.IN_PERSON_HOME, _C.ENGAGED),
)


def draft_contacts(
    world: World,
    story: CaseStory,
    stretches: list[list[datetime]],
    recorded: list[datetime],
    teams: list[TeamTimeline],
) -> list[ContactDraft]:
    """What each planned contact was: type, outcome and the next contact it planned."""
    dice, plan = story.draft.dice, story.episode.plan
    planned = [t for stretch in stretches for t in stretch]
    starts, closing_index = set(), None
    position = 0
    for index, stretch in enumerate(stretches):
        starts.add(position)
        position += len(stretch)
        if index == 0 and plan.outcome in (_O.CLOSED, _O.REOPENED):
            closing_index = position - 1
    drafts = []
    for index, (at, occurred, team) in enumerate(zip(planned, recorded, teams, strict=True)):
        contact_type = dice.weighted(FIRST_TYPE_WEIGHTS if index in starts else TYPE_WEIGHTS)
        outcome = dice.weighted(OUTCOME_WEIGHTS[contact_type])
        next_planned = occurred + dice.days(1, 10)
        drafts.append(ContactDraft(at, occurred, team, contact_type, outcome, next_planned))
    if plan.showcase:
        for offset, (contact_type, outcome) in enumerate(SHOWCASE_CONTACTS, start=1):
            if offset < len(drafts):
                drafts[offset].type, drafts[offset].outcome = contact_type, outcome
    if closing_index is not None and plan.closure is not None:
        _tell_closure(drafts, closing_index, plan.closure, starts)
    return drafts


def _tell_closure(
    drafts: list[ContactDraft], index: int, reason: ClosureReason, starts: set[int]
) -> None:
    """Make the contacts before a closure fit its reason (the last attempts, the arrest)."""
    drafts[index].next_planned = None
    drafts[index].closing = reason
    story = _CLOSING_CONTACT.get(reason)
    if story is None:
        return
    # Unable to locate: the last few outreach efforts all found nobody.
    repeat = 3 if reason is ClosureReason.UNABLE_TO_LOCATE else 1
    earlier = [i for i in range(index - 1, index - repeat, -1) if i > 0 and i not in starts]
    for i in [index, *earlier]:
        drafts[i].type, drafts[i].outcome = story

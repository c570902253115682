"""Plans: which story each person gets, referral by referral."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from coresponse.cases.models import ClosureReason
from coresponse.demo.dice import Dice
from coresponse.referrals.models import DeclineReason


class Outcome(enum.Enum):
    """How one referral of a person turns out."""

    RECEIVED = "received"
    INFO_REQUESTED = "info_requested"
    NOT_ELIGIBLE = "not_eligible"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    DUPLICATE = "duplicate"
    AWAITING = "awaiting"
    OPEN = "open"
    CLOSED = "closed"
    REOPENED = "reopened"


class FirstContact(enum.Enum):
    ON_TIME = "on_time"
    LATE = "late"
    OVERDUE = "overdue"  # not made, deadline passed
    PENDING = "pending"  # not made, deadline ahead


CASE_OUTCOMES = (Outcome.AWAITING, Outcome.OPEN, Outcome.CLOSED, Outcome.REOPENED)

DECLINES = {
    Outcome.NOT_ELIGIBLE: DeclineReason.NOT_ELIGIBLE,
    Outcome.REFERRED_ELSEWHERE: DeclineReason.REFERRED_ELSEWHERE,
    Outcome.DUPLICATE: DeclineReason.DUPLICATE,
}


@dataclass(frozen=True)
class EpisodePlan:
    """One referral of a person and, when accepted, what happens to its case."""

    outcome: Outcome
    closure: ClosureReason | None = None
    first_contact: FirstContact = FirstContact.ON_TIME
    reassigned: bool = False
    info_first: bool = False
    heavy: bool = False
    showcase: bool = False


@dataclass(frozen=True)
class PersonPlan:
    """A person's referrals in order; `home` pins their neighborhood, `moved` forces a move."""

    episodes: tuple[EpisodePlan, ...]
    home: str | None = None
    moved: bool = False


def _plan(*episodes: EpisodePlan, home: str | None = None, moved: bool = False) -> PersonPlan:
    return PersonPlan(tuple(episodes), home, moved)


_O = Outcome

# Stories the demo always tells (as many as there are people), so every referral and
# case status, closure reason, contact type and outcome and linkage status appears:
# twenty people cover all of them, the whole list adds a second of several.
FORCED_PLANS: tuple[PersonPlan, ...] = (
    _plan(EpisodePlan(_O.OPEN, heavy=True, showcase=True), home="East New York"),
    _plan(EpisodePlan(_O.OPEN, heavy=True, reassigned=True), home="Mott Haven"),
    _plan(
        EpisodePlan(_O.CLOSED, ClosureReason.UNABLE_TO_LOCATE),
        EpisodePlan(_O.RECEIVED),
        moved=True,
    ),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.INCARCERATED)),
    _plan(EpisodePlan(_O.INFO_REQUESTED)),
    _plan(EpisodePlan(_O.NOT_ELIGIBLE)),
    _plan(EpisodePlan(_O.REFERRED_ELSEWHERE)),
    _plan(EpisodePlan(_O.OPEN), EpisodePlan(_O.DUPLICATE)),
    _plan(EpisodePlan(_O.AWAITING)),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.CONNECTED_TO_CARE)),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.LONG_TERM_HOSPITALIZATION)),
    _plan(EpisodePlan(_O.REOPENED, ClosureReason.DECLINED_SERVICES)),
    _plan(EpisodePlan(_O.OPEN, first_contact=FirstContact.OVERDUE)),
    _plan(EpisodePlan(_O.OPEN, first_contact=FirstContact.PENDING)),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.DECLINED_SERVICES)),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.UNABLE_TO_LOCATE)),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.MOVED_OUT_OF_AREA)),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.DECEASED)),
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.OTHER)),
    _plan(EpisodePlan(_O.OPEN, first_contact=FirstContact.LATE, reassigned=True)),
    _plan(EpisodePlan(_O.RECEIVED)),
    _plan(EpisodePlan(_O.INFO_REQUESTED)),
    _plan(EpisodePlan(_O.AWAITING)),
    _plan(EpisodePlan(_O.OPEN, first_contact=FirstContact.OVERDUE)),
    _plan(EpisodePlan(_O.OPEN, first_contact=FirstContact.PENDING)),
    _plan(
        EpisodePlan(_O.CLOSED, ClosureReason.DECLINED_SERVICES),
        EpisodePlan(_O.OPEN, info_first=True),
        moved=True,
    ),
)


CLOSURE_WEIGHTS = (
    (ClosureReason.CONNECTED_TO_CARE, 34),
    (ClosureReason.DECLINED_SERVICES, 20),
    (ClosureReason.UNABLE_TO_LOCATE, 18),
    (ClosureReason.MOVED_OUT_OF_AREA, 8),
    (ClosureReason.LONG_TERM_HOSPITALIZATION, 6),
    (ClosureReason.INCARCERATED, 5),
    (ClosureReason.DECEASED, 3),
    (ClosureReason.OTHER, 6),
)


def person_plans(dice: Dice, count: int) -> list[PersonPlan]:
    """The forced stories first (as many as fit), then random ones, in shuffled order."""
    plans = list(FORCED_PLANS[:count])
    plans += [_random_plan(dice) for _ in range(count - len(plans))]
    return dice.shuffled(plans)


def _random_plan(dice: Dice) -> PersonPlan:
    """Most people are referred once; some come back after an earlier case closed."""
    earlier = dice.weighted(((0, 80), (1, 15), (2, 5)))
    episodes = [_earlier_episode(dice) for _ in range(earlier)]
    final = _final_episode(dice)
    episodes.append(final)
    has_window = final.first_contact in (FirstContact.ON_TIME, FirstContact.LATE)
    if final.outcome in (_O.OPEN, _O.CLOSED) and has_window and dice.chance(0.05):
        episodes.append(EpisodePlan(_O.DUPLICATE))
    return PersonPlan(tuple(episodes))


def _earlier_episode(dice: Dice) -> EpisodePlan:
    """A referral before the latest one: a case that closed, or a declined referral."""
    kind = dice.weighted(((_O.CLOSED, 85), (_O.NOT_ELIGIBLE, 8), (_O.REFERRED_ELSEWHERE, 7)))
    if kind is not _O.CLOSED:
        return EpisodePlan(kind)
    reasons = [(r, w) for r, w in CLOSURE_WEIGHTS if r is not ClosureReason.DECEASED]
    return EpisodePlan(
        _O.CLOSED,
        dice.weighted(reasons),
        first_contact=dice.weighted(((FirstContact.ON_TIME, 88), (FirstContact.LATE, 12))),
    )


def _final_episode(dice: Dice) -> EpisodePlan:
    outcome = dice.weighted(
        (
            (_O.OPEN, 44),
            (_O.CLOSED, 42),
            (_O.REOPENED, 1.5),
            (_O.AWAITING, 1.5),
            (_O.RECEIVED, 1.5),
            (_O.INFO_REQUESTED, 2),
            (_O.NOT_ELIGIBLE, 4),
            (_O.REFERRED_ELSEWHERE, 3.5),
        )
    )
    if outcome is _O.OPEN:
        return EpisodePlan(
            _O.OPEN,
            first_contact=dice.weighted(
                (
                    (FirstContact.ON_TIME, 87),
                    (FirstContact.LATE, 10),
                    (FirstContact.OVERDUE, 1.5),
                    (FirstContact.PENDING, 1.5),
                )
            ),
            reassigned=dice.chance(0.07),
            info_first=dice.chance(0.08),
        )
    if outcome is _O.CLOSED:
        return EpisodePlan(
            _O.CLOSED,
            dice.weighted(CLOSURE_WEIGHTS),
            first_contact=dice.weighted(((FirstContact.ON_TIME, 88), (FirstContact.LATE, 12))),
            reassigned=dice.chance(0.05),
            info_first=dice.chance(0.08),
        )
    if outcome is _O.REOPENED:
        reason = dice.pick((ClosureReason.UNABLE_TO_LOCATE, ClosureReason.DECLINED_SERVICES))
        return EpisodePlan(_O.REOPENED, reason)
    return EpisodePlan(outcome)

"""A realistic, deterministic demo program for `flask seed-demo`.

The demo is a small New York City co-response program: six teams based at
precinct station houses, their officers and clinicians, supervisors, a provider
directory, and people with referrals, cases, outreach contacts and connections
to care spread over the last eighteen months.

Determinism: every random choice comes from one `random.Random(seed)`, and each
choice draws exactly one number from it (see `Dice`), so the same seed always
builds the same people, names, statuses and counts. Times are offsets from the
real current time, so the demo always looks current (a first contact due this
afternoon, a referral from this morning); only clock readings differ between runs.

Accounts and teams go through their services (password hashing, membership rules,
audit events). The bulk records are built directly with the models, mirroring what
the referral, case, contact and linkage services write, and flushed in batches:
a service call per contact would make seeding take minutes.
"""

from __future__ import annotations

import enum
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction
from coresponse.audit.services import record_event
from coresponse.auth.models import Discipline, Role, User
from coresponse.auth.services import check_password_policy, create_user
from coresponse.cases.models import (
    Assignment,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    ClosureReason,
)
from coresponse.contacts.models import (
    Addendum,
    Contact,
    ContactOutcome,
    ContactParticipant,
    ContactRiskFactor,
    ContactType,
    RiskFactor,
    RiskLevel,
)
from coresponse.db_types import utcnow
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.nyc import precinct_label
from coresponse.linkages.models import (
    Linkage,
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    LinkageStatusChange,
    Provider,
    VerificationMethod,
)
from coresponse.people.models import (
    Borough,
    LocationStatus,
    Person,
    PersonAddress,
    PersonAlias,
    PersonLanguage,
    PersonPhone,
    PhoneKind,
    SupportContact,
    SupportRelationship,
)
from coresponse.people.services import name_key, phone_digits
from coresponse.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralRiskIndicator,
    ReferralSource,
    ReferralStatus,
    RiskIndicator,
)
from coresponse.teams.models import REQUIRED_COMPOSITION, Team
from coresponse.teams.services import TeamDetails, add_member, create_team, remove_member

T = TypeVar("T")

DEFAULT_PASSWORD = "coresponse-demo"
HISTORY_DAYS = 540  # referrals reach back about eighteen months
TEAM_FOUNDED_DAYS = 700  # teams and staff predate the oldest referral
FIRST_CONTACT_WINDOW = timedelta(hours=24)
PEOPLE_PER_BATCH = 100
DEMO_TEAM = "Brooklyn North"  # the team of the `clinician` and `officer` logins


# --------------------------------------------------------------------------------------
# Public entry points (called by `flask seed-demo`)
# --------------------------------------------------------------------------------------


def database_has_data() -> bool:
    """True when any user, team or person exists: the demo belongs in an empty database."""
    return any(
        db.session.scalar(select(model.id).limit(1)) is not None for model in (User, Team, Person)
    )


def seed(*, password: str, people: int, seed: int, force: bool) -> str:
    """Build the demo in the current session (flushed, never committed); return a summary."""
    if people < 1:
        raise DomainError("The demo needs at least one person.")
    if not force and database_has_data():
        raise DomainError(
            "The database already holds data. Use --force to add the demo anyway."
        )
    _check_can_seed(password)
    world = World(now=utcnow(), dice=Dice(seed), tz=_program_timezone())
    _create_staff(world, password)
    _create_teams(world)
    _create_providers(world)
    _create_people(world, people)
    summary = _summary(world, seed)
    record_event(
        AuditAction.CREATE,
        by=None,
        record_type="demo",
        category=DataCategory.ACCOUNT,
        detail=f"demo program seeded (seed {seed}, {people} people)",
    )
    return summary


def logins_text(*, password: str | None) -> str:
    """The demo logins, their roles and the password, for the terminal."""
    if password is None:
        default = _configured_default_password()
        secret = f"the password printed when the demo was seeded (default {default})"
    else:
        secret = password
    width = max(len(login.username) for login in DEMO_LOGINS) + 2
    role_width = max(len(_role_label(login)) for login in DEMO_LOGINS) + 2
    lines = ["Demo logins:"]
    for login in DEMO_LOGINS:
        lines.append(
            f"  {login.username:<{width}}{_role_label(login):<{role_width}}"
            f"{login.full_name} — {login.what}"
        )
    lines.append(f"Password for all of them: {secret}")
    lines.append(
        f"clinician and officer are on the same team, {DEMO_TEAM} (two officers and a "
        "clinician, dispatchable): log in as each to compare the clinical and the "
        "operational view of the same cases."
    )
    return "\n".join(lines)


def _role_label(login: DemoLogin) -> str:
    if login.role is Role.SUPERVISOR and login.discipline is not None:
        return f"{login.discipline.label} supervisor"
    return login.role.label


def _configured_default_password() -> str:
    if has_app_context():
        return str(current_app.config.get("DEMO_PASSWORD") or DEFAULT_PASSWORD)
    return DEFAULT_PASSWORD


def _program_timezone() -> ZoneInfo:
    """The program's wall clock: shifts and visit hours are local times."""
    name = current_app.config.get("TIMEZONE", "America/New_York") if has_app_context() else None
    return ZoneInfo(name or "America/New_York")


def _check_can_seed(password: str) -> None:
    """Refuse before writing anything when the demo's names are taken or the password is weak."""
    usernames = [login.username for login in DEMO_LOGINS] + [s.username for s in TEAM_STAFF]
    taken = list(db.session.scalars(select(User.username).where(User.username.in_(usernames))))
    if taken:
        shown = ", ".join(sorted(taken))
        raise DomainError(
            f"The demo logins already exist in this database ({shown}): the demo was already "
            "added. Seed into an empty database instead (for example a new DATABASE_URL)."
        )
    team_names = [spec.name for spec in TEAM_SPECS]
    taken = list(db.session.scalars(select(Team.name).where(Team.name.in_(team_names))))
    if taken:
        raise DomainError(
            f"Teams named like the demo's already exist ({', '.join(sorted(taken))}). "
            "Seed into an empty database instead."
        )
    for username in usernames:
        try:
            check_password_policy(password, username=username)
        except DomainError as error:
            raise DomainError(
                f"The demo password cannot be used for {username!r}: {error.message}",
                field="password",
            ) from error


# --------------------------------------------------------------------------------------
# Randomness
# --------------------------------------------------------------------------------------


class Dice:
    """The demo's only source of randomness: one seeded RNG, one draw per choice.

    `random.choice` and friends draw a variable number of bits depending on the
    options; drawing exactly one float per choice keeps later choices aligned even
    if a choice's options ever differ, so a seed always builds the same demo.
    """

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def unit(self) -> float:
        return self._rng.random()

    def child(self) -> Dice:
        """An independent Dice for one story, so its branches never shift the next story."""
        return Dice(int(self.unit() * 2**53))

    def chance(self, probability: float) -> bool:
        return self.unit() < probability

    def between(self, low: float, high: float) -> float:
        return low + (high - low) * self.unit()

    def skewed(self, low: float, high: float, power: float) -> float:
        """A number in [low, high] bunched towards low when power > 1."""
        return low + (high - low) * self.unit() ** power

    def integer(self, low: int, high: int) -> int:
        return min(high, low + int(self.unit() * (high - low + 1)))

    def pick(self, options: Sequence[T]) -> T:
        return options[min(len(options) - 1, int(self.unit() * len(options)))]

    def weighted(self, options: Sequence[tuple[T, float]]) -> T:
        remaining = self.unit() * sum(weight for _, weight in options)
        for value, weight in options:
            remaining -= weight
            if remaining < 0:
                return value
        return options[-1][0]

    def sample(self, options: Sequence[T], k: int) -> list[T]:
        pool = list(options)
        return [pool.pop(min(len(pool) - 1, int(self.unit() * len(pool)))) for _ in range(min(k, len(pool)))]

    def weighted_sample(self, options: Sequence[tuple[T, float]], k: int) -> list[T]:
        pool = list(options)
        chosen: list[T] = []
        for _ in range(min(k, len(pool))):
            value = self.weighted(pool)
            chosen.append(value)
            pool = [(v, w) for v, w in pool if v != value]
        return chosen

    def shuffled(self, items: Sequence[T]) -> list[T]:
        return self.sample(items, len(items))

    def hours(self, low: float, high: float) -> timedelta:
        return timedelta(hours=self.between(low, high))

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.between(low, high))

    def phone(self, area_codes: Sequence[str]) -> str:
        """A fictional number: 555-0100 to 555-0199 are reserved for fiction."""
        return f"({self.pick(area_codes)}) 555-01{self.integer(0, 99):02d}"


# --------------------------------------------------------------------------------------
# The world the stories share: clock, staff, teams, providers, tallies
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """One person's time on a team."""

    user_id: int
    full_name: str
    role: Role
    joined_at: datetime
    left_at: datetime | None

    def covers(self, at: datetime) -> bool:
        return self.joined_at <= at and (self.left_at is None or at < self.left_at)


@dataclass
class TeamTimeline:
    """A team as it was over time: who was on it when, and what it covers."""

    spec: TeamSpec
    team_id: int
    spans: list[Span] = field(default_factory=list)

    def members_at(self, at: datetime) -> list[Span]:
        return [span for span in self.spans if span.covers(at)]

    def dispatchable_at(self, at: datetime) -> bool:
        counts = Counter(span.role for span in self.members_at(at))
        return all(counts[role] == needed for role, needed in REQUIRED_COMPOSITION.items())

    def covers(self, place: Neighborhood) -> bool:
        return place.precinct in self.spec.precincts or place.borough in self.spec.boroughs

    def fences(self) -> list[datetime]:
        """Moments the team's membership changed (contacts are never moved across them)."""
        moments = [span.joined_at for span in self.spans]
        moments += [span.left_at for span in self.spans if span.left_at is not None]
        return moments


@dataclass(frozen=True)
class ProviderRef:
    """A directory entry the demo created, with what the stories need to know about it."""

    id: int
    spec: ProviderSpec


@dataclass
class Tally:
    """What the demo created, for the summary."""

    users: int = 0
    providers: int = 0
    people: int = 0
    referrals: Counter[ReferralStatus] = field(default_factory=Counter)
    cases: Counter[CaseStatus] = field(default_factory=Counter)
    reopened: int = 0
    contacts: int = 0
    linkages: Counter[LinkageStatus] = field(default_factory=Counter)


@dataclass
class World:
    """What every generator shares: the clock, the dice, and the staff, teams and providers."""

    now: datetime
    dice: Dice
    tz: ZoneInfo
    users: dict[str, User] = field(default_factory=dict)
    teams: list[TeamTimeline] = field(default_factory=list)
    providers: list[ProviderRef] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)

    @property
    def supervisor_id(self) -> int:
        return self.users["supervisor"].id

    @property
    def sergeant_id(self) -> int:
        return self.users["sergeant"].id

    def today(self) -> date:
        return self.now.astimezone(self.tz).date()


# --------------------------------------------------------------------------------------
# Staff and teams (through their services)
# --------------------------------------------------------------------------------------


def _create_staff(world: World, password: str) -> None:
    """The six demo logins and the officers and clinicians who staff the teams."""
    hired = world.now - timedelta(days=TEAM_FOUNDED_DAYS + 30)
    people = [(login.username, login.full_name, login.role, login.discipline) for login in DEMO_LOGINS]
    people += [(s.username, s.full_name, s.role, None) for s in TEAM_STAFF]
    for username, full_name, role, discipline in people:
        # Accounts come from the command line, like `flask users create`: by=None.
        user = create_user(
            username,
            full_name=full_name,
            role=role,
            discipline=discipline,
            email=f"{username}@example.org",
            password=password,
            by=None,
        )
        user.created_at = hired
        world.users[username] = user
    world.tally.users = len(people)


def _create_teams(world: World) -> None:
    """Six teams with their coverage, members and membership history."""
    admin = world.users["admin"]
    founded = world.now - timedelta(days=TEAM_FOUNDED_DAYS)
    for spec in TEAM_SPECS:
        team = create_team(
            TeamDetails(
                name=spec.name,
                base_address=spec.base_address,
                base_latitude=spec.latitude,
                base_longitude=spec.longitude,
                precincts=list(spec.precincts),
                boroughs=list(spec.boroughs),
                shift_start=spec.shift[0] if spec.shift else None,
                shift_end=spec.shift[1] if spec.shift else None,
            ),
            by=admin,
        )
        team.created_at = founded
        timeline = TeamTimeline(spec=spec, team_id=team.id)
        memberships = {}
        for username in (spec.clinician, *spec.officers):
            memberships[username] = add_member(team, world.users[username], by=admin)
            # Founders joined within the team's first weeks; history should look lived-in.
            memberships[username].joined_at = founded + world.dice.days(0, 21)
        if spec.departure is not None:
            _staff_change(world, team, spec.departure, memberships)
        for username, membership in memberships.items():
            user = world.users[username]
            timeline.spans.append(
                Span(user.id, user.full_name, user.role, membership.joined_at, membership.left_at)
            )
        world.teams.append(timeline)


def _staff_change(world: World, team: Team, departure: Departure, memberships: dict) -> None:  # type: ignore[type-arg]
    """An officer leaves (and maybe is replaced), dated back so the history reads true."""
    admin = world.users["admin"]
    leaving = memberships[departure.username]
    remove_member(leaving, by=admin, reason=departure.reason)
    leaving.left_at = world.now - timedelta(days=departure.days_ago)
    if departure.replaced_by is not None and departure.replaced_days_ago is not None:
        joining = add_member(team, world.users[departure.replaced_by], by=admin)
        joining.joined_at = world.now - timedelta(days=departure.replaced_days_ago)
        memberships[departure.replaced_by] = joining


def _create_providers(world: World) -> None:
    """The provider directory: at least one entry for every treatment and support kind."""
    founded = world.now - timedelta(days=TEAM_FOUNDED_DAYS)
    rows = [
        Provider(
            name=spec.name,
            kind=spec.kind,
            address=spec.address,
            latitude=spec.latitude,
            longitude=spec.longitude,
            phone=spec.phone,
            languages=spec.languages,
            accepting_referrals=spec.accepting,
            created_at=founded,
            updated_at=founded,
        )
        for spec in PROVIDERS
    ]
    db.session.add_all(rows)
    db.session.flush()
    world.providers = [ProviderRef(row.id, spec) for row, spec in zip(rows, PROVIDERS, strict=True)]
    world.tally.providers = len(rows)


def _team_for(world: World, place: Neighborhood, at: datetime) -> tuple[TeamTimeline, str]:
    """The team a supervisor would pick: the covering one, else the nearest that can take cases."""
    covering = [t for t in world.teams if t.covers(place)]
    ready = [t for t in covering if t.dispatchable_at(at)]
    area = precinct_label(place.precinct)
    if ready:
        return ready[0], f"Covers the {area}."
    available = [t for t in world.teams if t.dispatchable_at(at)] or world.teams
    nearest = min(available, key=lambda t: _distance(place, t.spec.latitude, t.spec.longitude))
    if covering:
        why = f"{covering[0].spec.name} is short-staffed; nearest team that can take cases."
    else:
        why = f"No team covers the {area}; nearest team that can take cases."
    return nearest, why


def _reassignment_team(
    world: World, place: Neighborhood, at: datetime, current: TeamTimeline
) -> TeamTimeline | None:
    """Another team that can take the case, nearest first."""
    others = [t for t in world.teams if t is not current and t.dispatchable_at(at)]
    if not others:
        return None
    return min(others, key=lambda t: _distance(place, t.spec.latitude, t.spec.longitude))


def _distance(place: Neighborhood, latitude: float, longitude: float) -> float:
    """Rough distance in km; enough to rank teams by how far their base is."""
    dy = (place.latitude - latitude) * 111.0
    dx = (place.longitude - longitude) * 111.0 * math.cos(math.radians(place.latitude))
    return math.hypot(dx, dy)


# --------------------------------------------------------------------------------------
# Plans: which story each person gets
# --------------------------------------------------------------------------------------


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
    """A person's referrals in order; `home` pins their neighborhood."""

    episodes: tuple[EpisodePlan, ...]
    home: str | None = None


def _plan(*episodes: EpisodePlan, home: str | None = None) -> PersonPlan:
    return PersonPlan(tuple(episodes), home)


_O = Outcome
# Stories every demo of twenty-odd people or more contains, so each status, closure
# reason, contact type and outcome and linkage status shows up at least once.
FORCED_PLANS: tuple[PersonPlan, ...] = (
    _plan(EpisodePlan(_O.OPEN, heavy=True, showcase=True), home="East New York"),
    _plan(EpisodePlan(_O.OPEN, heavy=True, reassigned=True), home="Mott Haven"),
    _plan(EpisodePlan(_O.RECEIVED)),
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
    _plan(EpisodePlan(_O.CLOSED, ClosureReason.UNABLE_TO_LOCATE), EpisodePlan(_O.RECEIVED)),
    _plan(EpisodePlan(_O.INFO_REQUESTED)),
    _plan(EpisodePlan(_O.AWAITING)),
    _plan(EpisodePlan(_O.OPEN, first_contact=FirstContact.OVERDUE)),
    _plan(EpisodePlan(_O.OPEN, first_contact=FirstContact.PENDING)),
    _plan(
        EpisodePlan(_O.CLOSED, ClosureReason.DECLINED_SERVICES),
        EpisodePlan(_O.OPEN, info_first=True),
    ),
)

_CLOSURE_WEIGHTS = (
    (ClosureReason.CONNECTED_TO_CARE, 34),
    (ClosureReason.DECLINED_SERVICES, 20),
    (ClosureReason.UNABLE_TO_LOCATE, 18),
    (ClosureReason.MOVED_OUT_OF_AREA, 8),
    (ClosureReason.LONG_TERM_HOSPITALIZATION, 6),
    (ClosureReason.INCARCERATED, 5),
    (ClosureReason.DECEASED, 3),
    (ClosureReason.OTHER, 6),
)


def _person_plans(dice: Dice, count: int) -> list[PersonPlan]:
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
    reasons = [(r, w) for r, w in _CLOSURE_WEIGHTS if r is not ClosureReason.DECEASED]
    return EpisodePlan(
        _O.CLOSED,
        dice.weighted(reasons),
        first_contact=dice.weighted(((FirstContact.ON_TIME, 85), (FirstContact.LATE, 15))),
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
                    (FirstContact.ON_TIME, 84),
                    (FirstContact.LATE, 13),
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
            dice.weighted(_CLOSURE_WEIGHTS),
            first_contact=dice.weighted(((FirstContact.ON_TIME, 85), (FirstContact.LATE, 15))),
            reassigned=dice.chance(0.05),
            info_first=dice.chance(0.08),
        )
    if outcome is _O.REOPENED:
        reason = dice.pick((ClosureReason.UNABLE_TO_LOCATE, ClosureReason.DECLINED_SERVICES))
        return EpisodePlan(_O.REOPENED, reason)
    return EpisodePlan(outcome)


# --------------------------------------------------------------------------------------
# Timelines: when each referral arrived and what happened when
# --------------------------------------------------------------------------------------


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


def _episode_times(dice: Dice, now: datetime, plans: Sequence[EpisodePlan]) -> list[Episode]:
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


def _chain(start: datetime, gaps: Sequence[timedelta], deadline: datetime) -> list[datetime]:
    """Times after `start` separated by `gaps`, squeezed proportionally to end by `deadline`."""
    total = sum(gaps, timedelta())
    scale = 1.0
    if total > timedelta(0) and start + total > deadline:
        scale = max(0.05, (deadline - start) / total)
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
            _received(dice, now, earliest, _AGE_DECLINED)
            if final
            else earliest + dice.days(0, 30)
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
    moments = _chain(received, gaps, deadline)
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
    last, closed, reopened = _chain(first, gaps, now - timedelta(days=4))
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


# --------------------------------------------------------------------------------------
# People (built directly with the models)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Residence:
    """An address in a person's history, with where it sits on the map."""

    place: Neighborhood
    line1: str
    line2: str | None
    status: LocationStatus
    latitude: float | None
    longitude: float | None
    whereabouts: str | None
    since: datetime
    until: datetime | None


@dataclass
class PersonDraft:
    """A person being built, with what their referrals and contacts need to know."""

    dice: Dice
    plan: PersonPlan
    person: Person
    community: Community
    words: dict[str, str]
    residences: list[Residence]
    supports: list[SupportContact]
    episodes: list[Episode]
    intake_id: int

    def residence_at(self, at: datetime) -> Residence:
        current = self.residences[0]
        for residence in self.residences:
            if residence.since <= at:
                current = residence
        return current

    def relation(self) -> str:
        """How a family member is named in notes ("his mother"), or a neighbor."""
        for support in self.supports:
            if support.relationship_type.is_family_or_friend and support.relationship_detail:
                return f"{self.words['poss']} {support.relationship_detail.lower()}"
        return "a neighbor"


@dataclass
class ContactDraft:
    """A planned contact: when (planned and as recorded), with which team, and how it went."""

    planned_at: datetime
    occurred_at: datetime
    team: TeamTimeline
    type: ContactType
    outcome: ContactOutcome
    next_planned: datetime | None


@dataclass
class CaseStory:
    """A case being built and what its contacts and connections need."""

    draft: PersonDraft
    episode: Episode
    case: Case
    contacts: list[ContactDraft] = field(default_factory=list)
    care_provider: ProviderRef | None = None
    care_kind: LinkageKind | None = None


def _create_people(world: World, count: int) -> None:
    """People with their referrals, cases, contacts and connections, flushed in batches."""
    plans = _person_plans(world.dice, count)
    referral_index = 0
    for start in range(0, count, PEOPLE_PER_BATCH):
        drafts = [_draft_person(world, plan) for plan in plans[start : start + PEOPLE_PER_BATCH]]
        db.session.add_all(draft.person for draft in drafts)
        db.session.flush()  # person and support-contact ids for what follows

        stories: list[CaseStory] = []
        for draft in drafts:
            for episode in draft.episodes:
                episode.referral = _write_referral(world, draft, episode, referral_index)
                referral_index += 1
                if episode.plan.outcome in CASE_OUTCOMES:
                    stories.append(_write_case(world, draft, episode))
        db.session.flush()  # referral and case ids

        for draft in drafts:
            for episode in draft.episodes:
                if episode.duplicate_of is not None and episode.referral is not None:
                    original = episode.duplicate_of.referral
                    episode.referral.duplicate_of_id = original.id if original else None
        for story in stories:
            db.session.add_all(_write_contacts(world, story))
            db.session.add_all(_write_linkages(world, story))
        db.session.flush()
        world.tally.people += len(drafts)


def _draft_person(world: World, plan: PersonPlan) -> PersonDraft:
    """A person with names, birth date, languages, addresses, phones and support contacts."""
    dice = world.dice.child()
    community = dice.weighted([(c, c.weight) for c in COMMUNITIES])
    gender = dice.weighted(
        (("Male", 58), ("Female", 38), ("Non-binary", 2), ("Transgender woman", 2))
    )
    feminine = gender in ("Female", "Transgender woman") or (
        gender == "Non-binary" and dice.chance(0.5)
    )
    first = dice.pick(community.female if feminine else community.male)
    last = dice.pick(community.surnames)
    middle = dice.pick(community.female if feminine else community.male) if dice.chance(0.3) else None
    if middle == first:
        middle = None
    preferred = PREFERRED_NAMES.get(first) if dice.chance(0.6) else None
    words = _pronouns(gender)
    words["name"] = preferred or first

    episodes = _episode_times(dice, world.now, plan.episodes)
    created = min(e.received_at for e in episodes)
    languages, needs_interpreter = _languages(dice, community)
    words["language"] = languages[0]
    dob, estimated = _birth_date(dice, world.today())
    residences = _residences(dice, world, plan, community, episodes, words)
    supports = _support_contacts(dice, community, last, created, plan)
    intake_id = dice.pick((world.supervisor_id, world.supervisor_id, world.sergeant_id))
    person = Person(
        first_name=first,
        middle_name=middle,
        last_name=last,
        preferred_name=preferred,
        first_name_key=name_key(first),
        last_name_key=name_key(last),
        date_of_birth=dob,
        date_of_birth_estimated=estimated,
        gender=gender,
        needs_interpreter=needs_interpreter,
        created_at=created,
        updated_at=created,
        created_by_id=intake_id,
        aliases=_aliases(dice, community, first, last, feminine, created),
        languages=[PersonLanguage(language=lang, position=i) for i, lang in enumerate(languages)],
        addresses=[_address_row(r, intake_id) for r in residences],
        phones=_phones(dice, created, world.now),
        support_contacts=supports,
    )
    return PersonDraft(
        dice, plan, person, community, words, residences, supports, episodes, intake_id
    )


def _pronouns(gender: str) -> dict[str, str]:
    """Words for templates; "they" needs plural verbs, hence has/is/was."""
    if gender == "Male":
        return dict(Subj="He", subj="he", obj="him", poss="his", Poss="His", has="has", **_SINGULAR)
    if gender in ("Female", "Transgender woman"):
        return dict(Subj="She", subj="she", obj="her", poss="her", Poss="Her", has="has", **_SINGULAR)
    return dict(Subj="They", subj="they", obj="them", poss="their", Poss="Their", has="have", **_PLURAL)


_SINGULAR = {"is": "is", "was": "was"}
_PLURAL = {"is": "are", "was": "were"}


def _birth_date(dice: Dice, today: date) -> tuple[date, bool]:
    """Ages 18–80, mostly 20s to 50s; one in ten worked out from an approximate age."""
    age = 18 + int(dice.skewed(0, 62.99, 1.35))
    born = today - timedelta(days=int(age * 365.25) + dice.integer(0, 364))
    if dice.chance(0.1):
        # An estimated birth date is conventionally 1 January (or 1 July) of the year.
        return date(born.year, dice.pick((1, 7)), 1), True
    return born, False


def _languages(dice: Dice, community: Community) -> tuple[list[str], bool]:
    """Preferred language first; people who speak no English need an interpreter."""
    preferred = dice.weighted(community.languages)
    others = [lang for lang, _ in community.languages if lang not in (preferred, "English")]
    if preferred == "English":
        second = others[0] if others and dice.chance(0.4) else None
        return ([preferred, second] if second else [preferred]), False
    if dice.chance(0.55):
        return [preferred, "English"], dice.chance(0.15)
    return [preferred], True


def _residences(
    dice: Dice,
    world: World,
    plan: PersonPlan,
    community: Community,
    episodes: list[Episode],
    words: dict[str, str],
) -> list[Residence]:
    """Addresses over time: some people moved, or the referral's address was out of date."""
    first_at = min(e.received_at for e in episodes)
    home = NEIGHBORHOODS_BY_NAME[plan.home] if plan.home else _home_place(dice, community)
    main = [e for e in episodes if e.plan.outcome is not _O.DUPLICATE]
    moved_at, new_home = None, None
    if plan.home is None and len(main) > 1 and dice.chance(0.35):
        moved_at, new_home = main[-1].received_at, _home_place(dice, community)
    elif plan.home is None and dice.chance(0.08):
        moved_at = min(first_at + dice.hours(2, 72), world.now - timedelta(hours=1))
        same_borough = [n for n in NEIGHBORHOODS if n.borough is home.borough]
        new_home = dice.pick(same_borough)
    if moved_at is None or new_home is None:
        return [_residence(dice, home, first_at, None, words)]
    return [
        _residence(dice, home, first_at, moved_at, words),
        _residence(dice, new_home, moved_at, None, words),
    ]


def _home_place(dice: Dice, community: Community) -> Neighborhood:
    if dice.chance(0.75):
        return NEIGHBORHOODS_BY_NAME[dice.pick(community.neighborhoods)]
    return dice.weighted([(n, n.weight) for n in NEIGHBORHOODS])


def _residence(
    dice: Dice,
    place: Neighborhood,
    since: datetime,
    until: datetime | None,
    words: dict[str, str],
) -> Residence:
    """An address with a map point: exact, approximate (the block), or still needed."""
    status = dice.weighted(
        ((LocationStatus.LOCATED, 80), (LocationStatus.APPROXIMATE, 13), (LocationStatus.NEEDED, 7))
    )
    street, cross = dice.sample(place.streets, 2)
    landmark = dice.pick(place.landmarks)
    apartment = f"Apt {dice.integer(1, 21)}{dice.pick('ABCDEFGH')}" if dice.chance(0.65) else None
    line1 = _house_address(dice, place, street)
    latitude = round(place.latitude + dice.between(-0.006, 0.006), 6)
    longitude = round(place.longitude + dice.between(-0.008, 0.008), 6)
    note_fill = dict(words, street=street, cross=cross, landmark=landmark)
    whereabouts = dice.pick(WHEREABOUTS).format_map(note_fill) if dice.chance(0.25) else None
    if status is LocationStatus.APPROXIMATE:
        line1, apartment = f"{street} near {cross}", None
        latitude, longitude = place.latitude, place.longitude
    elif status is LocationStatus.NEEDED:
        latitude = longitude = None
        if dice.chance(0.5):
            line1, apartment = f"No fixed address, last seen near {landmark}", None
            whereabouts = whereabouts or dice.pick(WHEREABOUTS).format_map(note_fill)
    return Residence(
        place, line1, apartment, status, latitude, longitude, whereabouts, since, until
    )


def _house_address(dice: Dice, place: Neighborhood, street: str) -> str:
    # Queens addresses name the cross street in the house number: 89-14 165th St.
    if place.borough is Borough.QUEENS:
        return f"{dice.integer(30, 190)}-{dice.integer(1, 60):02d} {street}"
    return f"{dice.integer(10, 1450)} {street}"


def _address_row(residence: Residence, recorded_by_id: int) -> PersonAddress:
    place = residence.place
    return PersonAddress(
        line1=residence.line1,
        line2=residence.line2,
        city=place.city,
        state="NY",
        postal_code=place.postal_code,
        borough=place.borough,
        precinct=place.precinct,
        latitude=residence.latitude,
        longitude=residence.longitude,
        location_status=residence.status,
        whereabouts_note=residence.whereabouts,
        current=residence.until is None,
        recorded_at=residence.since,
        retired_at=residence.until,
        recorded_by_id=recorded_by_id,
    )


def _phones(dice: Dice, created: datetime, now: datetime) -> list[PersonPhone]:
    """Zero to two current numbers, sometimes an old one that stopped working."""
    count = dice.weighted(((0, 15), (1, 65), (2, 20)))
    phones = []
    for index in range(count):
        number = dice.phone(("347", "718", "917", "646", "929"))
        kind = PhoneKind.MOBILE if index == 0 else dice.pick((PhoneKind.HOME, PhoneKind.OTHER))
        phones.append(
            PersonPhone(number=number, digits=phone_digits(number), kind=kind, recorded_at=created)
        )
    if dice.chance(0.12):
        number = dice.phone(("347", "917", "646"))
        retired = created + (now - created) * dice.between(0.2, 0.8)
        phones.append(
            PersonPhone(
                number=number,
                digits=phone_digits(number),
                kind=PhoneKind.MOBILE,
                current=False,
                recorded_at=created,
                retired_at=retired,
            )
        )
    return phones


def _aliases(
    dice: Dice, community: Community, first: str, last: str, feminine: bool, created: datetime
) -> list[PersonAlias]:
    """Street names, misspellings from earlier records, former surnames."""
    names: list[str] = []
    for _ in range(dice.weighted(((0, 73), (1, 22), (2, 5)))):
        kind = dice.weighted((("street", 45), ("misspelling", 40), ("former", 15)))
        if kind == "street":
            names.append(dice.pick(STREET_NAMES))
        elif kind == "misspelling":
            names.append(f"{first} {_misspell(dice, last)}")
        elif feminine:
            names.append(f"{first} {dice.pick(community.surnames)}")
        else:
            names.append(f"{_misspell(dice, first)} {last}")
    unique = [n for n in dict.fromkeys(names) if name_key(n) != name_key(f"{first} {last}")]
    return [PersonAlias(name=n, name_key=name_key(n), created_at=created) for n in unique]


def _misspell(dice: Dice, name: str) -> str:
    """The kind of slip an earlier record makes: a swapped ending, a doubled letter."""
    for wrong, right in MISSPELLINGS:
        if wrong in name:
            return name.replace(wrong, right, 1)
    position = dice.integer(1, max(1, len(name) - 2))
    return name[:position] + name[position] + name[position:]


_RELATIONS: tuple[tuple[SupportRelationship, tuple[str, ...], float], ...] = (
    (SupportRelationship.PARENT, ("Mother", "Mother", "Father"), 25),
    (SupportRelationship.SIBLING, ("Sister", "Brother"), 20),
    (SupportRelationship.PARTNER, ("Wife", "Husband", "Girlfriend", "Boyfriend", "Partner"), 7),
    (SupportRelationship.CHILD, ("Daughter", "Son"), 8),
    (SupportRelationship.OTHER_FAMILY, ("Aunt", "Cousin", "Grandmother", "Uncle"), 8),
    (SupportRelationship.FRIEND, ("Friend", "Friend from church", "Childhood friend"), 12),
    (SupportRelationship.NEIGHBOR, ("Neighbor on the same floor", "Neighbor"), 4),
    (SupportRelationship.CASE_MANAGER, ("Case manager", "Shelter case manager"), 10),
    (SupportRelationship.PROVIDER, ("Therapist", "Psychiatrist", "Nurse practitioner"), 4),
)
_SAME_SURNAME = (
    SupportRelationship.PARENT,
    SupportRelationship.SIBLING,
    SupportRelationship.CHILD,
    SupportRelationship.OTHER_FAMILY,
)
_FEMININE_DETAILS = ("Mother", "Sister", "Wife", "Girlfriend", "Daughter", "Aunt", "Grandmother")


def _support_contacts(
    dice: Dice, community: Community, surname: str, created: datetime, plan: PersonPlan
) -> list[SupportContact]:
    """Family, friends and professionals in the person's life."""
    count = dice.weighted(((0, 15), (1, 35), (2, 30), (3, 20)))
    kinds = dice.weighted_sample([((r, d), w) for r, d, w in _RELATIONS], count)
    if any(episode.showcase for episode in plan.episodes):
        # The showcase connects to family and a friend, so it needs both on record.
        kinds = [
            (SupportRelationship.PARENT, ("Mother",)),
            (SupportRelationship.FRIEND, ("Childhood friend",)),
            (SupportRelationship.CASE_MANAGER, ("Case manager",)),
        ]
    return [_support_contact(dice, community, surname, created, r, d) for r, d in kinds]


def _support_contact(
    dice: Dice,
    community: Community,
    surname: str,
    created: datetime,
    relationship: SupportRelationship,
    details: tuple[str, ...],
) -> SupportContact:
    detail = dice.pick(details)
    organization = None
    if relationship in (SupportRelationship.CASE_MANAGER, SupportRelationship.PROVIDER):
        organization = dice.pick(CASE_MANAGER_ORGANIZATIONS)
        community = dice.pick(COMMUNITIES)
    feminine = detail in _FEMININE_DETAILS or (detail not in _MASCULINE and dice.chance(0.5))
    first = dice.pick(community.female if feminine else community.male)
    last = surname if relationship in _SAME_SURNAME else dice.pick(community.surnames)
    email = None
    if organization and dice.chance(0.6):
        email = f"{name_key(first)[0]}{name_key(last).replace(' ', '')}@example.org"
    return SupportContact(
        name=f"{first} {last}",
        relationship_type=relationship,
        relationship_detail=detail,
        organization=organization,
        phone=dice.phone(("718", "347", "917", "212", "646")),
        email=email,
        created_at=created,
    )


_MASCULINE = ("Father", "Brother", "Husband", "Boyfriend", "Son", "Uncle")


# --------------------------------------------------------------------------------------
# Referrals and cases
# --------------------------------------------------------------------------------------

_SOURCE_WEIGHTS = (
    (ReferralSource.NYPD_PRECINCT, 25),
    (ReferralSource.DOHMH, 11),
    (ReferralSource.NYC_WELL_988, 10),
    (ReferralSource.CALL_911, 8),
    (ReferralSource.HOSPITAL, 18),
    (ReferralSource.SHELTER, 10),
    (ReferralSource.FAMILY_COMMUNITY, 9),
    (ReferralSource.OTHER_PROVIDER, 7),
    (ReferralSource.OTHER, 2),
)
_INDICATOR_WEIGHTS = (
    (RiskIndicator.HARM_TO_SELF, 45),
    (RiskIndicator.HARM_TO_OTHERS, 40),
    (RiskIndicator.WEAPONS_ACCESS, 15),
    (RiskIndicator.RECENT_HOSPITALIZATION, 35),
    (RiskIndicator.SUBSTANCE_USE, 35),
    (RiskIndicator.PRIOR_VIOLENCE, 25),
)


def _write_referral(world: World, draft: PersonDraft, episode: Episode, index: int) -> Referral:
    """A referral with its risk indicators and every status change it went through."""
    dice, plan = draft.dice, episode.plan
    # The first referrals cycle through every source so even a small demo shows them all.
    sources = list(ReferralSource)
    source = sources[index] if index < len(sources) else dice.weighted(_SOURCE_WEIGHTS)
    place = draft.residence_at(episode.received_at).place
    referrer = _referrer(dice, source, place)
    indicators = dice.weighted_sample(_INDICATOR_WEIGHTS, dice.weighted(((1, 30), (2, 40), (3, 20), (4, 10))))
    fill = _fill(draft, place, hospital=dice.pick(HOSPITAL_EDS[place.borough]))
    creator = world.sergeant_id if source is ReferralSource.NYPD_PRECINCT else draft.intake_id
    triager = dice.pick((world.supervisor_id, world.supervisor_id, world.sergeant_id))
    referral = Referral(
        person_id=draft.person.id,
        source=source,
        source_detail=referrer.detail,
        received_at=episode.received_at,
        referrer_name=referrer.name,
        referrer_phone=referrer.phone,
        referrer_email=referrer.email,
        referrer_organization=referrer.organization,
        reason=_reason(dice, indicators, fill),
        status=ReferralStatus.RECEIVED,
        created_at=episode.received_at,
        created_by_id=creator,
        risk_indicators=[ReferralRiskIndicator(indicator=i) for i in indicators],
        events=[_referral_event(None, ReferralStatus.RECEIVED, episode.received_at, creator, "referral received")],
    )
    if episode.info_requested_at is not None:
        note = dice.pick(INFO_REQUESTS).format_map(dict(fill, referrer=referrer.short))
        _triage(referral, ReferralStatus.INFO_REQUESTED, episode.info_requested_at, triager, note)
        if episode.info_received_at is not None:
            referral.status = ReferralStatus.RECEIVED
            referral.events.append(
                _referral_event(
                    ReferralStatus.INFO_REQUESTED,
                    ReferralStatus.RECEIVED,
                    episode.info_received_at,
                    triager,
                    "information received",
                )
            )
    if episode.decided_at is not None:
        if plan.outcome in CASE_OUTCOMES:
            note = dice.pick(ACCEPT_NOTES).format_map(fill)
            _triage(referral, ReferralStatus.ACCEPTED, episode.decided_at, triager, note)
        else:
            _decline(dice, referral, episode, triager, fill)
    world.tally.referrals[referral.status] += 1
    db.session.add(referral)
    return referral


def _referral_event(
    from_status: ReferralStatus | None,
    to_status: ReferralStatus,
    at: datetime,
    by_id: int,
    note: str | None,
) -> ReferralEvent:
    return ReferralEvent(from_status=from_status, to_status=to_status, at=at, by_id=by_id, note=note)


def _triage(
    referral: Referral, status: ReferralStatus, at: datetime, by_id: int, note: str
) -> None:
    """A triage decision, as the referral service records it."""
    previous = referral.status
    referral.status = status
    referral.triaged_at = at
    referral.triaged_by_id = by_id
    referral.triage_note = note
    referral.events.append(_referral_event(previous, status, at, by_id, note))


def _decline(
    dice: Dice, referral: Referral, episode: Episode, by_id: int, fill: dict[str, str]
) -> None:
    reason = DECLINES[episode.plan.outcome]
    if reason is DeclineReason.REFERRED_ELSEWHERE:
        service = dice.pick(OTHER_SERVICES)
        note = f"Better served by {service}; referral forwarded with the referrer's agreement."
        referral.referred_to_service = service
        detail = f"{reason.label}: {service}"
    elif reason is DeclineReason.DUPLICATE:
        original = episode.duplicate_of.received_at if episode.duplicate_of else episode.received_at
        note = (
            f"Same person as the referral of {original.astimezone(_NY):%d %b %Y}; the case is "
            f"already open and the team was told about this call."
        )
        detail = reason.label
    else:
        note = dice.pick(NOT_ELIGIBLE_NOTES).format_map(fill)
        detail = reason.label
    _triage(referral, ReferralStatus.DECLINED, episode.decided_at or episode.received_at, by_id, note)
    referral.decline_reason = reason
    # The service writes "<reason>: <service>. <note>" on the decline event.
    referral.events[-1].note = f"{detail}. {note}"


_NY = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class Referrer:
    detail: str
    name: str
    short: str
    organization: str | None
    phone: str
    email: str | None


def _referrer(dice: Dice, source: ReferralSource, place: Neighborhood) -> Referrer:
    """Who sent the referral, from where, and how to call them back."""
    community = dice.pick(COMMUNITIES)
    person = f"{dice.pick(community.female + community.male)} {dice.pick(community.surnames)}"
    area = ("212", "646") if place.borough is Borough.MANHATTAN else ("718", "347")
    phone = dice.phone(area)
    email = f"{name_key(person).replace(' ', '.')}@example.org" if dice.chance(0.35) else None
    if source is ReferralSource.NYPD_PRECINCT:
        label = precinct_label(place.precinct)
        rank = dice.pick(("P.O.", "Sgt.", "Det.", "Lt."))
        return Referrer(label, f"{rank} {person}", f"{rank} {person}", f"NYPD {label}", phone, None)
    if source is ReferralSource.HOSPITAL:
        ed = dice.pick(HOSPITAL_EDS[place.borough])
        return Referrer(ed, f"{person}, LCSW", "the ED social worker", ed, phone, email)
    if source is ReferralSource.FAMILY_COMMUNITY:
        detail = dice.pick(FAMILY_REFERRERS)
        return Referrer(detail, person, person, None, phone, None)
    detail = dice.pick(SOURCE_DETAILS[source])
    short = f"{person} at {detail}"
    return Referrer(detail, person, short, detail, phone, email)


def _fill(draft: PersonDraft, place: Neighborhood, **extra: str) -> dict[str, str]:
    """Template words for one person at one place."""
    dice = draft.dice
    street, cross = dice.sample(place.streets, 2)
    return dict(
        draft.words,
        street=street,
        cross=cross,
        landmark=dice.pick(place.landmarks),
        relation=draft.relation(),
        period=dice.pick(("two weeks", "a month", "several weeks", "three months", "a week")),
        precinct=precinct_label(place.precinct),
        **extra,
    )


def _reason(dice: Dice, indicators: list[RiskIndicator], fill: dict[str, str]) -> str:
    """A short referral narrative that matches the risk indicators checked."""
    parts = [dice.pick(REASON_OPENINGS).format_map(dict(fill, behaviour=dice.pick(BEHAVIOURS).format_map(fill)))]
    parts += [dice.pick(INDICATOR_PHRASES[i]).format_map(fill) for i in indicators[:3]]
    parts.append(dice.pick(REASON_CONTEXTS).format_map(fill))
    return " ".join(parts)


def _write_case(world: World, draft: PersonDraft, episode: Episode) -> CaseStory:
    """The case of an accepted referral: assignments, contacts plan, closure, reopening."""
    dice, plan = draft.dice, episode.plan
    accepted = episode.decided_at or episode.received_at
    referral = episode.referral
    case = Case(
        person_id=draft.person.id,
        referral=referral,
        status=CaseStatus.AWAITING_ASSIGNMENT,
        referred_at=episode.received_at,
        accepted_at=accepted,
        created_at=accepted,
        updated_at=accepted,
        assignments=[],
        events=[
            CaseEvent(
                kind=CaseEventKind.OPENED,
                at=accepted,
                by_id=referral.triaged_by_id if referral else world.supervisor_id,
                note=referral.triage_note if referral else None,
            )
        ],
    )
    story = CaseStory(draft, episode, case)
    db.session.add(case)
    if episode.assigned_at is None:
        world.tally.cases[case.status] += 1
        return story

    place = draft.residence_at(episode.assigned_at).place
    team, why = _team_for(world, place, episode.assigned_at)
    dispatcher = dice.pick((world.sergeant_id, world.sergeant_id, world.supervisor_id))
    _assign(case, team, episode.assigned_at, dispatcher, why, kind=CaseEventKind.ASSIGNED)
    case.status = CaseStatus.OPEN
    case.first_assigned_at = episode.assigned_at
    case.first_contact_due_at = episode.assigned_at + FIRST_CONTACT_WINDOW

    planned = _planned_contact_times(dice, episode)
    handover = _plan_reassignment(world, draft, episode, team, planned)
    teams = [team if handover is None or i <= handover[0] else handover[1] for i in range(len(planned))]
    fences = team.fences() + (handover[1].fences() + [handover[2]] if handover else [])
    occurred = _recorded_times(world, team, episode, planned, fences)
    story.contacts = _contact_drafts(world, story, planned, occurred, teams)
    if handover is not None:
        index, new_team, at = handover
        reason = dice.pick(REASSIGN_REASONS).format_map(
            dict(draft.words, old=team.spec.name, new=new_team.spec.name)
        )
        _assign(case, new_team, at, world.supervisor_id, reason, kind=CaseEventKind.REASSIGNED)
    if story.contacts:
        case.first_contact_at = story.contacts[0].occurred_at
        case.last_contact_at = story.contacts[-1].occurred_at
        case.next_contact_planned_at = story.contacts[-1].next_planned
    _choose_care(world, story)
    if plan.outcome is _O.CLOSED:
        _close(world, story, episode.closed_at or world.now, plan.closure or ClosureReason.OTHER)
    elif plan.outcome is _O.REOPENED:
        _close(world, story, episode.closed_at or world.now, plan.closure or ClosureReason.OTHER)
        _reopen(world, story, episode.reopened_at or world.now)
    world.tally.cases[case.status] += 1
    return story


def _assign(
    case: Case,
    team: TeamTimeline,
    at: datetime,
    by_id: int,
    reason: str,
    *,
    kind: CaseEventKind,
) -> None:
    """Start an assignment (ending the current one), as the case service does."""
    for current in case.assignments:
        if current.ended_at is None:
            current.ended_at, current.end_reason = at, reason
    case.assignments.append(
        Assignment(
            team_id=team.team_id,
            assigned_at=at,
            assigned_by_id=by_id,
            first_contact_due_at=at + FIRST_CONTACT_WINDOW,
            reason=reason,
        )
    )
    case.team_id = team.team_id
    case.assigned_at = at
    case.events.append(
        CaseEvent(
            kind=kind, at=at, by_id=by_id, team_id=team.team_id, note=reason, summary=f"to {team.spec.name}"
        )
    )


def _close(world: World, story: CaseStory, at: datetime, reason: ClosureReason) -> None:
    """Close with a coded reason and a note; the current assignment ends."""
    case = story.case
    fill = _fill(
        story.draft,
        story.draft.residence_at(at).place,
        provider=story.care_provider.spec.name if story.care_provider else "an outpatient clinic",
        n=str(max(2, len(story.contacts))),
        place=story.draft.dice.pick(MOVED_TO),
        hospital=story.draft.dice.pick(STATE_HOSPITALS),
    )
    note = story.draft.dice.pick(CLOSURE_NOTES[reason]).format_map(fill)
    case.status = CaseStatus.CLOSED
    case.closed_at, case.closure_reason, case.closure_note = at, reason, note
    for assignment in case.assignments:
        if assignment.ended_at is None:
            assignment.ended_at = at
            assignment.end_reason = f"case closed: {reason.label.lower()}"
    case.next_contact_planned_at = None
    case.events.append(
        CaseEvent(
            kind=CaseEventKind.CLOSED,
            at=at,
            by_id=world.supervisor_id,
            closure_reason=reason,
            note=note,
        )
    )


def _reopen(world: World, story: CaseStory, at: datetime) -> None:
    """Reopen with the same team (it can still take cases): a fresh assignment."""
    case, draft = story.case, story.draft
    note = draft.dice.pick(REOPEN_NOTES).format_map(_fill(draft, draft.residence_at(at).place))
    team_id = case.team_id
    case.status = CaseStatus.OPEN
    case.reopened_at = at
    case.closed_at = case.closure_reason = case.closure_note = None
    case.events.append(CaseEvent(kind=CaseEventKind.REOPENED, at=at, by_id=world.supervisor_id, note=note))
    case.assignments.append(
        Assignment(
            team_id=team_id,
            assigned_at=at,
            assigned_by_id=world.supervisor_id,
            first_contact_due_at=at + FIRST_CONTACT_WINDOW,
            reason="case reopened",
        )
    )
    case.assigned_at = at
    case.next_contact_planned_at = story.contacts[-1].next_planned if story.contacts else None
    world.tally.reopened += 1


# --------------------------------------------------------------------------------------
# Contact schedules
# --------------------------------------------------------------------------------------


def _contact_count(dice: Dice, length: timedelta, heavy: bool) -> int:
    """About one contact a week, front-loaded; 2 to 25, or 40+ for the heaviest people."""
    if heavy:
        return dice.integer(40, 60)
    days = length / timedelta(days=1)
    return min(25, 2 + int(days / dice.between(5, 11)))


def _planned_contact_times(dice: Dice, episode: Episode) -> list[datetime]:
    """Contact moments in each open stretch: the first at its start, the rest spread after."""
    times: list[datetime] = []
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
        times += stretch
    return times


def _plan_reassignment(
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
    new_team = _reassignment_team(world, draft.residence_at(at).place, at, team)
    return (index, new_team, at) if new_team is not None else None



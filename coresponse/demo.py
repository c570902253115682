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
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import insert, select

from config import Config
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
from coresponse.clock import utcnow
from coresponse.consent.models import BreakGlassReason, ConsentMethod, DisclosureBasis, ShareScope
from coresponse.consent.services import (
    break_glass,
    record_consent,
    record_disclosure,
    resolve_recipient,
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
from coresponse.db_types import LabelledEnum
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
from coresponse.teams.models import REQUIRED_COMPOSITION, Team, TeamMembership
from coresponse.teams.services import TeamDetails, add_member, create_team, remove_member

T = TypeVar("T")

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
        raise DomainError("The database already holds data. Use --force to add the demo anyway.")
    _check_can_seed(password)
    world = World(now=utcnow(), dice=Dice(seed), tz=_program_timezone())
    _create_staff(world, password)
    _create_teams(world)
    _create_providers(world)
    _create_people(world, people)
    sharing = _create_consents_and_break_glass(world)
    waiting = _create_waiting_account(world, password)
    summary = _summary(world, seed) + sharing + waiting
    record_event(
        AuditAction.CREATE,
        by=None,
        record_type="demo",
        category=DataCategory.ACCOUNT,
        detail=f"demo program seeded (seed {seed}, {people} people)",
    )
    return summary


def _create_waiting_account(world: World, password: str) -> str:
    """A new clinician the administrator added, through the service as the user screens
    do: it waits for a clinical supervisor's approval (four eyes), so the `supervisor`
    login's home page has an account to approve, and `sergeant` sees why it is not theirs.
    """
    spec = WAITING_ACCOUNT
    user = create_user(
        spec.username,
        full_name=spec.full_name,
        role=spec.role,
        email=f"{spec.username}@example.org",
        password=password,
        must_change_password=True,
        by=world.users["admin"],
    )
    if user.access_approved:  # approval is off (CORESPONSE_ACCESS_APPROVAL=off)
        return ""
    return (
        f"\n  Waiting for approval: {spec.username} ({spec.role.label.lower()}, asked for by "
        "admin; the clinical supervisor approves it)"
    )


def _create_consents_and_break_glass(world: World) -> str:
    """Consents, disclosures and one unreviewed break-glass, through their services.

    They go to Brooklyn North's open cases, so the demo clinician sees them and the
    clinical supervisor's home shows an emergency access waiting for review.
    """
    clinician = world.users["clinician"]
    team_id = db.session.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.user_id == clinician.id, TeamMembership.left_at.is_(None)
        )
    )
    cases = db.session.scalars(
        select(Case)
        .where(Case.team_id == team_id, Case.status == CaseStatus.OPEN)
        .order_by(Case.id)
        .limit(15)
    ).all()
    if not cases:
        return ""
    consents = disclosures = 0
    for case in cases[:-1]:
        if consents == 3:
            break
        person = db.session.get(Person, case.person_id)
        family = db.session.scalar(
            select(SupportContact)
            .where(SupportContact.person_id == person.id, SupportContact.active)
            .order_by(SupportContact.id)
        )
        if family is None or not family.relationship_type.is_family_or_friend:
            continue
        choice = f"contact-{family.id}"
        record_consent(
            person,
            by=clinician,
            recipient=resolve_recipient(person.id, choice),
            scopes=[ShareScope.ATTENDANCE, ShareScope.TREATMENT],
            purpose="Keep the family informed so they can support appointments.",
            method=ConsentMethod.WRITTEN,
            given_on=world.today() - timedelta(days=20),
            expires_on=world.today() + timedelta(days=345),
        )
        consents += 1
        record_disclosure(
            person,
            by=clinician,
            recipient=resolve_recipient(person.id, choice),
            scopes=[ShareScope.ATTENDANCE],
            description="Told them he attended the clinic intake on Tuesday.",
            purpose="Family support",
            disclosed_at=world.now - timedelta(days=3),
            basis=DisclosureBasis.CONSENT,
        )
        disclosures += 1
    # Someone from another team opened a Brooklyn North record in an emergency.
    outsider = next(
        (
            user
            for user in world.users.values()
            if user.role.value == "clinician" and user.id != clinician.id
        ),
        None,
    )
    broke = 0
    if outsider is not None:
        person = db.session.get(Person, cases[-1].person_id)
        break_glass(
            person,
            by=outsider,
            reason_code=BreakGlassReason.EMERGENCY_CALL,
            reason="Called by Kings County ED at 2 a.m.; her team was off shift.",
        )
        broke = 1
    return (
        f"\n  Consents:  {consents} (and {disclosures} disclosure{'s' if disclosures != 1 else ''})"
        f"\n  Break-glass accesses waiting for review: {broke}"
    )


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
    if has_app_context() and current_app.config.get("DEMO_PASSWORD"):
        return str(current_app.config["DEMO_PASSWORD"])
    return Config.DEMO_PASSWORD


def _program_timezone() -> ZoneInfo:
    """The program's wall clock: shifts and visit hours are local times."""
    name = current_app.config.get("TIMEZONE", "America/New_York") if has_app_context() else None
    return ZoneInfo(name or "America/New_York")


def _check_can_seed(password: str) -> None:
    """Refuse before writing anything when the demo's names are taken or the password is weak."""
    usernames = [login.username for login in DEMO_LOGINS] + [s.username for s in TEAM_STAFF]
    usernames.append(WAITING_ACCOUNT.username)
    taken = list(db.session.scalars(select(User.username).where(User.username.in_(usernames))))
    if taken:
        shown = ", ".join(sorted(taken)[:6]) + (
            f" and {len(taken) - 6} more" if len(taken) > 6 else ""
        )
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
        # Deterministic demo data, not secrets: a seeded generator is what is wanted.
        self._rng = random.Random(seed)  # nosec B311

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
        return [
            pool.pop(min(len(pool) - 1, int(self.unit() * len(pool))))
            for _ in range(min(k, len(pool)))
        ]

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
class KeyedRow:
    """A row inserted in bulk; its id is read back through a unique column."""

    values: dict[str, Any]
    id: int | None = None


class BulkRows:
    """Rows inserted in bulk once their parents have ids.

    The ORM inserts a row at a time whenever it must read generated keys back (these
    tables give SQLite no insert sentinel), which would make seeding slow. Leaf rows
    need no keys back, and contacts can be found again by their unique uuid, so both
    go in as executemany batches; together they are most of the demo's rows.
    """

    def __init__(self) -> None:
        self._keyed: dict[type[Any], tuple[str, list[KeyedRow]]] = {}
        self._children: dict[type[Any], list[tuple[Any, str, dict[str, Any]]]] = {}

    def add_keyed(self, model: type[Any], unique: str, **values: Any) -> KeyedRow:
        """A row that others refer to, found again by its `unique` column once inserted."""
        row = KeyedRow(values)
        self._keyed.setdefault(model, (unique, []))[1].append(row)
        return row

    def add(self, model: type[Any], parent: Any, key: str, **values: Any) -> None:
        """A leaf row of `model` whose `key` column will be `parent.id`."""
        self._children.setdefault(model, []).append((parent, key, values))

    def insert(self) -> None:
        """Write every pending row; ORM parents must have been flushed."""
        for model, (unique, rows) in self._keyed.items():
            db.session.execute(insert(model), [row.values for row in rows])
            column = getattr(model, unique)
            by_key = {row.values[unique]: row for row in rows}
            keys = list(by_key)
            for start in range(0, len(keys), 500):
                found = select(column, model.id).where(column.in_(keys[start : start + 500]))
                for key, row_id in db.session.execute(found):
                    by_key[key].id = row_id
        for model, items in self._children.items():
            rows = [{**values, key: parent.id} for parent, key, values in items]
            db.session.execute(insert(model), rows)
        self._keyed.clear()
        self._children.clear()


@dataclass
class World:
    """What every generator shares: the clock, the dice, and the staff, teams and providers."""

    now: datetime
    dice: Dice
    tz: ZoneInfo
    rows: BulkRows = field(default_factory=BulkRows)
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
    people = [
        (login.username, login.full_name, login.role, login.discipline) for login in DEMO_LOGINS
    ]
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
        memberships: dict[str, TeamMembership] = {}
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


def _staff_change(
    world: World, team: Team, departure: Departure, memberships: dict[str, TeamMembership]
) -> None:
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
        by_precinct = place.precinct in ready[0].spec.precincts
        return ready[0], f"Covers the {area}." if by_precinct else f"Covers {place.borough.label}."
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
    """The nearest other team that can take the case at that moment, if any."""
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
            dice.weighted(_CLOSURE_WEIGHTS),
            first_contact=dice.weighted(((FirstContact.ON_TIME, 88), (FirstContact.LATE, 12))),
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
    closing: ClosureReason | None = None  # the contact just before the case closed


@dataclass
class CaseStory:
    """A case being built and what its contacts and connections need."""

    draft: PersonDraft
    episode: Episode
    case: Case
    contacts: list[ContactDraft] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
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
        world.rows.insert()

        stories: list[CaseStory] = []
        for draft in drafts:
            for episode in draft.episodes:
                episode.referral = _write_referral(world, draft, episode, referral_index)
                referral_index += 1
                if episode.plan.outcome in CASE_OUTCOMES:
                    stories.append(_write_case(world, draft, episode))
        db.session.flush()  # referral and case ids
        world.rows.insert()

        for draft in drafts:
            for episode in draft.episodes:
                if episode.duplicate_of is not None and episode.referral is not None:
                    original = episode.duplicate_of.referral
                    episode.referral.duplicate_of_id = original.id if original else None
        for story in stories:
            _write_contacts(world, story)
            db.session.add_all(_write_linkages(world, story))
        db.session.flush()
        world.rows.insert()
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
    middle = (
        dice.pick(community.female if feminine else community.male) if dice.chance(0.3) else None
    )
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
        support_contacts=supports,
    )
    rows = world.rows
    for alias in _aliases(dice, community, first, last, feminine, created):
        rows.add(PersonAlias, person, "person_id", **alias)
    for position, language in enumerate(languages):
        rows.add(PersonLanguage, person, "person_id", language=language, position=position)
    for residence in residences:
        rows.add(PersonAddress, person, "person_id", **_address_row(residence, intake_id))
    for phone in _phones(dice, created, world.now):
        rows.add(PersonPhone, person, "person_id", **phone)
    return PersonDraft(
        dice, plan, person, community, words, residences, supports, episodes, intake_id
    )


def _pronouns(gender: str) -> dict[str, str]:
    """Words for templates; "they" needs plural verbs, hence has/is/was."""
    if gender == "Male":
        return dict(Subj="He", subj="he", obj="him", poss="his", Poss="His", has="has", **_SINGULAR)
    if gender in ("Female", "Transgender woman"):
        return dict(
            Subj="She", subj="she", obj="her", poss="her", Poss="Her", has="has", **_SINGULAR
        )
    return dict(
        Subj="They", subj="they", obj="them", poss="their", Poss="Their", has="have", **_PLURAL
    )


_SINGULAR = {"is": "is", "was": "was"}
_PLURAL = {"is": "are", "was": "were"}


def _birth_date(dice: Dice, today: date) -> tuple[date, bool]:
    """Ages 18–80, mostly 20s to 50s; one in ten worked out from an approximate age."""
    age = 18 + int(dice.skewed(0, 61.99, 1.35))
    born = today - timedelta(days=int(age * 365.25) + dice.integer(0, 364))
    if dice.chance(0.1):
        # An estimated birth date is conventionally 1 January of the year.
        return date(born.year, 1, 1), True
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
    if plan.home is None and len(main) > 1 and (plan.moved or dice.chance(0.35)):
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


def _address_row(residence: Residence, recorded_by_id: int) -> dict[str, Any]:
    place = residence.place
    return {
        "line1": residence.line1,
        "line2": residence.line2,
        "city": place.city,
        "state": "NY",
        "postal_code": place.postal_code,
        "borough": place.borough,
        "precinct": place.precinct,
        "latitude": residence.latitude,
        "longitude": residence.longitude,
        "location_status": residence.status,
        "whereabouts_note": residence.whereabouts,
        "current": residence.until is None,
        "recorded_at": residence.since,
        "retired_at": residence.until,
        "recorded_by_id": recorded_by_id,
    }


def _phones(dice: Dice, created: datetime, now: datetime) -> list[dict[str, Any]]:
    """Zero to two current numbers, sometimes an old one that stopped working."""
    count = dice.weighted(((0, 15), (1, 65), (2, 20)))
    phones = []
    for index in range(count):
        kind = PhoneKind.MOBILE if index == 0 else dice.pick((PhoneKind.HOME, PhoneKind.OTHER))
        number = dice.phone(("347", "718", "917", "646", "929"))
        phones.append(_phone_row(number, kind, created, None))
    if dice.chance(0.12):
        retired = created + (now - created) * dice.between(0.2, 0.8)
        phones.append(
            _phone_row(dice.phone(("347", "917", "646")), PhoneKind.MOBILE, created, retired)
        )
    return phones


def _phone_row(
    number: str, kind: PhoneKind, recorded: datetime, retired: datetime | None
) -> dict[str, Any]:
    return {
        "number": number,
        "digits": phone_digits(number),
        "kind": kind,
        "current": retired is None,
        "recorded_at": recorded,
        "retired_at": retired,
    }


def _aliases(
    dice: Dice, community: Community, first: str, last: str, feminine: bool, created: datetime
) -> list[dict[str, Any]]:
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
    return [{"name": n, "name_key": name_key(n), "created_at": created} for n in unique]


def _misspell(dice: Dice, name: str) -> str:
    """The kind of slip an earlier record makes: a common swap, else two letters swapped."""
    for wrong, right in MISSPELLINGS:
        if wrong in name:
            return name.replace(wrong, right, 1)
    if len(name) < 4:
        return name + name[-1]
    i = dice.integer(1, len(name) - 3)
    return name[:i] + name[i + 1] + name[i] + name[i + 2 :]


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
_MASCULINE_DETAILS = ("Father", "Brother", "Husband", "Boyfriend", "Son", "Uncle")


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
    if relationship is SupportRelationship.CASE_MANAGER:
        organization = dice.pick(CASE_MANAGER_ORGANIZATIONS)
    elif relationship is SupportRelationship.PROVIDER:
        organization = dice.pick(TREATING_ORGANIZATIONS)
    if organization is not None:
        community = dice.pick(COMMUNITIES)  # professionals come from anywhere
    feminine = detail in _FEMININE_DETAILS or (
        detail not in _MASCULINE_DETAILS and dice.chance(0.5)
    )
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
    referrer = _referrer(dice, source, place, draft)
    indicators = dice.weighted_sample(
        _INDICATOR_WEIGHTS, dice.weighted(((1, 30), (2, 40), (3, 20), (4, 10)))
    )
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
    )
    events = [
        _event(
            None,
            ReferralStatus.RECEIVED,
            episode.received_at,
            creator,
            "referral received",
            for_the_team=True,
        )
    ]
    if episode.info_requested_at is not None:
        note = dice.pick(INFO_REQUESTS).format_map(dict(fill, referrer=referrer.short))
        _triage(
            referral,
            events,
            ReferralStatus.INFO_REQUESTED,
            episode.info_requested_at,
            triager,
            note,
            for_the_team=True,  # what the referrer is asked for: an address, a date
        )
        if episode.info_received_at is not None:
            # The referrer answered: back to awaiting triage, as the referral service does.
            referral.status = ReferralStatus.RECEIVED
            events.append(
                _event(
                    ReferralStatus.INFO_REQUESTED,
                    ReferralStatus.RECEIVED,
                    episode.info_received_at,
                    triager,
                    "information received",
                    for_the_team=True,
                )
            )
    if episode.decided_at is not None:
        if plan.outcome in CASE_OUTCOMES:
            note = dice.pick(ACCEPT_NOTES).format_map(fill)
            _triage(referral, events, ReferralStatus.ACCEPTED, episode.decided_at, triager, note)
        else:
            _decline(world, dice, referral, events, episode, triager, fill)
    for indicator in indicators:
        world.rows.add(ReferralRiskIndicator, referral, "referral_id", indicator=indicator)
    for event in events:
        world.rows.add(ReferralEvent, referral, "referral_id", **event)
    world.tally.referrals[referral.status] += 1
    db.session.add(referral)
    return referral


def _event(
    from_status: ReferralStatus | None,
    to_status: ReferralStatus,
    at: datetime,
    by_id: int,
    note: str | None,
    *,
    for_the_team: bool = False,
) -> dict[str, Any]:
    """A referral status change; its note is clinical unless `for_the_team`."""
    return {
        "from_status": from_status,
        "to_status": to_status,
        "at": at,
        "by_id": by_id,
        "operational_note": note if for_the_team else None,
        "note": None if for_the_team else note,
    }


def _triage(
    referral: Referral,
    events: list[dict[str, Any]],
    status: ReferralStatus,
    at: datetime,
    by_id: int,
    note: str,
    *,
    for_the_team: bool = False,
) -> None:
    """A triage decision, as the referral service records it."""
    events.append(_event(referral.status, status, at, by_id, note, for_the_team=for_the_team))
    referral.status = status
    referral.triaged_at = at
    referral.triaged_by_id = by_id
    if not for_the_team:
        referral.triage_note = note


def _decline(
    world: World,
    dice: Dice,
    referral: Referral,
    events: list[dict[str, Any]],
    episode: Episode,
    by_id: int,
    fill: dict[str, str],
) -> None:
    reason = DECLINES[episode.plan.outcome]
    detail = reason.label
    if reason is DeclineReason.REFERRED_ELSEWHERE:
        service = dice.pick(OTHER_SERVICES)
        note = f"Better served by {service}; referral forwarded with the referrer's agreement."
        referral.referred_to_service = service
        detail = f"{reason.label}: {service}"
    elif reason is DeclineReason.DUPLICATE:
        original = episode.duplicate_of.received_at if episode.duplicate_of else episode.received_at
        note = (
            f"Same person as the referral of {original.astimezone(world.tz):%d %b %Y}; the case "
            "is open and the team was told about this call."
        )
    else:
        note = dice.pick(NOT_ELIGIBLE_NOTES).format_map(fill)
    decided = episode.decided_at or episode.received_at
    _triage(referral, events, ReferralStatus.DECLINED, decided, by_id, note)
    referral.decline_reason = reason
    # The referral service writes the coded reason for the team, the rest as clinical.
    events[-1]["operational_note"] = reason.label
    events[-1]["note"] = f"{detail}; {note}"


@dataclass(frozen=True)
class Referrer:
    detail: str
    name: str
    short: str
    organization: str | None
    phone: str
    email: str | None


def _referrer(
    dice: Dice, source: ReferralSource, place: Neighborhood, draft: PersonDraft
) -> Referrer:
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
        if detail in _FEMININE_DETAILS + _MASCULINE_DETAILS:
            # Family comes from the person's community and usually shares the surname.
            names = draft.community.female if detail in _FEMININE_DETAILS else draft.community.male
            person = f"{dice.pick(names)} {draft.person.last_name}"
        return Referrer(detail, person, person, None, phone, None)
    detail = dice.pick(SOURCE_DETAILS[source])
    short = f"{person} at {detail}"
    return Referrer(detail, person, short, detail, phone, email)


def _fill(draft: PersonDraft, place: Neighborhood, **extra: str) -> dict[str, str]:
    """Template words for one person at one place."""
    dice = draft.dice
    street, cross = dice.sample(place.streets, 2)
    relation = draft.relation()
    return dict(
        draft.words,
        street=street,
        cross=cross,
        landmark=dice.pick(place.landmarks),
        relation=relation,
        Relation=relation[0].upper() + relation[1:],
        period=dice.pick(("two weeks", "a month", "several weeks", "three months", "a week")),
        precinct=precinct_label(place.precinct),
        **extra,
    )


def _reason(dice: Dice, indicators: list[RiskIndicator], fill: dict[str, str]) -> str:
    """A short referral narrative that matches the risk indicators checked."""
    parts = [
        dice.pick(REASON_OPENINGS).format_map(
            dict(fill, behaviour=dice.pick(BEHAVIOURS).format_map(fill))
        )
    ]
    parts += [dice.pick(INDICATOR_PHRASES[i]).format_map(fill) for i in indicators[:3]]
    parts.append(dice.pick(REASON_CONTEXTS).format_map(fill))
    return " ".join(parts)


def _write_case(world: World, draft: PersonDraft, episode: Episode) -> CaseStory:
    """The case of an accepted referral: assignments, contacts plan, closure, reopening."""
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
    )
    db.session.add(case)
    story = CaseStory(draft, episode, case)
    story.events.append(
        {
            "kind": CaseEventKind.OPENED,
            "at": accepted,
            "by_id": referral.triaged_by_id if referral else world.supervisor_id,
            "operational_note": "Accepted: the team makes first contact within 24 hours.",
            "note": referral.triage_note if referral else None,
        }
    )
    if episode.assigned_at is not None:
        _work_case(world, story, episode.assigned_at)
    for assignment in story.assignments:
        world.rows.add(Assignment, case, "case_id", **assignment)
    for event in story.events:
        world.rows.add(CaseEvent, case, "case_id", **event)
    world.tally.cases[case.status] += 1
    return story


def _work_case(world: World, story: CaseStory, assigned_at: datetime) -> None:
    """Dispatch, plan the contacts (and any reassignment), then close or reopen."""
    draft, episode, case = story.draft, story.episode, story.case
    dice, plan = draft.dice, episode.plan
    team, why = _team_for(world, draft.residence_at(assigned_at).place, assigned_at)
    dispatcher = dice.pick((world.sergeant_id, world.sergeant_id, world.supervisor_id))
    _assign(story, team, assigned_at, dispatcher, why, kind=CaseEventKind.ASSIGNED)
    case.status = CaseStatus.OPEN
    case.first_assigned_at = assigned_at
    case.first_contact_due_at = assigned_at + FIRST_CONTACT_WINDOW

    stretches = _planned_contact_times(dice, episode)
    planned = [moment for stretch in stretches for moment in stretch]
    teams, fences = [team] * len(planned), team.fences()
    handover = _plan_reassignment(world, draft, episode, team, planned)
    if handover is not None:
        last_index, new_team, handover_at = handover
        teams = [team if i <= last_index else new_team for i in range(len(planned))]
        fences += [*new_team.fences(), handover_at]
    reopen_team = team
    if episode.reopened_at is not None:
        reopen_team = _reopen_team(world, draft, team, episode.reopened_at)
        teams = teams[: len(stretches[0])] + [reopen_team] * len(stretches[1])
        fences += [*reopen_team.fences(), episode.reopened_at]
    recorded = _recorded_times(dice, world, team, episode, stretches, fences)
    story.contacts = _contact_drafts(world, story, stretches, recorded, teams)
    if handover is not None:
        reason = dice.pick(REASSIGN_REASONS).format_map(
            dict(draft.words, old=team.spec.name, new=handover[1].spec.name)
        )
        _assign(
            story,
            handover[1],
            handover[2],
            world.supervisor_id,
            reason,
            kind=CaseEventKind.REASSIGNED,
        )
    if story.contacts:
        case.first_contact_at = story.contacts[0].occurred_at
        case.last_contact_at = story.contacts[-1].occurred_at
        case.next_contact_planned_at = story.contacts[-1].next_planned
    _choose_care(world, story)
    if episode.closed_at is not None:
        _close(world, story, episode.closed_at, plan.closure or ClosureReason.OTHER)
    if episode.reopened_at is not None:
        _reopen(world, story, episode.reopened_at, reopen_team)


def _reopen_team(
    world: World, draft: PersonDraft, team: TeamTimeline, at: datetime
) -> TeamTimeline:
    """The case's last team if it can still take cases, else the one dispatch would pick."""
    if team.dispatchable_at(at):
        return team
    return _team_for(world, draft.residence_at(at).place, at)[0]


def _assign(
    story: CaseStory,
    team: TeamTimeline,
    at: datetime,
    by_id: int,
    reason: str,
    *,
    kind: CaseEventKind,
) -> None:
    """Start an assignment (ending the current one), as the case service does."""
    for current in story.assignments:
        if current["ended_at"] is None:
            current["ended_at"], current["end_reason"] = at, reason
    story.assignments.append(
        {
            "team_id": team.team_id,
            "assigned_at": at,
            "assigned_by_id": by_id,
            "first_contact_due_at": at + FIRST_CONTACT_WINDOW,
            "reason": reason,
            "ended_at": None,
            "end_reason": None,
        }
    )
    story.case.team_id = team.team_id
    story.case.assigned_at = at
    story.events.append(
        {
            "kind": kind,
            "at": at,
            "by_id": by_id,
            "team_id": team.team_id,
            "operational_note": reason,  # as on the assign page: the whole team reads it
            "summary": f"to {team.spec.name}",
        }
    )


def _close(world: World, story: CaseStory, at: datetime, reason: ClosureReason) -> None:
    """Close with a coded reason and a note; the current assignment ends."""
    case, dice = story.case, story.draft.dice
    fill = _fill(
        story.draft,
        story.draft.residence_at(at).place,
        provider=story.care_provider.spec.name if story.care_provider else "an outpatient clinic",
        moved_to=dice.pick(MOVED_TO),
        hospital=dice.pick(STATE_HOSPITALS),
    )
    note = dice.pick(CLOSURE_NOTES[reason]).format_map(fill)
    team_note = TEAM_CLOSURE_NOTES[reason].format_map(fill)
    case.status = CaseStatus.CLOSED
    case.closed_at, case.closure_reason, case.closure_note = at, reason, note
    case.closure_operational_note = team_note
    for assignment in story.assignments:
        if assignment["ended_at"] is None:
            assignment["ended_at"] = at
            assignment["end_reason"] = "case closed"
    case.next_contact_planned_at = None
    story.events.append(
        {
            "kind": CaseEventKind.CLOSED,
            "at": at,
            "by_id": world.supervisor_id,
            "closure_reason": reason,
            "operational_note": team_note,
            "note": note,
        }
    )


def _reopen(world: World, story: CaseStory, at: datetime, team: TeamTimeline) -> None:
    """Reopen, history intact, and hand the case to a team that can take it."""
    case, draft = story.case, story.draft
    fill = _fill(draft, draft.residence_at(at).place)
    team_note, note = (part and part.format_map(fill) for part in draft.dice.pick(REOPEN_NOTES))
    case.status = CaseStatus.OPEN
    case.reopened_at = at
    case.closed_at = case.closure_reason = case.closure_note = None
    case.closure_operational_note = None
    story.events.append(
        {
            "kind": CaseEventKind.REOPENED, "at": at, "by_id": world.supervisor_id,
            "operational_note": team_note, "note": note,
        }
    )  # fmt: skip
    if team.team_id == case.team_id:
        story.assignments.append(
            {
                "team_id": team.team_id,
                "assigned_at": at,
                "assigned_by_id": world.supervisor_id,
                "first_contact_due_at": at + FIRST_CONTACT_WINDOW,
                "reason": "case reopened",
                "ended_at": None,
                "end_reason": None,
            }
        )
        case.assigned_at = at
    else:
        reason = f"Reopened; {team.spec.name} can take it now."
        _assign(story, team, at, world.sergeant_id, reason, kind=CaseEventKind.ASSIGNED)
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


def _planned_contact_times(dice: Dice, episode: Episode) -> list[list[datetime]]:
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


def _recorded_times(
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


# Contact types and outcomes -----------------------------------------------------------

_TYPE_WEIGHTS = (
    (ContactType.IN_PERSON_HOME, 30),
    (ContactType.IN_PERSON_OTHER, 16),
    (ContactType.PHONE, 20),
    (ContactType.VIDEO, 3),
    (ContactType.COLLATERAL_FAMILY, 8),
    (ContactType.COLLATERAL_PROVIDER, 8),
    (ContactType.ATTEMPT, 15),
)
_FIRST_TYPE_WEIGHTS = (
    (ContactType.IN_PERSON_HOME, 45),
    (ContactType.IN_PERSON_OTHER, 15),
    (ContactType.PHONE, 15),
    (ContactType.ATTEMPT, 25),
)
_C = ContactOutcome
_OUTCOME_WEIGHTS: dict[ContactType, tuple[tuple[ContactOutcome, float], ...]] = {
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


def _contact_drafts(
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
        contact_type = dice.weighted(_FIRST_TYPE_WEIGHTS if index in starts else _TYPE_WEIGHTS)
        outcome = dice.weighted(_OUTCOME_WEIGHTS[contact_type])
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


def _choose_care(world: World, story: CaseStory) -> None:
    """The program a case closed as connected to care connected the person to."""
    plan = story.episode.plan
    if plan.outcome is not _O.CLOSED or plan.closure is not ClosureReason.CONNECTED_TO_CARE:
        return
    dice = story.draft.dice
    kind = dice.weighted(
        (
            (LinkageKind.OUTPATIENT_CLINIC, 40),
            (LinkageKind.IMT, 15),
            (LinkageKind.ACT, 10),
            (LinkageKind.SUBSTANCE_USE_PROGRAM, 20),
            (LinkageKind.PRIMARY_CARE, 15),
        )
    )
    borough = story.draft.residence_at(story.episode.received_at).place.borough
    story.care_kind = kind
    story.care_provider = _provider_for(world, dice, kind, borough)


def _provider_for(world: World, dice: Dice, kind: LinkageKind, borough: Borough) -> ProviderRef:
    """A directory entry of this kind, usually in the person's borough."""
    of_kind = [p for p in world.providers if p.spec.kind is kind]
    nearby = [p for p in of_kind if p.spec.borough is borough]
    return dice.pick(nearby if nearby and dice.chance(0.8) else of_kind)


# --------------------------------------------------------------------------------------
# Contacts and connections (written once cases have ids)
# --------------------------------------------------------------------------------------

_FACTOR_WEIGHTS = (
    (RiskFactor.SUICIDAL_IDEATION, 25),
    (RiskFactor.HOMICIDAL_IDEATION, 8),
    (RiskFactor.ACCESS_TO_MEANS, 8),
    (RiskFactor.PSYCHOSIS, 30),
    (RiskFactor.SUBSTANCE_INTOXICATION, 18),
    (RiskFactor.TREATMENT_NONADHERENCE, 35),
    (RiskFactor.RECENT_LOSS, 12),
    (RiskFactor.HOUSING_INSTABILITY, 25),
)
_PERSON_SEEN = (
    ContactType.IN_PERSON_HOME,
    ContactType.IN_PERSON_OTHER,
    ContactType.PHONE,
    ContactType.VIDEO,
)


def _write_contacts(world: World, story: CaseStory) -> None:
    """The contact rows of a case, recorded by whoever was on its team at the time."""
    for draft in story.contacts:
        _contact_row(world, story, draft)
    world.tally.contacts += len(story.contacts)


def _contact_row(world: World, story: CaseStory, draft: ContactDraft) -> None:
    person, dice = story.draft, story.draft.dice
    members = draft.team.members_at(draft.planned_at) or draft.team.spans
    recorder = _recorder(dice, members, draft.type, draft.outcome)
    present = _present(dice, members, recorder, draft.type)
    residence = person.residence_at(draft.planned_at)
    place = residence.place
    destination = (
        dice.pick(CRISIS_DESTINATIONS[place.borough]) if draft.outcome.is_transport else None
    )
    provider = story.care_provider or _provider_for(
        world, dice, dice.pick(_COLLATERAL_KINDS), place.borough
    )
    relation = person.relation()
    fill = _fill(
        person,
        place,
        destination=destination or "",
        provider=provider.spec.name,
    )
    location, latitude, longitude = _contact_place(dice, draft.type, residence, fill)
    clinician = recorder.role is Role.CLINICIAN
    seen = draft.type in _PERSON_SEEN and draft.outcome is not _C.NOT_FOUND
    level, factors = _risk(dice, draft.outcome) if clinician and seen else (None, [])
    recorded_at = min(draft.occurred_at + dice.hours(0.1, 3), world.now)
    contact = world.rows.add_keyed(
        Contact,
        "uuid",
        uuid=uuid.uuid4(),
        case_id=story.case.id,
        person_id=person.person.id,
        type=draft.type,
        occurred_at=draft.occurred_at,
        location=location,
        latitude=latitude,
        longitude=longitude,
        outcome=draft.outcome,
        transport_destination=destination,
        others_present=_others_present(dice, draft.type, relation),
        operational_note=_operational_note(dice, draft, fill),
        clinical_note=_clinical_note(dice, draft, fill) if clinician else None,
        risk_level=level,
        next_contact_planned_at=draft.next_planned,
        recorded_at=recorded_at,
        recorded_by_id=recorder.user_id,
    )
    for span in present:
        world.rows.add(ContactParticipant, contact, "contact_id", user_id=span.user_id)
    for factor in factors:
        world.rows.add(ContactRiskFactor, contact, "contact_id", factor=factor)
    if dice.chance(0.03):
        world.rows.add(
            Addendum, contact, "contact_id", **_addendum(world, dice, recorder, recorded_at)
        )


_COLLATERAL_KINDS = (
    LinkageKind.OUTPATIENT_CLINIC,
    LinkageKind.IMT,
    LinkageKind.SUBSTANCE_USE_PROGRAM,
    LinkageKind.SUPPORT_CONNECTION_CENTER,
    LinkageKind.HOUSING,
)


def _recorder(
    dice: Dice, members: list[Span], contact_type: ContactType, outcome: ContactOutcome
) -> Span:
    """Clinicians log most visits; officers log some, and most arrests."""
    clinicians = [m for m in members if m.role is Role.CLINICIAN]
    officers = [m for m in members if m.role is Role.OFFICER]
    share = 0.65
    if contact_type in (ContactType.VIDEO, ContactType.COLLATERAL_PROVIDER):
        share = 0.9
    elif outcome is _C.ARREST:
        share = 0.3
    use_clinician = (dice.chance(share) and clinicians) or not officers
    return dice.pick(clinicians if use_clinician else officers)


def _present(
    dice: Dice, members: list[Span], recorder: Span, contact_type: ContactType
) -> list[Span]:
    """Team members at the contact: usually the whole team in the field, one on the phone."""
    others = [m for m in members if m.user_id != recorder.user_id]
    in_field = contact_type in (
        ContactType.IN_PERSON_HOME,
        ContactType.IN_PERSON_OTHER,
        ContactType.ATTEMPT,
    )
    if not in_field:
        return [recorder, *dice.sample(others, int(dice.chance(0.2)))]
    extra = len(others) if dice.chance(0.7) else 1
    return [recorder, *dice.sample(others, extra)]


def _contact_place(
    dice: Dice, contact_type: ContactType, residence: Residence, fill: dict[str, str]
) -> tuple[str | None, float | None, float | None]:
    """Where the contact happened: the home, somewhere in the neighborhood, or nowhere (calls)."""
    at_home = contact_type is ContactType.IN_PERSON_HOME or (
        contact_type is ContactType.ATTEMPT and dice.chance(0.6)
    )
    if at_home and residence.latitude is not None:
        line = ", ".join(part for part in (residence.line1, residence.line2) if part)
        return line, residence.latitude, residence.longitude
    if at_home or contact_type in (ContactType.IN_PERSON_OTHER, ContactType.ATTEMPT):
        place = residence.place
        latitude = round(place.latitude + dice.between(-0.005, 0.005), 6)
        longitude = round(place.longitude + dice.between(-0.006, 0.006), 6)
        where = dice.pick((fill["landmark"], f"{fill['street']} and {fill['cross']}"))
        return where[0].upper() + where[1:], latitude, longitude
    return None, None, None


def _others_present(dice: Dice, contact_type: ContactType, relation: str) -> str | None:
    if contact_type is ContactType.IN_PERSON_HOME and dice.chance(0.35):
        return dice.pick(
            (relation.split(" ", 1)[-1].capitalize(), "Building super", "Home attendant")
        )
    if contact_type is ContactType.IN_PERSON_OTHER and dice.chance(0.25):
        return dice.pick(
            ("Shelter staff", "Transit officers", "Outreach worker (BRC)", "Store owner")
        )
    return None


def _operational_note(dice: Dice, draft: ContactDraft, fill: dict[str, str]) -> str:
    """What the whole team may read: times, access, safety; never clinical content."""
    if draft.closing in CLOSING_NOTES:
        return dice.pick(CLOSING_NOTES[draft.closing]).format_map(fill)
    templates = (
        OPERATIONAL_NOTES.get((draft.type, draft.outcome))
        or OPERATIONAL_NOTES[(draft.type, _C.ENGAGED)]
    )
    return dice.pick(templates).format_map(fill)


def _clinical_note(dice: Dice, draft: ContactDraft, fill: dict[str, str]) -> str | None:
    """The clinician's note; nothing clinical to say about an empty doorway."""
    if draft.type is ContactType.ATTEMPT or draft.outcome is _C.NOT_FOUND:
        return None
    if draft.type is ContactType.COLLATERAL_FAMILY:
        return dice.pick(CLINICAL_COLLATERAL_FAMILY).format_map(fill)
    if draft.type is ContactType.COLLATERAL_PROVIDER:
        return dice.pick(CLINICAL_COLLATERAL_PROVIDER).format_map(fill)
    return dice.pick(CLINICAL_NOTES[draft.outcome]).format_map(fill)


def _risk(dice: Dice, outcome: ContactOutcome) -> tuple[RiskLevel, list[RiskFactor]]:
    """A clinician-rated level with structured factors matching it."""
    if outcome.is_transport:
        level = RiskLevel.HIGH
    elif outcome is _C.ARREST:
        level = dice.pick((RiskLevel.MODERATE, RiskLevel.HIGH))
    else:
        level = dice.weighted(((RiskLevel.LOW, 45), (RiskLevel.MODERATE, 40), (RiskLevel.HIGH, 15)))
    low, high = {RiskLevel.LOW: (0, 1), RiskLevel.MODERATE: (1, 2), RiskLevel.HIGH: (2, 4)}[level]
    return level, dice.weighted_sample(_FACTOR_WEIGHTS, dice.integer(low, high))


def _addendum(world: World, dice: Dice, recorder: Span, recorded_at: datetime) -> dict[str, Any]:
    """A correction to a saved contact: who, when, why; the contact stays as it was."""
    clinician = recorder.role is Role.CLINICIAN
    # Only clinicians write clinical additions.
    reason, operational, clinical = dice.pick(ADDENDA if clinician else _OPERATIONAL_ADDENDA)
    return {
        "author_id": recorder.user_id,
        "created_at": min(recorded_at + dice.hours(1, 72), world.now),
        "reason": reason,
        "operational_text": operational,
        "clinical_text": clinical,
    }


# Connections -------------------------------------------------------------------------

_L = LinkageStatus
_KIND_WEIGHTS = (
    (LinkageKind.OUTPATIENT_CLINIC, 18),
    (LinkageKind.IMT, 10),
    (LinkageKind.ACT, 6),
    (LinkageKind.SUBSTANCE_USE_PROGRAM, 9),
    (LinkageKind.HOSPITAL, 3),
    (LinkageKind.SUPPORT_CONNECTION_CENTER, 5),
    (LinkageKind.PRIMARY_CARE, 8),
    (LinkageKind.FAMILY, 9),
    (LinkageKind.FRIEND, 4),
    (LinkageKind.HOUSING, 11),
    (LinkageKind.BENEFITS, 9),
    (LinkageKind.PEER_SUPPORT, 5),
    (LinkageKind.LEGAL, 3),
)
# The showcase person's connections cover every status, family and friends included.
SHOWCASE_LINKAGES: tuple[tuple[LinkageKind, LinkageStatus], ...] = (
    (LinkageKind.OUTPATIENT_CLINIC, _L.NOT_CONNECTED),
    (LinkageKind.IMT, _L.WAITLISTED),
    (LinkageKind.FAMILY, _L.CONNECTED),
    (LinkageKind.FRIEND, _L.IDENTIFIED),
    (LinkageKind.HOUSING, _L.REFERRED),
    (LinkageKind.BENEFITS, _L.CONNECTED),
    (LinkageKind.PRIMARY_CARE, _L.APPOINTMENT_SCHEDULED),
)
_FAMILY_RELATIONS = (
    SupportRelationship.PARENT,
    SupportRelationship.SIBLING,
    SupportRelationship.PARTNER,
    SupportRelationship.CHILD,
    SupportRelationship.OTHER_FAMILY,
)
_FRIEND_RELATIONS = (SupportRelationship.FRIEND, SupportRelationship.NEIGHBOR)


@dataclass(frozen=True)
class LinkagePlan:
    kind: LinkageKind
    status: LinkageStatus
    anchor: ContactDraft


def _write_linkages(world: World, story: CaseStory) -> list[Linkage]:
    """Connections made during the case, each with the chain of steps that led to its status."""
    if not story.contacts:
        return []
    rows = [_linkage_row(world, story, plan) for plan in _linkage_plans(story)]
    for row in rows:
        world.tally.linkages[row.status] += 1
    return rows


def _linkage_plans(story: CaseStory) -> list[LinkagePlan]:
    dice, plan = story.draft.dice, story.episode.plan
    early = story.contacts[: max(1, int(len(story.contacts) * 0.7))]
    if plan.showcase:
        return [
            LinkagePlan(k, s, early[min(i, len(early) - 1)])
            for i, (k, s) in enumerate(SHOWCASE_LINKAGES)
        ]
    plans = []
    if story.care_kind is not None:
        plans.append(LinkagePlan(story.care_kind, _L.CONNECTED, story.contacts[0]))
    kinds = [
        (k, w)
        for k, w in _KIND_WEIGHTS
        if _support_for(story.draft, k, probe=True) or k.category is not LinkageCategory.FAMILY
    ]
    for _ in range(dice.weighted(((0, 20), (1, 35), (2, 30), (3, 15)))):
        kind = dice.weighted(kinds)
        if any(p.kind is kind for p in plans):
            continue
        anchor = dice.pick(early)
        plans.append(
            LinkagePlan(kind, _linkage_status(dice, kind, _ends_closed(story, anchor)), anchor)
        )
    return plans


def _ends_closed(story: CaseStory, anchor: ContactDraft) -> bool:
    """Whether the open period holding this contact ended with a closure."""
    closed_at = story.episode.closed_at
    return closed_at is not None and anchor.occurred_at < closed_at


def _period_end(world: World, story: CaseStory, anchor: ContactDraft) -> datetime:
    if _ends_closed(story, anchor) and story.episode.closed_at is not None:
        return story.episode.closed_at
    return world.now


def _linkage_status(dice: Dice, kind: LinkageKind, closing: bool) -> LinkageStatus:
    """How far a connection got; waitlists are for IMT and ACT (and housing)."""
    if kind.category is LinkageCategory.FAMILY:
        return dice.weighted(((_L.IDENTIFIED, 25), (_L.CONNECTED, 55), (_L.NOT_CONNECTED, 20)))
    waitlist = 45 if kind in (LinkageKind.IMT, LinkageKind.ACT) else 0
    if kind is LinkageKind.HOUSING:
        waitlist = 5  # supportive housing has waitlists too, but fewer people on them
    if closing:
        return dice.weighted(
            (
                (_L.REFERRED, 10),
                (_L.WAITLISTED, waitlist * 0.6),
                (_L.CONNECTED, 45),
                (_L.NOT_CONNECTED, 40),
            )
        )
    return dice.weighted(
        (
            (_L.IDENTIFIED, 14),
            (_L.REFERRED, 20),
            (_L.WAITLISTED, waitlist),
            (_L.APPOINTMENT_SCHEDULED, 16),
            (_L.CONNECTED, 26),
            (_L.NOT_CONNECTED, 18),
        )
    )


def _linkage_path(dice: Dice, kind: LinkageKind, status: LinkageStatus) -> list[LinkageStatus]:
    """The steps to `status` along the linkage service's allowed transitions.

    Some appointments are rescheduled (a second "appointment scheduled" step).
    """
    path = _direct_path(dice, kind, status)
    if _L.APPOINTMENT_SCHEDULED in path and dice.chance(0.15):
        index = path.index(_L.APPOINTMENT_SCHEDULED)
        path.insert(index, _L.APPOINTMENT_SCHEDULED)
    return path


def _direct_path(dice: Dice, kind: LinkageKind, status: LinkageStatus) -> list[LinkageStatus]:
    family = kind.category is LinkageCategory.FAMILY
    waitlisted = kind in (LinkageKind.IMT, LinkageKind.ACT)
    if status is _L.IDENTIFIED:
        return [_L.IDENTIFIED]
    if status is _L.REFERRED:
        return [_L.IDENTIFIED, _L.REFERRED]
    if status is _L.WAITLISTED:
        return [_L.IDENTIFIED, _L.REFERRED, _L.WAITLISTED]
    if status is _L.APPOINTMENT_SCHEDULED:
        if waitlisted and dice.chance(0.6):
            return [_L.IDENTIFIED, _L.REFERRED, _L.WAITLISTED, _L.APPOINTMENT_SCHEDULED]
        return [_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED]
    if status is _L.CONNECTED:
        if family:
            return [_L.IDENTIFIED, _L.REFERRED, _L.CONNECTED]
        if waitlisted:
            return [
                _L.IDENTIFIED,
                _L.REFERRED,
                _L.WAITLISTED,
                _L.APPOINTMENT_SCHEDULED,
                _L.CONNECTED,
            ]
        if dice.chance(0.7):
            return [_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED, _L.CONNECTED]
        return [_L.IDENTIFIED, _L.REFERRED, _L.CONNECTED]
    if family:
        return [_L.IDENTIFIED, _L.NOT_CONNECTED]
    return dice.weighted(
        (
            ([_L.IDENTIFIED, _L.NOT_CONNECTED], 20),
            ([_L.IDENTIFIED, _L.REFERRED, _L.NOT_CONNECTED], 40),
            ([_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED, _L.NOT_CONNECTED], 40),
        )
    )


def _support_for(
    draft: PersonDraft, kind: LinkageKind, *, probe: bool = False
) -> SupportContact | None:
    """The support contact a family or friend connection is with."""
    wanted = _FAMILY_RELATIONS if kind is LinkageKind.FAMILY else _FRIEND_RELATIONS
    matches = [s for s in draft.supports if s.relationship_type in wanted]
    if not matches:
        return None
    return matches[0] if probe else draft.dice.pick(matches)


def _linkage_row(world: World, story: CaseStory, plan: LinkagePlan) -> Linkage:
    draft, dice = story.draft, story.draft.dice
    kind, status, anchor = plan.kind, plan.status, plan.anchor
    end = _period_end(world, story, anchor) - timedelta(minutes=30)
    start = min(anchor.occurred_at + dice.hours(0.2, 3), end - timedelta(hours=1))
    start = max(start, anchor.occurred_at)
    path = _linkage_path(dice, kind, status)
    moments = [start, *_chain(start, [dice.days(1, 14) for _ in path[1:]], end)]
    clinician = _clinician_at(world, anchor)
    place = draft.residence_at(start).place
    support = _support_for(draft, kind) if kind.category is LinkageCategory.FAMILY else None
    provider, target_name = None, None
    if support is None:
        provider, target_name = _linkage_target(world, story, dice, kind, place.borough)
    target = (
        (support.name if support else None)
        or (provider.spec.name if provider else target_name)
        or kind.label
    )
    fill = dict(
        draft.words, target=target, weeks=str(dice.integer(3, 20)), relation=draft.relation()
    )
    linkage = Linkage(
        person_id=draft.person.id,
        case_id=story.case.id,
        kind=kind,
        provider_id=provider.id if provider else None,
        support_contact_id=support.id if support else None,
        target_name=target_name,
        status=status,
        status_changed_at=moments[-1],
        note=dice.pick(LINKAGE_NOTES).format_map(fill) if dice.chance(0.2) else None,
        created_at=start,
        created_by_id=clinician.user_id,
    )
    appointments = _appointments(world, dice, path, moments)
    linkage.appointment_at = next((a for a in reversed(appointments) if a), None)
    for i, step in enumerate(path):
        previous = path[i - 1] if i else None
        notes = RESCHEDULE_NOTES if step is previous else STEP_NOTES[step]
        world.rows.add(
            LinkageStatusChange,
            linkage,
            "linkage_id",
            from_status=previous,
            to_status=step,
            at=moments[i],
            by_id=clinician.user_id,
            note=dice.pick(notes).format_map(fill),
            appointment_at=appointments[i],
        )
    _outcome_details(world, dice, linkage, moments[-1], support, target, clinician)
    return linkage


def _clinician_at(world: World, anchor: ContactDraft) -> Span:
    """The team clinician when the connection was worked on (they record connections)."""
    members = anchor.team.members_at(anchor.planned_at) or anchor.team.spans
    clinicians = [m for m in members if m.role is Role.CLINICIAN]
    return clinicians[0] if clinicians else members[0]


def _linkage_target(
    world: World, story: CaseStory, dice: Dice, kind: LinkageKind, borough: Borough
) -> tuple[ProviderRef | None, str | None]:
    """A directory provider where possible, else the name of a program outside it."""
    if story.care_kind is kind and story.care_provider is not None:
        return story.care_provider, None
    if kind in TARGET_NAMES and dice.chance(0.15):
        return None, dice.pick(TARGET_NAMES[kind])
    return _provider_for(world, dice, kind, borough), None


def _appointments(
    world: World, dice: Dice, path: list[LinkageStatus], moments: list[datetime]
) -> list[datetime | None]:
    """The appointment each scheduling step set; a pending one is in the coming weeks."""
    appointments: list[datetime | None] = []
    for index, step in enumerate(path):
        if step is not _L.APPOINTMENT_SCHEDULED:
            appointments.append(None)
        elif index == len(path) - 1:
            day = (world.now + dice.days(1, 21)).astimezone(world.tz).date()
            appointments.append(_local(world.tz, day, dice.integer(9, 15), dice.pick((0, 30))))
        else:
            # Before the next step: attended, missed (then rescheduled), or not kept.
            scheduled, after = moments[index], moments[index + 1]
            appointments.append(scheduled + (after - scheduled) * dice.between(0.5, 0.95))
    return appointments


def _outcome_details(
    world: World,
    dice: Dice,
    linkage: Linkage,
    at: datetime,
    support: SupportContact | None,
    target: str,
    clinician: Span,
) -> None:
    """How a connection was verified, or why it did not happen."""
    if linkage.status is _L.CONNECTED:
        linkage.verified_on = at.astimezone(world.tz).date()
        if support is not None:
            linkage.verification_method = VerificationMethod.FAMILY_CONFIRMED
            detail = (support.relationship_detail or "family").lower()
            linkage.verified_by = f"{support.name} ({detail})"
        else:
            method = dice.weighted(
                (
                    (VerificationMethod.PROVIDER_CONFIRMED, 45),
                    (VerificationMethod.ATTENDED_WITH_STAFF, 25),
                    (VerificationMethod.RECORDS, 15),
                    (VerificationMethod.PERSON_REPORTED_AND_CONFIRMED, 15),
                )
            )
            linkage.verification_method = method
            linkage.verified_by = dice.pick(VERIFIERS[method]).format(
                target=target, clinician=clinician.full_name
            )[:160]
    elif linkage.status is _L.NOT_CONNECTED:
        linkage.not_connected_reason = dice.pick(NOT_CONNECTED_REASONS)


def _local(tz: ZoneInfo, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


# --------------------------------------------------------------------------------------
# Summary
# --------------------------------------------------------------------------------------


def _summary(world: World, seed: int) -> str:
    """What was created, counted by kind."""
    tally = world.tally
    dispatchable = sum(t.dispatchable_at(world.now) for t in world.teams)
    short = [t.spec.name for t in world.teams if not t.dispatchable_at(world.now)]
    referrals = sum(tally.referrals.values())
    cases = sum(tally.cases.values())
    lines = [
        f"Demo program added (seed {seed}).",
        f"  Users:     {tally.users} ({len(DEMO_LOGINS)} demo logins, "
        f"{len(TEAM_STAFF)} officers and clinicians)",
        f"  Teams:     {len(world.teams)} ({dispatchable} dispatchable"
        + (f"; not dispatchable: {', '.join(short)}" if short else "")
        + ")",
        f"  Providers: {tally.providers}",
        f"  People:    {tally.people}",
        f"  Referrals: {referrals} ({_by_label(tally.referrals, ReferralStatus)})",
        f"  Cases:     {cases} ({_by_label(tally.cases, CaseStatus)}; {tally.reopened} reopened)",
        f"  Contacts:  {tally.contacts}",
        f"  Connections: {sum(tally.linkages.values())} "
        f"({_by_label(tally.linkages, LinkageStatus)})",
    ]
    return "\n".join(lines)


def _by_label(counts: Counter[Any], kind: type[LabelledEnum]) -> str:
    """'3 open, 2 closed' in the enum's order, leaving out what is absent."""
    return ", ".join(f"{counts[m]} {m.label.lower()}" for m in kind if counts[m])


# --------------------------------------------------------------------------------------
# Reference data: staff, teams, places, names, providers
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    discipline: Discipline | None
    what: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", "Dana Whitfield", Role.ADMIN, None, "accounts and teams"),
    DemoLogin(
        "supervisor",
        "Nadia Okafor",
        Role.SUPERVISOR,
        Discipline.CLINICAL,
        "clinical supervisor: triage, dispatch, clinical view",
    ),
    DemoLogin(
        "sergeant",
        "Michael Russo",
        Role.SUPERVISOR,
        Discipline.POLICE,
        "police supervisor (sergeant): dispatch, operational view",
    ),
    DemoLogin("clinician", "Camila Reyes", Role.CLINICIAN, None, f"clinician, {DEMO_TEAM}"),
    DemoLogin(
        "officer", "Andre Thompson", Role.OFFICER, None, f"officer, {DEMO_TEAM}: operational view"
    ),
    DemoLogin("analyst", "Priya Raman", Role.ANALYST, None, "reports without identities"),
)


@dataclass(frozen=True)
class StaffMember:
    username: str
    full_name: str
    role: Role


TEAM_STAFF: tuple[StaffMember, ...] = (
    StaffMember("jmorales", "José Morales", Role.OFFICER),
    StaffMember("twalker", "Tanisha Walker", Role.OFFICER),
    StaffMember("aesposito", "Anthony Esposito", Role.OFFICER),
    StaffMember("lsantiago", "Luis Santiago", Role.OFFICER),
    StaffMember("kobrien", "Kevin O'Brien", Role.OFFICER),
    StaffMember("mvega", "Marisol Vega", Role.OFFICER),
    StaffMember("dcho", "Daniel Cho", Role.OFFICER),
    StaffMember("sgrant", "Shanice Grant", Role.OFFICER),
    StaffMember("bkowalski", "Brian Kowalski", Role.OFFICER),
    StaffMember("vsingh", "Vikram Singh", Role.OFFICER),
    StaffMember("pkelly", "Patrick Kelly", Role.OFFICER),
    StaffMember("rpierre", "Raymond Pierre", Role.OFFICER),
    StaffMember("rgoldberg", "Rachel Goldberg", Role.CLINICIAN),
    StaffMember("oadeyemi", "Olumide Adeyemi", Role.CLINICIAN),
    StaffMember("salvarez", "Sofía Álvarez", Role.CLINICIAN),
    StaffMember("fhaque", "Farah Haque", Role.CLINICIAN),
    StaffMember("mlin", "Mei Lin", Role.CLINICIAN),
)
# Added by the administrator, not yet approved by a clinical supervisor: no login yet.
WAITING_ACCOUNT = StaffMember("jpark", "Jin Park", Role.CLINICIAN)


@dataclass(frozen=True)
class Departure:
    """An officer who left a team, and who (if anyone) replaced them."""

    username: str
    days_ago: float
    reason: str
    replaced_by: str | None = None
    replaced_days_ago: float | None = None


@dataclass(frozen=True)
class TeamSpec:
    name: str
    base_address: str
    latitude: float
    longitude: float
    precincts: tuple[str, ...]
    boroughs: tuple[Borough, ...]
    shift: tuple[time, time] | None  # None: around the clock
    clinician: str
    officers: tuple[str, ...]
    departure: Departure | None = None

    @property
    def visit_window(self) -> tuple[float, float]:
        """(start hour, length in hours) of local time in which the team makes visits."""
        if self.shift is None:
            return (8.0, 14.0)  # around-the-clock teams still do most outreach by day
        start = self.shift[0].hour + self.shift[0].minute / 60
        end = self.shift[1].hour + self.shift[1].minute / 60
        return (start + 0.25, (end - start) % 24 - 0.75)


# Bases are real NYPD station houses (coordinates approximate).
TEAM_SPECS: tuple[TeamSpec, ...] = (
    TeamSpec(
        DEMO_TEAM,
        "75th Precinct, 1000 Sutter Avenue, Brooklyn, NY 11208",
        40.6727, -73.8787,
        ("73", "75", "77", "79", "81"), (),
        (time(8), time(20)),
        "clinician", ("officer", "jmorales"),
    ),
    TeamSpec(
        "Brooklyn South",
        "67th Precinct, 2820 Snyder Avenue, Brooklyn, NY 11226",
        40.6490, -73.9477,
        ("60", "61", "62", "63", "66", "67", "68", "69", "70", "71", "72", "76", "78"), (),
        (time(10), time(22)),
        "rgoldberg", ("twalker", "aesposito"),
    ),
    TeamSpec(
        "Bronx",
        "44th Precinct, 2 East 169th Street, Bronx, NY 10452",
        40.8370, -73.9190,
        (), (Borough.BRONX,),
        None,
        "oadeyemi", ("lsantiago", "kobrien"),
        Departure("kobrien", 150, "Transferred to another command", "mvega", 143),
    ),
    TeamSpec(
        "Manhattan North",
        "25th Precinct, 120 East 119th Street, New York, NY 10035",
        40.8005, -73.9405,
        ("23", "25", "26", "28", "30", "32", "33", "34"), (),
        None,
        "salvarez", ("dcho", "sgrant"),
    ),
    TeamSpec(
        "Queens",
        "103rd Precinct, 168-02 91st Avenue, Jamaica, NY 11432",
        40.7068, -73.7920,
        (), (Borough.QUEENS,),
        (time(16), time(4)),
        "fhaque", ("bkowalski", "vsingh"),
    ),
    TeamSpec(
        "Staten Island",
        "120th Precinct, 78 Richmond Terrace, Staten Island, NY 10301",
        40.6435, -74.0765,
        (), (Borough.STATEN_ISLAND,),
        (time(8), time(16)),
        "mlin", ("pkelly", "rpierre"),
        # Deliberately not replaced yet: the demo shows a team that cannot take cases.
        Departure("rpierre", 19, "Promoted to sergeant; reassigned to patrol"),
    ),
)  # fmt: skip


@dataclass(frozen=True)
class Neighborhood:
    name: str
    borough: Borough
    precinct: str
    postal_code: str
    city: str
    latitude: float
    longitude: float
    streets: tuple[str, ...]
    landmarks: tuple[str, ...]
    weight: float = 2.0


_MN, _BX, _BK, _QN, _SI = (
    Borough.MANHATTAN,
    Borough.BRONX,
    Borough.BROOKLYN,
    Borough.QUEENS,
    Borough.STATEN_ISLAND,
)
NEIGHBORHOODS: tuple[Neighborhood, ...] = (
    Neighborhood("East Harlem", _MN, "23", "10029", "New York", 40.7930, -73.9440,
                 ("E 104th St", "E 108th St", "Lexington Ave", "1st Ave", "3rd Ave"),
                 ("Thomas Jefferson Park", "the 103rd St (6) station",
                  "the Washington Houses courtyard")),
    Neighborhood("Central Harlem", _MN, "28", "10026", "New York", 40.8027, -73.9527,
                 ("W 118th St", "Frederick Douglass Blvd", "W 121st St", "Malcolm X Blvd",
                  "W 116th St"),
                 ("the 116th St (2/3) station", "the benches on Frederick Douglass Blvd",
                  "the laundromat on W 116th St")),
    Neighborhood("Washington Heights", _MN, "33", "10032", "New York", 40.8384, -73.9405,
                 ("W 162nd St", "Amsterdam Ave", "St Nicholas Ave", "Audubon Ave", "W 165th St"),
                 ("Highbridge Park", "the 168th St station", "the bodega on Amsterdam Ave")),
    Neighborhood("Inwood", _MN, "34", "10034", "New York", 40.8677, -73.9212,
                 ("Dyckman St", "Sherman Ave", "Vermilyea Ave", "Seaman Ave", "W 207th St"),
                 ("Inwood Hill Park", "the Dyckman St (1) station",
                  "the Dyckman Houses courtyard")),
    Neighborhood("Lower East Side", _MN, "7", "10002", "New York", 40.7150, -73.9843,
                 ("Clinton St", "Rivington St", "Pitt St", "Stanton St", "Grand St"),
                 ("Seward Park", "the Delancey St station", "the Essex Market benches")),
    Neighborhood("East Village", _MN, "9", "10009", "New York", 40.7265, -73.9815,
                 ("Avenue B", "E 7th St", "Avenue C", "E 11th St", "E 4th St"),
                 ("Tompkins Square Park", "the 1st Ave (L) station", "the Riis Houses courtyard")),
    Neighborhood("Hell's Kitchen", _MN, "18", "10019", "New York", 40.7649, -73.9904,
                 ("W 47th St", "10th Ave", "W 52nd St", "9th Ave", "W 50th St"),
                 ("DeWitt Clinton Park", "the 50th St (C/E) station", "Hell's Kitchen Park")),
    Neighborhood("Mott Haven", _BX, "40", "10454", "Bronx", 40.8091, -73.9229,
                 ("E 138th St", "Willis Ave", "Brook Ave", "E 141st St", "Alexander Ave"),
                 ("St. Mary's Park", "the 3rd Ave–138th St station",
                  "the Mitchel Houses courtyard"),
                 4),
    Neighborhood("Morrisania", _BX, "42", "10456", "Bronx", 40.8290, -73.9079,
                 ("Boston Rd", "E 169th St", "Washington Ave", "Teller Ave", "E 166th St"),
                 ("Crotona Park", "the Forest Houses courtyard", "the bus stop on 3rd Ave"), 3),
    Neighborhood("Soundview", _BX, "43", "10473", "Bronx", 40.8226, -73.8602,
                 ("Soundview Ave", "Story Ave", "White Plains Rd", "Lafayette Ave", "Rosedale Ave"),
                 ("Soundview Park", "the Soundview Houses courtyard", "the Elder Ave (6) station")),
    Neighborhood("Highbridge", _BX, "44", "10452", "Bronx", 40.8375, -73.9262,
                 ("Ogden Ave", "Woodycrest Ave", "W 167th St", "Nelson Ave", "Shakespeare Ave"),
                 ("the 167th St (B/D) station", "Mullaly Park", "the Highbridge Gardens courtyard"),
                 3),
    Neighborhood("Mount Hope", _BX, "46", "10457", "Bronx", 40.8478, -73.9030,
                 ("E Tremont Ave", "Walton Ave", "E Burnside Ave", "Anthony Ave", "Valentine Ave"),
                 ("the Tremont Ave (B/D) station", "Echo Park",
                  "the drop-in center on Burnside Ave")),
    Neighborhood("Williamsbridge", _BX, "47", "10467", "Bronx", 40.8787, -73.8712,
                 ("White Plains Rd", "E Gun Hill Rd", "Barnes Ave", "E 215th St", "Holland Ave"),
                 ("the Gun Hill Rd (2/5) station", "the laundromat on E Gun Hill Rd",
                  "the bus stop on White Plains Rd")),
    Neighborhood("Brownsville", _BK, "73", "11212", "Brooklyn", 40.6627, -73.9097,
                 ("Pitkin Ave", "Rockaway Ave", "Mother Gaston Blvd", "Livonia Ave", "Amboy St"),
                 ("Betsy Head Park", "the Rockaway Ave (3) station",
                  "the Brownsville Houses courtyard"),
                 5),
    Neighborhood("East New York", _BK, "75", "11207", "Brooklyn", 40.6703, -73.8918,
                 ("Pennsylvania Ave", "Linden Blvd", "New Lots Ave", "Sutter Ave", "Glenmore Ave"),
                 ("the Pennsylvania Ave (3) station", "the Livonia Ave (L) station",
                  "the Cypress Hills Houses courtyard"), 5),
    Neighborhood("Cypress Hills", _BK, "75", "11208", "Brooklyn", 40.6810, -73.8760,
                 ("Fulton St", "Crescent St", "Euclid Ave", "Etna St", "Atlantic Ave"),
                 ("Highland Park", "the Crescent St (J) station",
                  "the Euclid Ave (A/C) station"), 3),
    Neighborhood("Crown Heights", _BK, "77", "11213", "Brooklyn", 40.6710, -73.9363,
                 ("Eastern Pkwy", "Utica Ave", "St Johns Pl", "Sterling Pl", "Prospect Pl"),
                 ("Brower Park", "the Utica Ave (3/4) station", "the Albany Houses courtyard"), 4),
    Neighborhood("Bedford-Stuyvesant", _BK, "79", "11216", "Brooklyn", 40.6816, -73.9493,
                 ("Gates Ave", "Nostrand Ave", "Madison St", "Jefferson Ave", "Tompkins Ave"),
                 ("Herbert Von King Park", "the Nostrand Ave (A/C) station",
                  "the Marcy Houses courtyard"), 4),
    Neighborhood("Stuyvesant Heights", _BK, "81", "11233", "Brooklyn", 40.6820, -73.9260,
                 ("Ralph Ave", "Halsey St", "Malcolm X Blvd", "Chauncey St", "Howard Ave"),
                 ("Fulton Park", "the Utica Ave (A/C) station", "the benches at Saratoga Park"), 3),
    Neighborhood("Coney Island", _BK, "60", "11224", "Brooklyn", 40.5770, -73.9888,
                 ("Mermaid Ave", "Surf Ave", "W 33rd St", "Neptune Ave", "W 25th St"),
                 ("the boardwalk at W 27th St", "the Stillwell Ave station",
                  "the Gravesend Houses courtyard")),
    Neighborhood("Brighton Beach", _BK, "60", "11235", "Brooklyn", 40.5776, -73.9612,
                 ("Brighton Beach Ave", "Brighton 6th St", "Coney Island Ave", "Brighton 3rd St"),
                 ("the Brighton Beach boardwalk", "the Brighton Beach (B/Q) station",
                  "the benches on Brighton 6th St")),
    Neighborhood("Flatbush", _BK, "70", "11226", "Brooklyn", 40.6464, -73.9566,
                 ("Flatbush Ave", "Cortelyou Rd", "Ocean Ave", "E 21st St", "Church Ave"),
                 ("the Church Ave (B/Q) station", "the Parade Ground benches",
                  "the bus stop on Flatbush Ave"), 3),
    Neighborhood("East Flatbush", _BK, "67", "11203", "Brooklyn", 40.6494, -73.9340,
                 ("Linden Blvd", "E 49th St", "Church Ave", "Clarkson Ave", "Utica Ave"),
                 ("the bus stop on Utica Ave", "the laundromat on Church Ave",
                  "the steps of Kings County Hospital"), 3),
    Neighborhood("Sunset Park", _BK, "72", "11220", "Brooklyn", 40.6412, -74.0155,
                 ("4th Ave", "5th Ave", "44th St", "52nd St", "8th Ave"),
                 ("Sunset Park", "the 45th St (R) station", "the bakery corner on 8th Ave")),
    Neighborhood("Borough Park", _BK, "66", "11219", "Brooklyn", 40.6331, -73.9967,
                 ("13th Ave", "47th St", "New Utrecht Ave", "16th Ave", "50th St"),
                 ("the 50th St (D) station", "Gravesend Park", "the bus stop on 13th Ave"), 1.5),
    Neighborhood("Bay Ridge", _BK, "68", "11209", "Brooklyn", 40.6264, -74.0299,
                 ("5th Ave", "3rd Ave", "Bay Ridge Ave", "86th St", "Ovington Ave"),
                 ("Owl's Head Park", "the 86th St (R) station", "Shore Road Park"), 1.5),
    Neighborhood("Williamsburg", _BK, "90", "11211", "Brooklyn", 40.7081, -73.9571,
                 ("Lee Ave", "Bedford Ave", "Division Ave", "Marcy Ave", "Broadway"),
                 ("the Marcy Ave (J/M) station", "the Williamsburg Houses courtyard",
                  "the bus stop on Lee Ave"), 1.5),
    Neighborhood("Greenpoint", _BK, "94", "11222", "Brooklyn", 40.7299, -73.9539,
                 ("Manhattan Ave", "Nassau Ave", "Driggs Ave", "Franklin St", "Calyer St"),
                 ("McCarren Park", "the Nassau Ave (G) station", "the Greenpoint Ave (G) station"),
                 1.5),
    Neighborhood("Jamaica", _QN, "103", "11432", "Jamaica", 40.7040, -73.7950,
                 ("Jamaica Ave", "165th St", "89th Ave", "Parsons Blvd", "Merrick Blvd"),
                 ("the Jamaica Center station", "Rufus King Park", "the 165th St bus terminal"), 3),
    Neighborhood("Jackson Heights", _QN, "115", "11372", "Jackson Heights", 40.7515, -73.8828,
                 ("Roosevelt Ave", "37th Ave", "82nd St", "74th St", "35th Ave"),
                 ("Travers Park", "the 74th St–Broadway station", "Diversity Plaza")),
    Neighborhood("Corona", _QN, "110", "11368", "Corona", 40.7486, -73.8620,
                 ("Roosevelt Ave", "Junction Blvd", "104th St", "37th Ave", "National St"),
                 ("Corona Plaza", "the 103rd St–Corona Plaza station", "the Unisphere lawn")),
    Neighborhood("Flushing", _QN, "109", "11354", "Flushing", 40.7596, -73.8303,
                 ("Main St", "Roosevelt Ave", "Sanford Ave", "41st Ave", "Kissena Blvd"),
                 ("the Flushing–Main St station", "Kissena Park", "the library plaza on Main St")),
    Neighborhood("Far Rockaway", _QN, "101", "11691", "Far Rockaway", 40.6013, -73.7540,
                 ("Beach 20th St", "Mott Ave", "Seagirt Blvd", "Cornaga Ave", "Beach 19th St"),
                 ("the Far Rockaway–Mott Ave station", "the Redfern Houses courtyard",
                  "the boardwalk at Beach 20th St")),
    Neighborhood("Astoria", _QN, "114", "11103", "Astoria", 40.7626, -73.9130,
                 ("31st Ave", "Steinway St", "30th Ave", "Broadway", "36th St"),
                 ("Astoria Park", "the Steinway St (M/R) station", "the Astoria Houses courtyard")),
    Neighborhood("St. George", _SI, "120", "10301", "Staten Island", 40.6432, -74.0796,
                 ("Richmond Terrace", "Jersey St", "Victory Blvd", "Bay St", "St Marks Pl"),
                 ("the St. George ferry terminal", "Tompkinsville Park",
                  "the bus stop on Jersey St")),
    Neighborhood("Port Richmond", _SI, "121", "10302", "Staten Island", 40.6355, -74.1377,
                 ("Port Richmond Ave", "Castleton Ave", "Richmond Ave", "Heberton Ave"),
                 ("Veterans Park", "the laundromat on Castleton Ave",
                  "the bus stop on Port Richmond Ave"), 1.5),
    Neighborhood("New Dorp", _SI, "122", "10306", "Staten Island", 40.5731, -74.1174,
                 ("New Dorp Ln", "Hylan Blvd", "Rose Ave", "Tysens Ln"),
                 ("the New Dorp station", "Miller Field", "the strip mall on Hylan Blvd"), 1.5),
)  # fmt: skip
NEIGHBORHOODS_BY_NAME = {n.name: n for n in NEIGHBORHOODS}


@dataclass(frozen=True)
class Community:
    """Names, languages and neighborhoods that go together, for believable people."""

    weight: float
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]  # preferred language and how often
    neighborhoods: tuple[str, ...]


COMMUNITIES: tuple[Community, ...] = (
    Community(
        30,
        ("José", "Luis", "Carlos", "Juan", "Miguel", "Ángel", "Rafael", "Héctor", "Víctor",
         "Jorge", "Francisco", "Manuel", "Edwin", "Wilfredo", "Julio", "Ramón", "Christian",
         "Jonathan", "Anthony"),
        ("María", "Carmen", "Ana", "Rosa", "Yesenia", "Marisol", "Gladys", "Lucía", "Daniela",
         "Stephanie", "Jessica", "Yolanda", "Maribel", "Altagracia", "Sofía", "Nilda"),
        ("Rodríguez", "Martínez", "García", "Hernández", "López", "González", "Pérez",
         "Ramírez", "Torres", "Rivera", "Cruz", "Reyes", "Ortiz", "Morales", "Santiago", "Peña",
         "Vásquez", "Jiménez", "Castillo", "Medina", "Núñez", "Almonte", "Colón", "Figueroa",
         "Muñoz", "De la Cruz"),
        (("Spanish", 50), ("English", 50)),
        ("Washington Heights", "Inwood", "East Harlem", "Mott Haven", "Soundview", "Mount Hope",
         "Sunset Park", "Cypress Hills", "East New York", "Corona", "Jackson Heights",
         "Lower East Side", "Highbridge"),
    ),
    Community(
        25,
        ("Andre", "Darnell", "Tyrone", "Marcus", "Jamal", "Terrence", "Kevin", "Malik",
         "Derrick", "Curtis", "Jerome", "Lamont", "Isaiah", "Dwayne", "Reginald"),
        ("Tanisha", "Keisha", "Latoya", "Shanice", "Monique", "Denise", "Aaliyah", "Brenda",
         "Tiffany", "Yvonne", "Jasmine", "Ebony", "Sharon", "Imani"),
        ("Johnson", "Williams", "Brown", "Jackson", "Davis", "Robinson", "Harris", "Washington",
         "Jenkins", "Coleman", "Simmons", "Bryant", "Mitchell", "Wright", "Carter", "Boyd",
         "Spencer", "Freeman", "Hill", "Greene"),
        (("English", 1),),
        ("Brownsville", "East New York", "Bedford-Stuyvesant", "Stuyvesant Heights",
         "Crown Heights", "Central Harlem", "Jamaica", "Far Rockaway", "Morrisania",
         "Williamsbridge", "St. George", "Port Richmond"),
    ),
    Community(
        8,
        ("Delroy", "Winston", "Kareem", "Omar", "Devon", "Everton", "Shane", "Clive", "Trevor"),
        ("Marcia", "Sharelle", "Nadine", "Simone", "Kerry-Ann", "Claudette", "Tamika", "Camille"),
        ("Campbell", "Thompson", "Clarke", "Forbes", "Grant", "Francis", "Henry", "Reid",
         "Morgan", "Baptiste", "Charles"),
        (("English", 1),),
        ("Crown Heights", "East Flatbush", "Flatbush", "Williamsbridge", "Jamaica"),
    ),
    Community(
        4,
        ("Jean-Claude", "Pierre", "Wilner", "Fritz", "Jacques", "Emmanuel", "Ricardo", "Frantz"),
        ("Marie", "Nadège", "Fabiola", "Guerline", "Rose-Marie", "Mirlande", "Widline", "Nathalie"),
        ("Jean-Baptiste", "Pierre", "Joseph", "Louis", "Saint-Louis", "Étienne", "Dorvil",
         "Théodore", "Desir", "Laguerre", "Célestin"),
        (("Haitian Creole", 55), ("English", 35), ("French", 10)),
        ("Flatbush", "East Flatbush", "Crown Heights"),
    ),
    Community(
        6,
        ("Wei", "Jian", "Ming", "Hao", "Jun", "Kai", "Tony", "Zhiwei"),
        ("Mei", "Li", "Xiu Ying", "Yan", "Hui", "Jing", "Lily", "Fang"),
        ("Chen", "Wang", "Li", "Zhang", "Liu", "Lin", "Huang", "Wu", "Zhou", "Zheng", "Chan",
         "Wong", "Ng"),
        (("Mandarin", 45), ("Cantonese", 40), ("English", 15)),
        ("Sunset Park", "Flushing", "Lower East Side"),
    ),
    Community(
        4,
        ("Dmitri", "Sergei", "Alexei", "Igor", "Vladimir", "Yuri", "Mikhail", "Oleg"),
        ("Olga", "Natalia", "Svetlana", "Irina", "Tatiana", "Yelena", "Galina"),
        ("Ivanov", "Petrov", "Smirnov", "Kuznetsov", "Volkov", "Sokolov", "Levin", "Kogan",
         "Shevchenko", "Bondarenko"),
        (("Russian", 70), ("English", 30)),
        ("Brighton Beach", "Coney Island"),
    ),
    Community(
        3,
        ("Mohammed", "Rahim", "Abdul", "Kamal", "Sohel", "Rafiq", "Tanvir", "Imran"),
        ("Fatema", "Nasrin", "Roksana", "Shirin", "Tahmina", "Sultana"),
        ("Rahman", "Hossain", "Ahmed", "Islam", "Uddin", "Chowdhury", "Miah", "Akter"),
        (("Bengali", 65), ("English", 35)),
        ("Jackson Heights", "Jamaica"),
    ),
    Community(
        2,
        ("Min-jun", "Sung-ho", "Jae-won", "Dong-hyun", "Hyun-woo"),
        ("Ji-yeon", "Soo-jin", "Eun-ji", "Hye-won", "Min-ji"),
        ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon"),
        (("Korean", 65), ("English", 35)),
        ("Flushing",),
    ),
    Community(
        3,
        ("Mohamed", "Ahmed", "Omar", "Khaled", "Youssef", "Hassan", "Tarek", "Samir"),
        ("Fatima", "Amira", "Layla", "Nour", "Mariam", "Rania"),
        ("Haddad", "Mansour", "Saleh", "Khalil", "Nasser", "Aziz", "Hamdan", "El-Sayed"),
        (("Arabic", 60), ("English", 40)),
        ("Astoria", "Bay Ridge"),
    ),
    Community(
        3,
        ("Yosef", "Moshe", "Chaim", "Shmuel", "Avraham", "Yaakov", "Mendel"),
        ("Rivka", "Chaya", "Esther", "Leah", "Miriam", "Devorah"),
        ("Friedman", "Weiss", "Klein", "Schwartz", "Rosenberg", "Gross", "Katz", "Stern"),
        (("English", 60), ("Yiddish", 40)),
        ("Borough Park", "Williamsburg"),
    ),
    Community(
        2,
        ("Piotr", "Tomasz", "Krzysztof", "Marek", "Paweł", "Andrzej", "Grzegorz"),
        ("Agnieszka", "Katarzyna", "Małgorzata", "Ewa", "Joanna", "Magdalena"),
        ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamiński", "Lewandowski", "Zieliński"),
        (("Polish", 55), ("English", 45)),
        ("Greenpoint",),
    ),
    Community(
        3,
        ("Mamadou", "Ibrahima", "Ousmane", "Abdoulaye", "Moussa", "Cheikh", "Seydou"),
        ("Aminata", "Fatoumata", "Mariama", "Aïssatou", "Khady", "Awa"),
        ("Diallo", "Traoré", "Sow", "Bah", "Camara", "Koné", "Ndiaye", "Diop", "Touré", "Sylla"),
        (("French", 60), ("English", 40)),
        ("Highbridge", "Morrisania", "Mount Hope", "Central Harlem"),
    ),
    Community(
        8,
        ("Michael", "John", "Thomas", "Patrick", "Joseph", "Robert", "Daniel", "Christopher",
         "James", "Vincent", "Brian", "Matthew"),
        ("Mary", "Kathleen", "Elizabeth", "Jennifer", "Christine", "Maureen", "Laura", "Nicole",
         "Theresa", "Danielle"),
        ("Murphy", "Kelly", "O'Connor", "Sullivan", "Russo", "Esposito", "Romano", "Ferraro",
         "Walsh", "McCarthy", "Miller", "Smith", "Cohen", "Schneider", "Bianchi"),
        (("English", 1),),
        ("New Dorp", "St. George", "Bay Ridge", "Astoria", "Hell's Kitchen", "East Village",
         "Greenpoint"),
    ),
)  # fmt: skip

PREFERRED_NAMES = {
    "Michael": "Mike", "Anthony": "Tony", "Jonathan": "Jon", "Christopher": "Chris",
    "Francisco": "Paco", "Wilfredo": "Willie", "Robert": "Bobby", "Daniel": "Danny",
    "Vincent": "Vinny", "Patrick": "Pat", "Elizabeth": "Liz", "Kathleen": "Kathy",
    "Jennifer": "Jen", "Dmitri": "Dima", "Mohammed": "Mo", "Shmuel": "Sam",
    "Xiu Ying": "Susan", "Wei": "David", "Ji-yeon": "Jenny", "Altagracia": "Tati",
    "Reginald": "Reggie", "Terrence": "Terry", "Yesenia": "Jessie",
}  # fmt: skip
STREET_NAMES = (
    "Smokey", "Junior", "Flaco", "Dre", "Red", "Tiny", "Boogie", "Pops", "Sunny", "Lefty",
    "Shorty", "Professor", "Preacher", "Kiki", "Ma", "Nene", "Bishop", "Doc",
)  # fmt: skip
MISSPELLINGS = (
    ("guez", "gues"), ("ez", "es"), ("ph", "f"), ("ck", "k"), ("ie", "ei"), ("y", "i"),
    ("ll", "l"), ("ss", "s"), ("tt", "t"), ("é", "e"), ("ñ", "n"), ("v", "b"),
)  # fmt: skip
WHEREABOUTS = (
    "Often at the shelter on {street}; staff there know {obj}.",
    "Spends most afternoons at {landmark}.",
    "Sleeps at {landmark} some nights.",
    "Usually at the bodega on {street} and {cross} in the morning.",
    "Goes to the soup kitchen on {street} around noon.",
    "Stays with a cousin on {street} when things are bad at home.",
)
CASE_MANAGER_ORGANIZATIONS = (
    "Atlantic Avenue Men's Shelter",
    "Bronx Supportive Housing Network",
    "Harlem Support and Connection Center",
    "Citywide Benefits Help Desk",
    "Brooklyn Peer Recovery Network",
)
TREATING_ORGANIZATIONS = (
    "Eastern Parkway Behavioral Health Clinic",
    "Bronx Riverside Outpatient Clinic",
    "Harlem Wellness Counseling Center",
    "Flushing Family Mental Health Clinic",
    "Brownsville Community Health Center",
)


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    kind: LinkageKind
    address: str
    borough: Borough
    latitude: float
    longitude: float
    phone: str
    languages: str
    accepting: bool = True


_K = LinkageKind
# Invented programs (public hospitals keep their real names); every phone is fictional.
PROVIDERS: tuple[ProviderSpec, ...] = (
    ProviderSpec("Bronx Riverside Outpatient Clinic", _K.OUTPATIENT_CLINIC,
                 "1250 Grand Concourse, Bronx, NY 10456", _BX, 40.8338, -73.9186,
                 "(718) 555-0142", "English, Spanish"),
    ProviderSpec("Eastern Parkway Behavioral Health Clinic", _K.OUTPATIENT_CLINIC,
                 "1045 Eastern Pkwy, Brooklyn, NY 11213", _BK, 40.6689, -73.9306,
                 "(718) 555-0117", "English, Haitian Creole, French"),
    ProviderSpec("Harlem Wellness Counseling Center", _K.OUTPATIENT_CLINIC,
                 "2160 Madison Ave, New York, NY 10037", _MN, 40.8086, -73.9392,
                 "(212) 555-0163", "English, Spanish"),
    ProviderSpec("Flushing Family Mental Health Clinic", _K.OUTPATIENT_CLINIC,
                 "136-20 38th Ave, Flushing, NY 11354", _QN, 40.7601, -73.8296,
                 "(718) 555-0188", "English, Mandarin, Cantonese, Korean"),
    ProviderSpec("North Shore Counseling Services", _K.OUTPATIENT_CLINIC,
                 "350 Bay St, Staten Island, NY 10301", _SI, 40.6383, -74.0758,
                 "(718) 555-0129", "English, Spanish"),
    ProviderSpec("Sunrise Health IMT Team (Brooklyn)", _K.IMT,
                 "2094 Pitkin Ave, Brooklyn, NY 11207", _BK, 40.6720, -73.8950,
                 "(718) 555-0171", "English, Spanish", accepting=False),
    ProviderSpec("Bronx Intensive Mobile Treatment, Team B", _K.IMT,
                 "2967 3rd Ave, Bronx, NY 10455", _BX, 40.8185, -73.9146,
                 "(718) 555-0156", "English, Spanish"),
    ProviderSpec("Hudson Bridge IMT (Manhattan)", _K.IMT,
                 "520 W 135th St, New York, NY 10031", _MN, 40.8194, -73.9519,
                 "(212) 555-0135", "English, Spanish, French"),
    ProviderSpec("Atlantic Community Care ACT Team", _K.ACT,
                 "1556 Atlantic Ave, Brooklyn, NY 11213", _BK, 40.6779, -73.9383,
                 "(718) 555-0194", "English", accepting=False),
    ProviderSpec("Queens Assertive Community Treatment", _K.ACT,
                 "90-04 161st St, Jamaica, NY 11432", _QN, 40.7052, -73.7991,
                 "(718) 555-0108", "English, Spanish, Bengali"),
    ProviderSpec("Fulton Street Recovery Center", _K.SUBSTANCE_USE_PROGRAM,
                 "2351 Fulton St, Brooklyn, NY 11233", _BK, 40.6783, -73.9050,
                 "(718) 555-0123", "English, Spanish"),
    ProviderSpec("Bronx Horizons Addiction Services", _K.SUBSTANCE_USE_PROGRAM,
                 "890 Prospect Ave, Bronx, NY 10459", _BX, 40.8215, -73.9013,
                 "(718) 555-0177", "English, Spanish"),
    ProviderSpec("Lower East Side Harm Reduction Program", _K.SUBSTANCE_USE_PROGRAM,
                 "25 Allen St, New York, NY 10002", _MN, 40.7150, -73.9913,
                 "(212) 555-0151", "English, Spanish, Mandarin"),
    ProviderSpec("Kings County Hospital, Behavioral Health", _K.HOSPITAL,
                 "451 Clarkson Ave, Brooklyn, NY 11203", _BK, 40.6559, -73.9442,
                 "(718) 555-0100", "English, Spanish, Haitian Creole"),
    ProviderSpec("Bellevue Hospital, Psychiatry", _K.HOSPITAL,
                 "462 1st Ave, New York, NY 10016", _MN, 40.7394, -73.9757,
                 "(212) 555-0101", "English, Spanish, Mandarin"),
    ProviderSpec("Lincoln Hospital, Behavioral Health", _K.HOSPITAL,
                 "234 E 149th St, Bronx, NY 10451", _BX, 40.8169, -73.9244,
                 "(718) 555-0199", "English, Spanish"),
    ProviderSpec("Elmhurst Hospital, Psychiatry", _K.HOSPITAL,
                 "79-01 Broadway, Elmhurst, NY 11373", _QN, 40.7449, -73.8852,
                 "(718) 555-0190", "English, Spanish, Bengali, Mandarin"),
    ProviderSpec("Harlem Support and Connection Center", _K.SUPPORT_CONNECTION_CENTER,
                 "55 E 124th St, New York, NY 10035", _MN, 40.8052, -73.9413,
                 "(212) 555-0114", "English, Spanish"),
    ProviderSpec("Bronx Support and Connection Center", _K.SUPPORT_CONNECTION_CENTER,
                 "680 Westchester Ave, Bronx, NY 10455", _BX, 40.8163, -73.9075,
                 "(718) 555-0139", "English, Spanish"),
    ProviderSpec("Brownsville Community Health Center", _K.PRIMARY_CARE,
                 "592 Rockaway Ave, Brooklyn, NY 11212", _BK, 40.6622, -73.9085,
                 "(718) 555-0146", "English, Spanish"),
    ProviderSpec("Jamaica Family Medicine Practice", _K.PRIMARY_CARE,
                 "89-31 161st St, Jamaica, NY 11432", _QN, 40.7055, -73.7990,
                 "(718) 555-0132", "English, Bengali"),
    ProviderSpec("Atlantic Avenue Safe Haven", _K.HOUSING,
                 "2402 Atlantic Ave, Brooklyn, NY 11233", _BK, 40.6767, -73.9020,
                 "(718) 555-0185", "English, Spanish", accepting=False),
    ProviderSpec("Bronx Supportive Housing Network", _K.HOUSING,
                 "965 Longwood Ave, Bronx, NY 10459", _BX, 40.8167, -73.8962,
                 "(718) 555-0161", "English, Spanish"),
    ProviderSpec("Citywide Benefits Help Desk", _K.BENEFITS,
                 "109 E 16th St, New York, NY 10003", _MN, 40.7365, -73.9883,
                 "(212) 555-0126", "English, Spanish, Mandarin, Russian, Arabic"),
    ProviderSpec("Brooklyn Peer Recovery Network", _K.PEER_SUPPORT,
                 "1360 Fulton St, Brooklyn, NY 11216", _BK, 40.6800, -73.9460,
                 "(718) 555-0112", "English, Spanish"),
    ProviderSpec("Staten Island Peer Clubhouse", _K.PEER_SUPPORT,
                 "25 Hyatt St, Staten Island, NY 10301", _SI, 40.6416, -74.0780,
                 "(718) 555-0158", "English"),
    ProviderSpec("Bronx Community Legal Services", _K.LEGAL,
                 "360 E 161st St, Bronx, NY 10451", _BX, 40.8253, -73.9177,
                 "(718) 555-0173", "English, Spanish, French"),
)  # fmt: skip


# --------------------------------------------------------------------------------------
# Reference data: where people are taken and who refers them
# --------------------------------------------------------------------------------------

HOSPITAL_EDS: dict[Borough, tuple[str, ...]] = {
    _MN: ("Bellevue CPEP", "Harlem Hospital ED", "Mount Sinai Hospital ED"),
    _BX: ("Lincoln Hospital ED", "BronxCare CPEP", "Jacobi Medical Center ED"),
    _BK: ("Kings County Hospital ED", "Woodhull Hospital ED", "Brookdale Hospital ED"),
    _QN: ("Elmhurst Hospital CPEP", "Jamaica Hospital ED", "Queens Hospital Center ED"),
    _SI: ("Richmond University Medical Center ED", "Staten Island University Hospital ED"),
}
CRISIS_DESTINATIONS: dict[Borough, tuple[str, ...]] = {
    _MN: ("Bellevue CPEP", "Harlem Hospital CPEP"),
    _BX: ("Lincoln Hospital CPEP", "BronxCare CPEP"),
    _BK: ("Kings County Hospital CPEP", "Woodhull Hospital psychiatric ED"),
    _QN: ("Elmhurst Hospital CPEP", "Jamaica Hospital CPEP"),
    _SI: ("Richmond University Medical Center CPEP",),
}
STATE_HOSPITALS = (
    "Creedmoor Psychiatric Center",
    "Kingsboro Psychiatric Center",
    "Manhattan Psychiatric Center",
    "Bronx Psychiatric Center",
    "South Beach Psychiatric Center",
)
MOVED_TO = (
    "family in Yonkers",
    "a sister in Newark, NJ",
    "family in Puerto Rico",
    "an aunt in Philadelphia",
    "Nassau County",
    "family in the Dominican Republic",
)
SOURCE_DETAILS: dict[ReferralSource, tuple[str, ...]] = {
    ReferralSource.DOHMH: (
        "DOHMH Bureau of Mental Health",
        "DOHMH Office of Behavioral Health",
        "DOHMH Assisted Outpatient Treatment office",
    ),
    ReferralSource.NYC_WELL_988: ("NYC Well", "988 Suicide & Crisis Lifeline (NYC Well)"),
    ReferralSource.CALL_911: (
        "911 call review, repeat caller",
        "911 EDP call follow-up",
        "EMS dispatch",
    ),
    ReferralSource.SHELTER: (
        "Atlantic Avenue Men's Shelter",
        "Bedford Women's Shelter",
        "Fordham Drop-in Center",
        "Harlem Family Residence",
    ),
    ReferralSource.OTHER_PROVIDER: (
        "Eastern Parkway Behavioral Health Clinic",
        "Bronx Riverside Outpatient Clinic",
        "Harlem Wellness Counseling Center",
        "Fulton Street Recovery Center",
    ),
    ReferralSource.OTHER: (
        "Community Board district office",
        "Building management",
        "Local pastor",
        "MTA station staff",
    ),
}
FAMILY_REFERRERS = ("Mother", "Sister", "Brother", "Daughter", "Aunt", "Neighbor", "Pastor")
OTHER_SERVICES = (
    "Mobile Crisis Team (NYC Well)",
    "B-HEARD",
    "Intensive Mobile Treatment (IMT)",
    "Adult Protective Services",
    "DHS street outreach",
    "Assisted Outpatient Treatment (AOT) evaluation",
)


# --------------------------------------------------------------------------------------
# Reference data: words. Placeholders: {Subj} {subj} {obj} {poss} {Poss} with {has}
# {is} {was} agreeing, {name}, {street} {cross} {landmark}, {relation} ("his mother").
# --------------------------------------------------------------------------------------

REASON_OPENINGS = (
    "{Subj} {has} been {behaviour} for {period}.",
    "Over the past {period} {subj} {has} been {behaviour}.",
    "Referrer reports {name} {has} been {behaviour} for about {period}.",
)
BEHAVIOURS = (
    "increasingly paranoid and barricading the apartment door",
    "not sleeping and pacing the hallway at night",
    "talking to people who are not there and shouting at neighbors",
    "isolating in the apartment and barely eating",
    "walking into traffic on {street}",
    "getting into loud arguments with the building super",
    "refusing to leave {landmark} at night",
    "accusing family of poisoning {poss} food",
    "calling 911 several times a week about voices in the walls",
)
INDICATOR_PHRASES: dict[RiskIndicator, tuple[str, ...]] = {
    RiskIndicator.HARM_TO_SELF: (
        "Told {relation} that everyone would be better off without {obj}.",
        "Made statements about wanting to die; mentioned jumping from the roof.",
        "Cut {poss} arm last month; treated and released.",
    ),
    RiskIndicator.HARM_TO_OTHERS: (
        "Threatened a neighbor during an argument in the hallway.",
        "Punched a wall and threatened {relation}.",
        "Shelter staff report threats toward other residents.",
    ),
    RiskIndicator.WEAPONS_ACCESS: (
        "Family found a kitchen knife under {poss} mattress.",
        "Reported to carry a box cutter.",
        "Keeps a bat by the door 'for protection'.",
    ),
    RiskIndicator.RECENT_HOSPITALIZATION: (
        "Discharged from {hospital} last week without a follow-up appointment.",
        "Three psychiatric ED visits in the last two months.",
        "Left {hospital} against medical advice.",
    ),
    RiskIndicator.SUBSTANCE_USE: (
        "Drinking heavily every day.",
        "Using K2 near {landmark}; EMS called twice.",
        "Relapsed on opioids after a year in recovery.",
    ),
    RiskIndicator.PRIOR_VIOLENCE: (
        "History of assault arrests several years ago.",
        "Past incident of hitting a family member, per the precinct.",
        "Fought with shelter staff last winter.",
    ),
}
REASON_CONTEXTS = (
    "Family wants help but {subj} {has} refused to go to a clinic.",
    "Stopped taking medication after {poss} Medicaid lapsed.",
    "Not connected to any treatment; was followed by an ACT team years ago.",
    "Known to the {precinct}: repeated 911 calls from the building.",
    "Speaks mainly {language}; {relation} can help with contact.",
    "Lives alone; the building super has a key and is willing to help.",
)
INFO_REQUESTS = (
    "Asked {referrer} for a current address and phone number.",
    "Asked {referrer} for the discharge summary and any weapons history.",
    "Asked {referrer} whether {subj} {is} still staying at the listed address.",
    "Asked {referrer} for recent incident reports (last 90 days).",
)
ACCEPT_NOTES = (
    "Meets criteria: elevated risk, not engaged in care.",
    "Accepted: repeated crises and weapons concern; not eligible for mobile crisis follow-up.",
    "Accepted: recent hospitalization without follow-up; family asking for help.",
    "Accepted after the {precinct} confirmed the address.",
)
NOT_ELIGIBLE_NOTES = (
    "Not eligible: no elevated risk identified; referrer given outpatient options.",
    "Not eligible: lives in Nassau County, outside the program area.",
    "Not eligible: already enrolled with an ACT team that sees {obj} weekly.",
    "Not eligible: concern is a housing dispute without behavioral health risk.",
)
REASSIGN_REASONS = (
    "Caseload balancing: {old} is at capacity.",
    "{old} is short an officer this month; {new} can visit sooner.",
    "{Subj} now spends most days in {new}'s area.",
)
CLOSURE_NOTES: dict[ClosureReason, tuple[str, ...]] = {
    ClosureReason.CONNECTED_TO_CARE: (
        "Connected to {provider}; attending regularly. Closed after a stable month.",
        "Engaged with {provider} (verified with the program). No crises in 30 days.",
    ),
    ClosureReason.DECLINED_SERVICES: (
        "Declined services at repeated contacts; no imminent risk on last assessment. "
        "Given NYC Well and the team number.",
        "Clear, consistent refusal; capacity not in question. Family told how to re-refer.",
    ),
    ClosureReason.UNABLE_TO_LOCATE: (
        "Not found after repeated attempts at the last known address, shelters and hospitals.",
        "No contact in six weeks; {relation} has not seen {obj}. Flag for re-referral.",
    ),
    ClosureReason.MOVED_OUT_OF_AREA: (
        "Moved to {moved_to}; local services given with consent.",
        "Relocated to {moved_to}; warm handoff to a local clinic arranged.",
    ),
    ClosureReason.LONG_TERM_HOSPITALIZATION: (
        "Admitted to {hospital} for long-term care after an involuntary evaluation.",
        "Transferred to {hospital}; discharge planning will re-refer if needed.",
    ),
    ClosureReason.INCARCERATED: (
        "In DOC custody after an arrest; Correctional Health Services informed with consent.",
        "Held on a warrant; jail mental health team has the history (with consent).",
    ),
    ClosureReason.DECEASED: (
        "{Relation} informed the team that {name} died (medical cause). Team debrief held.",
    ),
    ClosureReason.OTHER: (
        "Entered a residential program outside the city; program staff will follow up.",
        "Forensic team now leads care; joint closure agreed.",
    ),
}
# (for the team, clinical): what the whole team reads, and what only clinicians do.
REOPEN_NOTES: tuple[tuple[str, str | None], ...] = (
    (
        "Reopened: {relation} called asking the team to come back.",
        "{Subj} stopped {poss} medication and {is} not sleeping.",
    ),
    ("Reopened after a new 911 call from the building on {street}.", None),
    ("Reopened: shelter staff report {name} is back and threatening residents.", None),
)
# The closing note's part for the whole team: nothing about treatment or where it happens.
TEAM_CLOSURE_NOTES: dict[ClosureReason, str] = {
    ClosureReason.CONNECTED_TO_CARE: "Closed by the clinician; no further visits planned.",
    ClosureReason.DECLINED_SERVICES: "Closed by the clinician; no further visits planned.",
    ClosureReason.UNABLE_TO_LOCATE: "Not found at the last known address after repeated visits.",
    ClosureReason.MOVED_OUT_OF_AREA: "Moved to {moved_to}; no longer in the program area.",
    ClosureReason.LONG_TERM_HOSPITALIZATION: "Closed by the clinician; no further visits planned.",
    ClosureReason.INCARCERATED: "In DOC custody; the team stops outreach.",
    ClosureReason.DECEASED: "{Relation} informed the team that {name} died.",
    ClosureReason.OTHER: "Closed by the clinician; no further visits planned.",
}
_T, _CO = ContactType, ContactOutcome
OPERATIONAL_NOTES: dict[tuple[ContactType, ContactOutcome], tuple[str, ...]] = {
    (_T.IN_PERSON_HOME, _CO.ENGAGED): (
        "Met at the apartment door; {relation} let us in. Calm; talked about 25 minutes.",
        "Buzzed in by the super; met {obj} in the lobby. Calm and cooperative.",
        "Met in the hallway; dog in the apartment, ask to secure it next visit. Calm.",
        "Sat in the kitchen with {obj}. Calm throughout; agreed to the next visit.",
    ),
    (_T.IN_PERSON_HOME, _CO.BRIEF_ENGAGEMENT): (
        "Spoke briefly at the door; asked us to come back another day. Calm.",
        "Five minutes in the lobby before {subj} went back upstairs. No safety concerns.",
    ),
    (_T.IN_PERSON_HOME, _CO.REFUSED): (
        "Spoke through the door; declined to open. Calm voice. Left a card.",
        "Answered the door, declined to talk and closed it. No threats made.",
    ),
    (_T.IN_PERSON_HOME, _CO.CRISIS_TRANSPORT_VOLUNTARY): (
        "{Subj} agreed to go to the hospital; EMS took {obj} to {destination}. "
        "Officers escorted; no force.",
    ),
    (_T.IN_PERSON_HOME, _CO.CRISIS_TRANSPORT_INVOLUNTARY): (
        "Removed under MHL 9.41 after {subj} threatened to jump; EMS transported to "
        "{destination}, officers escorted. No injuries.",
        "Barricaded with a knife, then came out after an hour of talking; removed under "
        "MHL 9.41 to {destination}. No injuries.",
    ),
    (_T.IN_PERSON_HOME, _CO.ARREST): (
        "Arrested by precinct officers on an outstanding warrant during the visit; team "
        "present, no force used.",
    ),
    (_T.IN_PERSON_OTHER, _CO.ENGAGED): (
        "Found on the corner of {street} and {cross}; talked on a bench for 20 minutes. Calm.",
        "Met at {landmark}; walked with {obj} to get coffee. Cooperative.",
        "Met at the shelter intake desk with staff present. Calm.",
    ),
    (_T.IN_PERSON_OTHER, _CO.BRIEF_ENGAGEMENT): (
        "Seen at {landmark}; short conversation, then walked away. No safety concerns.",
        "Spotted on {street}; took water and the team card, did not want to talk long.",
    ),
    (_T.IN_PERSON_OTHER, _CO.REFUSED): (
        "Located at {landmark}; told us to leave. Kept our distance; no threats.",
        "Found near {street}; refused to engage and walked off. Did not follow.",
    ),
    (_T.IN_PERSON_OTHER, _CO.CRISIS_TRANSPORT_VOLUNTARY): (
        "Found at {landmark}, distressed; agreed to EMS transport to {destination}.",
    ),
    (_T.IN_PERSON_OTHER, _CO.CRISIS_TRANSPORT_INVOLUNTARY): (
        "Standing in traffic on {street}; removed under MHL 9.41 and taken by EMS to "
        "{destination}. No injuries.",
    ),
    (_T.IN_PERSON_OTHER, _CO.ARREST): (
        "Arrested by responding officers after a fight at {landmark}; team present.",
    ),
    (_T.PHONE, _CO.ENGAGED): (
        "Called {poss} mobile; talked about 15 minutes. Confirmed the next visit.",
        "{Subj} called the team phone; talked 10 minutes.",
    ),
    (_T.PHONE, _CO.BRIEF_ENGAGEMENT): (
        "Short call; {subj} {was} on the bus and asked us to call back.",
        "Picked up, said things are okay, hung up after two minutes.",
    ),
    (_T.PHONE, _CO.REFUSED): ("Picked up and asked us not to call again. Polite.",),
    (_T.PHONE, _CO.NOT_FOUND): (
        "No answer; voicemail full. Texted the team number.",
        "Number out of service; will ask family for a new one.",
    ),
    (_T.VIDEO, _CO.ENGAGED): ("Video call from the clinic; 20 minutes.",),
    (_T.VIDEO, _CO.BRIEF_ENGAGEMENT): ("Video call on {relation}'s phone; a few minutes.",),
    (_T.VIDEO, _CO.REFUSED): ("Joined the video call, then hung up after a minute.",),
    (_T.COLLATERAL_FAMILY, _CO.ENGAGED): (
        "Spoke with {relation} by phone; {subj} {is} staying there most nights.",
        "{Relation} called the team: things calmer this week.",
    ),
    (_T.COLLATERAL_FAMILY, _CO.BRIEF_ENGAGEMENT): (
        "Met {relation} in the lobby; will tell {obj} we came by.",
    ),
    (_T.COLLATERAL_PROVIDER, _CO.ENGAGED): (
        "Spoke with the intake coordinator at {provider}.",
        "Case conference by phone with {provider} staff.",
    ),
    (_T.COLLATERAL_PROVIDER, _CO.BRIEF_ENGAGEMENT): (
        "Left a message with {provider}; they called back briefly.",
    ),
    (_T.ATTEMPT, _CO.NOT_FOUND): (
        "No answer at the apartment; left a card under the door.",
        "Checked {landmark} and the block on {street}; not found.",
        "Neighbor says {subj} {has} not been around for a week.",
        "Shelter staff say {subj} left this morning; left a card with staff.",
    ),
}
CLOSING_NOTES: dict[ClosureReason | None, tuple[str, ...]] = {
    ClosureReason.DECEASED: (
        "{Relation} called: {name} died last week. Condolences offered; no further visits.",
    ),
    ClosureReason.MOVED_OUT_OF_AREA: (
        "{Subj} called from {poss} new place outside the city; gave local numbers.",
    ),
    ClosureReason.CONNECTED_TO_CARE: (
        "{provider} confirms {name} is attending; agreed to close with them leading care.",
    ),
}
CLINICAL_NOTES: dict[ContactOutcome, tuple[str, ...]] = {
    _CO.ENGAGED: (
        "Euthymic, linear; reports taking medication most days. Denies SI/HI. "
        "Agreed to an intake appointment.",
        "Guarded but engaged; paranoid ideation about neighbors, no intent to harm. Discussed IMT.",
        "Tearful about a recent loss; passive SI without plan or intent. Safety plan reviewed.",
        "Pressured speech, poor sleep for a week; possible mania. Accepted a clinic referral.",
        "Reports drinking less; cravings at night. Open to a substance-use program.",
        "Hears voices daily but 'they are quieter'. Restarted medication two weeks ago.",
    ),
    _CO.BRIEF_ENGAGEMENT: (
        "Limited interview; appeared internally preoccupied. No acute risk observed.",
        "Brief check-in; mood 'okay'. Declined to discuss medication.",
        "Appeared intoxicated; brief safety check only.",
    ),
    _CO.REFUSED: (
        "Refused assessment; no signs of acute distress.",
        "Irritable, declined services; no statements of harm.",
    ),
    _CO.CRISIS_TRANSPORT_VOLUNTARY: (
        "Escalating SI with a plan; agreed to evaluation at {destination}.",
        "Acute psychosis, not eating for days; accepted voluntary evaluation.",
    ),
    _CO.CRISIS_TRANSPORT_INVOLUNTARY: (
        "Imminent risk to self; could not engage in safety planning. Removal for evaluation.",
        "Command hallucinations to harm others; imminent risk. Removal for evaluation.",
    ),
    _CO.ARREST: (
        "Agitated and disorganized before the arrest; will follow up with Correctional Health.",
    ),
}
CLINICAL_COLLATERAL_FAMILY = (
    "{Relation} reports {subj} stopped medication a month ago and sleeps all day.",
    "{Relation} worried about talk of 'ending it'; reviewed warning signs and 988.",
    "{Relation} says {name} is eating again and took medication this week.",
)
CLINICAL_COLLATERAL_PROVIDER = (
    "{provider} confirms intake booked; psychiatrist visit pending.",
    "{provider} reports missed appointments; agreed to joint outreach.",
    "Shared history with {provider} under the signed consent.",
)
ADDENDA: tuple[tuple[str, str | None, str | None], ...] = (
    ("Corrected time of visit", "Visit was an hour earlier than entered.", None),
    ("Added detail after a call with shelter staff", "Shelter bed held until Friday.", None),
    ("Late entry: no signal in the building", "Entered from the office after the visit.", None),
    ("Added clinical detail", None, "Also reported poor sleep for five nights."),
    ("Corrected location", "Met on the next block, not at the listed corner.", None),
)
_OPERATIONAL_ADDENDA = tuple(a for a in ADDENDA if a[1] is not None)
TARGET_NAMES: dict[LinkageKind, tuple[str, ...]] = {
    LinkageKind.OUTPATIENT_CLINIC: ("Private psychiatrist (Dr. Feldman)", "Clinic in Yonkers"),
    LinkageKind.SUBSTANCE_USE_PROGRAM: ("Methadone program (OTP) on Lafayette Ave",),
    LinkageKind.PRIMARY_CARE: ("Family doctor on Church Ave",),
    LinkageKind.HOUSING: ("NYCHA transfer application", "Safe Haven bed via DHS"),
    LinkageKind.BENEFITS: ("SNAP recertification at HRA", "SSI application"),
    LinkageKind.PEER_SUPPORT: ("Clubhouse near home",),
    LinkageKind.LEGAL: ("Legal Aid Society housing unit",),
}
LINKAGE_NOTES = (
    "Prefers a clinician who speaks {language}.",
    "Needs a MetroCard to get there.",
    "{Subj} would rather go in the afternoon.",
    "Ask for the walk-in hours first.",
)
STEP_NOTES: dict[LinkageStatus, tuple[str, ...]] = {
    _L.IDENTIFIED: ("Discussed at a visit; {subj} {is} interested.", "Raised by {relation}."),
    _L.REFERRED: ("Referral sent to {target} with consent.", "Called {target}; paperwork sent."),
    _L.WAITLISTED: ("On the waitlist at {target}; about {weeks} weeks.",),
    _L.APPOINTMENT_SCHEDULED: ("Intake booked at {target}.", "Appointment set; team will escort."),
    _L.CONNECTED: ("Attended; confirmed.", "Now seeing {target} regularly."),
    _L.NOT_CONNECTED: ("Closed the referral.", "Did not happen; see reason."),
}
RESCHEDULE_NOTES = (
    "Missed the first appointment; rebooked.",
    "{target} moved the appointment.",
    "Rebooked for an afternoon slot; mornings are hard for {obj}.",
)
VERIFIERS: dict[VerificationMethod, tuple[str, ...]] = {
    VerificationMethod.PROVIDER_CONFIRMED: (
        "Intake coordinator, {target}",
        "Program director, {target}",
    ),
    VerificationMethod.ATTENDED_WITH_STAFF: ("{clinician} (attended with the person)",),
    VerificationMethod.RECORDS: ("PSYCKES record, checked by {clinician}", "Appointment record"),
    VerificationMethod.PERSON_REPORTED_AND_CONFIRMED: (
        "Appointment card seen by {clinician}",
        "Medication bottle from {target} seen at home visit",
    ),
}
NOT_CONNECTED_REASONS = (
    "Declined after the intake appointment was scheduled.",
    "Missed three appointments; the program closed the referral.",
    "Program not taking new referrals.",
    "Insurance not accepted; looking for another program.",
    "Family member declined contact.",
    "Moved out of the program's catchment area.",
)

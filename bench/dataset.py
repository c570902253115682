"""Large, deterministic, realistic data for benchmarks: `flask bench-data`.

A city-sized program: by default 100,000 people and 1,000,000 outreach contacts,
about one team per 500 people, each staffed with two officers and a clinician.

How it is built:
- The demo program (`flask seed-demo`, a few hundred people) goes in first,
  through its own code, so the demo logins, the six demo teams, the provider
  directory, consents and a break-glass exist exactly as in the demo.
- Everything else is written in bulk with explicit ids: SQLAlchemy Core
  executemany on SQLite, COPY on PostgreSQL, committed in batches so a load of
  millions of rows never sits in one transaction. Rows mirror what the services
  write (the referral's events, the case's assignment and history, a contact's
  participants and risk factors, a connection's steps) and reuse the demo's
  vocabulary of neighborhoods, names, referral stories and notes.
- The load is skewed like real life: most people have a handful of contacts, a
  long tail has hundreds, and a few people on the demo clinician's team
  (Brooklyn North) have 500 or more, so `clinician` can open a long timeline.
- Bulk rows write no audit events: they are history, not accesses. One event
  records the load itself, so `flask audit verify` still checks a sound chain.
- Afterwards PostgreSQL's id sequences are moved past the explicit ids (the ORM
  keeps inserting normally) and both databases are ANALYZEd, as a production
  database would have statistics.

Determinism: every choice comes from the seed (see coresponse/demo/dice.py); times
are offsets from the current clock, like the demo, so the data always looks current.
"""

from __future__ import annotations

import bisect
import enum
import itertools
import re
import time as clock
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Table, func, select, text

from coresponse import demo
from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction
from coresponse.audit.services import record_event
from coresponse.auth.models import Role, User
from coresponse.auth.services import hash_password
from coresponse.cases.models import Assignment, Case, CaseEvent, CaseEventKind, CaseStatus
from coresponse.clock import utcnow
from coresponse.contacts.models import (
    Addendum,
    Contact,
    ContactOutcome,
    ContactParticipant,
    ContactRiskFactor,
    ContactType,
    RiskLevel,
)
from coresponse.db_types import UTCDateTime
from coresponse.demo import connections as demo_connections
from coresponse.demo import contacts as demo_contacts
from coresponse.demo import people as demo_people
from coresponse.demo import plans as demo_plans
from coresponse.demo import reference as demo_reference
from coresponse.demo import referrals as demo_referrals
from coresponse.demo import schedules as demo_schedules
from coresponse.demo import teams as demo_teams
from coresponse.demo import world as demo_world
from coresponse.demo.dice import Dice
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.nyc import precinct_label
from coresponse.geo.precincts import PrecinctIndex, current_index
from coresponse.linkages.models import (
    Linkage,
    LinkageKind,
    LinkageStatus,
    LinkageStatusChange,
    Provider,
)
from coresponse.people.details import name_key
from coresponse.people.matching import person_keys
from coresponse.people.models import (
    LocationStatus,
    Person,
    PersonAddress,
    PersonAlias,
    PersonGender,
    PersonLanguage,
    PersonPhone,
    PersonRaceEthnicity,
    PersonSearchKey,
    SupportContact,
    SupportRelationship,
)
from coresponse.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralRiskIndicator,
    ReferralSource,
    ReferralStatus,
)
from coresponse.reports import tallies
from coresponse.teams.models import REQUIRED_COMPOSITION, Team, TeamCoverage, TeamMembership

DEFAULT_PEOPLE = 100_000
DEFAULT_CONTACTS = 1_000_000
MIN_PEOPLE = 40
DEMO_PEOPLE_MAX = 300
PEOPLE_PER_TEAM = 500
OPEN_CASES_PER_TEAM = 35
# The heaviest people on the demo clinician's team; only those that fit in a fifth
# of the contact budget are made (a small test load gets one).
HEAVY_CONTACTS = (1000, 800, 650, 560, 520)
HEAVY_HOME = "East New York"  # covered by Brooklyn North
# Pending contacts written (and committed) at a time.
BATCH_CONTACTS = 40_000

_CONTACT_TABLES = (Contact, ContactParticipant, ContactRiskFactor, Addendum)
# Parents before children, so every foreign key finds its row.
TABLE_ORDER: tuple[type[Any], ...] = (
    User,
    Team,
    TeamCoverage,
    TeamMembership,
    Person,
    PersonAddress,
    PersonPhone,
    PersonLanguage,
    PersonAlias,
    PersonRaceEthnicity,
    PersonGender,
    PersonSearchKey,
    SupportContact,
    Referral,
    ReferralRiskIndicator,
    ReferralEvent,
    Case,
    Assignment,
    CaseEvent,
    Linkage,
    LinkageStatusChange,
    *_CONTACT_TABLES,
)

Progress = Callable[[str], None]


# --------------------------------------------------------------------------------------
# Writing rows in bulk with explicit ids
# --------------------------------------------------------------------------------------


class BulkWriter:
    """Buffers rows per table, gives them ids, and writes them in dependency order."""

    def __init__(self) -> None:
        self.postgres = db.session.get_bind().dialect.name == "postgresql"
        self.next_id: dict[str, int] = {}
        self.pending: dict[Table, list[dict[str, Any]]] = {}
        self.written: Counter[str] = Counter()
        for model in TABLE_ORDER:
            table = model.__table__
            self.next_id[table.name] = db.session.scalar(select(func.max(table.c.id))) or 0
            self.pending[table] = []

    def add(self, model: type[Any], **values: Any) -> int:
        table = model.__table__
        self.next_id[table.name] += 1
        values["id"] = self.next_id[table.name]
        self.pending[table].append(values)
        return values["id"]

    def pending_contacts(self) -> int:
        return len(self.pending[Contact.__table__])

    def flush(self) -> None:
        for table, rows in self.pending.items():
            if rows:
                self._write(table, rows)
                self.written[table.name] += len(rows)
                self.pending[table] = []

    def _write(self, table: Table, rows: list[dict[str, Any]]) -> None:
        # A column the database fills itself (a server default) is left to it.
        columns = [c for c in table.columns if c.server_default is None or c.name in rows[0]]
        names = [c.name for c in columns]
        dialect = db.session.get_bind().dialect
        values_by_column = []
        for column in columns:
            fallback = _default(table, column)
            if isinstance(fallback, _Missing) and any(column.name not in row for row in rows):
                raise ValueError(
                    f"bench data gave no value for the required column {fallback.where}"
                )
            values = [row.get(column.name, fallback) for row in rows]
            if self.postgres:
                # psycopg adapts Python values itself; enums go in as their stored value.
                if isinstance(column.type, sa.Enum):
                    values = [v.value if isinstance(v, enum.Enum) else v for v in values]
            else:
                # The column types' own bind processors: stored exactly as the ORM stores them
                # (UTC timestamps by a faster formatter of SQLAlchemy's SQLite format).
                if isinstance(column.type, UTCDateTime):
                    process = _sqlite_utc
                else:
                    process = column.type._cached_bind_processor(dialect)
                if process is not None:
                    values = [process(v) for v in values]
            values_by_column.append(values)
        tuples = list(zip(*values_by_column, strict=True))
        quoted = ", ".join(f'"{name}"' for name in names)
        if self.postgres:
            raw = db.session.connection().connection.driver_connection
            with (
                raw.cursor() as cursor,
                cursor.copy(f'COPY "{table.name}" ({quoted}) FROM STDIN') as copy,
            ):
                for row in tuples:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in names)
            db.session.connection().exec_driver_sql(
                # Table and column names come from the models, never from input.
                f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})',  # noqa: S608  # nosec B608
                tuples,
            )


def _sqlite_utc(value: datetime | None) -> str | None:
    """A UTC timestamp as SQLAlchemy's SQLite dialect stores it: 2024-05-01 13:45:00.000000."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(" ", "microseconds")[:26]


class _Missing:
    """A required column no row gave a value for: fails loudly if ever written."""

    def __init__(self, where: str) -> None:
        self.where = where


def _default(table: Table, column: Any) -> Any:
    default = column.default
    if default is not None and default.is_scalar:
        return default.arg
    if default is not None and default.is_callable:
        return default.arg(None)
    if column.nullable or column.primary_key:
        return None
    return _Missing(f"{table.name}.{column.name}")


class Choice:
    """A weighted choice with one draw, like Dice.weighted, its table built once."""

    def __init__(self, options: Sequence[tuple[Any, float]]) -> None:
        self.values = [value for value, _ in options]
        self.cumulative = list(itertools.accumulate(weight for _, weight in options))
        self.total = self.cumulative[-1]

    def __call__(self, dice: Dice) -> Any:
        index = bisect.bisect_right(self.cumulative, dice.unit() * self.total)
        return self.values[min(index, len(self.values) - 1)]


# --------------------------------------------------------------------------------------
# Plans: who each person is, which referrals and cases they have, how many contacts
# --------------------------------------------------------------------------------------


@dataclass
class Staff:
    user_id: int
    role: Role
    joined_at: datetime
    left_at: datetime | None


@dataclass
class TeamInfo:
    id: int
    name: str
    latitude: float
    longitude: float
    members: list[Staff]
    weight: float = 1.0
    # Nobody joined or left during the history: everyone is always on duty.
    stable: bool = False

    def on_duty(self, at: datetime) -> list[Staff]:
        if self.stable:
            return self.members
        covering = [
            m for m in self.members if m.joined_at <= at and (m.left_at is None or at < m.left_at)
        ]
        return covering or [m for m in self.members if m.left_at is None]


class Outcome(enum.Enum):
    TRIAGE = "triage"
    INFO = "info"
    DECLINED = "declined"
    AWAITING = "awaiting"
    OPEN = "open"
    CLOSED = "closed"


@dataclass
class Episode:
    outcome: Outcome
    received_at: datetime
    triaged_at: datetime | None = None
    assigned_at: datetime | None = None
    closed_at: datetime | None = None
    # False for a case assigned moments ago: no contact yet.
    contactable: bool = True
    team: TeamInfo | None = None
    contacts: int = 0

    @property
    def assigned(self) -> bool:
        return self.assigned_at is not None

    def span_end(self, now: datetime) -> datetime:
        return self.closed_at or now


@dataclass
class PersonPlan:
    seed: int
    community: demo_reference.Community
    home: demo_reference.Neighborhood
    episodes: list[Episode]
    heavy: int = 0  # a fixed contact count for the heaviest people
    weight: float = 0.0


@dataclass
class Summary:
    people: int
    contacts: int
    teams: int
    users: int
    seconds: float
    heavy_people: list[tuple[int, int]] = field(default_factory=list)
    written: Counter[str] = field(default_factory=Counter)

    def text(self) -> str:
        heavy = ", ".join(f"person {pid} ({n} contacts)" for pid, n in self.heavy_people)
        lines = [
            f"Bench data ready in {self.seconds:.0f} s:",
            f"  People:   {self.people:,}",
            f"  Contacts: {self.contacts:,}",
            f"  Teams:    {self.teams:,} ({self.users:,} users)",
            f"  Heaviest: {heavy or 'none'}",
        ]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------------------


def generate(
    *,
    people: int,
    contacts: int,
    seed: int,
    password: str,
    progress: Progress = print,
    people_per_team: int = PEOPLE_PER_TEAM,
) -> Summary:
    """Fill an empty, migrated database. Commits in batches (see the module docstring)."""
    if people < MIN_PEOPLE:
        raise DomainError(f"Bench data needs at least {MIN_PEOPLE} people.")
    if demo.database_has_data():
        raise DomainError(
            "The database already holds data. Bench data goes into an empty, migrated database."
        )
    started = clock.monotonic()
    demo_people = min(DEMO_PEOPLE_MAX, max(20, people // 20))
    progress(f"Demo program ({demo_people} people, the demo logins and teams)...")
    demo.seed(password=password, people=demo_people, seed=seed, force=False)
    db.session.commit()

    builder = Builder(
        now=utcnow(),
        dice=Dice(seed + 1),
        password=password,
        progress=progress,
        started=started,
    )
    demo_contacts = db.session.scalar(select(func.count()).select_from(Contact)) or 0
    budget = max(0, contacts - demo_contacts)
    builder.load_world()
    builder.plan(people - demo_people, budget, people_per_team)
    builder.write_people()
    builder.finish()
    db.session.commit()
    summary = Summary(
        people=db.session.scalar(select(func.count()).select_from(Person)) or 0,
        contacts=db.session.scalar(select(func.count()).select_from(Contact)) or 0,
        teams=db.session.scalar(select(func.count()).select_from(Team)) or 0,
        users=db.session.scalar(select(func.count()).select_from(User)) or 0,
        seconds=clock.monotonic() - started,
        heavy_people=builder.heavy_people,
        written=builder.rows.written,
    )
    return summary


class Builder:
    """The bulk part: teams and staff for the city, then people a batch at a time."""

    def __init__(
        self, *, now: datetime, dice: Dice, password: str, progress: Progress, started: float
    ) -> None:
        self.now = now
        self.today = now.date()
        self.dice = dice
        self.password = password
        self.progress = progress
        self.started = started
        self.rows = BulkWriter()
        # The boundaries the product places points with (an imported set, else the
        # shipped one): every precinct and borough written follows from a point.
        self.index: PrecinctIndex = current_index()
        self.teams: list[TeamInfo] = []
        self.candidates: dict[str, list[TeamInfo]] = {}
        self.providers: dict[LinkageKind, list[tuple[int, str]]] = {}
        self.plans: list[PersonPlan] = []
        self.heavy_people: list[tuple[int, int]] = []
        self.contacts_total = 0

    # --- the demo world ---------------------------------------------------------------

    def load_world(self) -> None:
        users = {u.username: u for u in db.session.scalars(select(User))}
        self.admin_id = users["admin"].id
        self.supervisor_id = users["supervisor"].id
        self.sergeant_id = users["sergeant"].id
        self.demo_team_id = db.session.scalar(
            select(Team.id).where(Team.name == demo_reference.DEMO_TEAM)
        )
        members: dict[int, list[Staff]] = {}
        for membership, role in db.session.execute(
            select(TeamMembership, User.role).join(User, User.id == TeamMembership.user_id)
        ):
            members.setdefault(membership.team_id, []).append(
                Staff(membership.user_id, role, membership.joined_at, membership.left_at)
            )
        for team in db.session.scalars(select(Team).order_by(Team.id)):
            staff = members.get(team.id, [])
            current = Counter(m.role for m in staff if m.left_at is None)
            if any(current[role] != n for role, n in REQUIRED_COMPOSITION.items()):
                continue  # a team that cannot take cases gets no new ones
            spec = next(s for s in demo_reference.TEAM_SPECS if s.name == team.name)
            info = TeamInfo(team.id, team.name, spec.latitude, spec.longitude, staff)
            covered = [n for n in demo_reference.NEIGHBORHOODS if _spec_covers(spec, n, self.index)]
            info.weight = 1 / max(1, len(covered))
            for place in covered:
                self.candidates.setdefault(place.name, []).append(info)
            self.teams.append(info)
        for provider_id, kind, name in db.session.execute(
            select(Provider.id, Provider.kind, Provider.name).order_by(Provider.id)
        ):
            self.providers.setdefault(kind, []).append((provider_id, name))

    # --- plans ----------------------------------------------------------------------------

    def plan(self, count: int, budget: int, people_per_team: int) -> None:
        dice = self.dice
        team_total = max(len(self.teams), round((count + 1) / people_per_team))
        p_open = min(0.5, OPEN_CASES_PER_TEAM * team_total / max(1, count))
        heavy = []
        for n in HEAVY_CONTACTS:
            if sum(heavy) + n <= budget * 0.2:
                heavy.append(n)
        for index in range(count):
            plan = self._plan_person(dice, p_open, heavy[index] if index < len(heavy) else 0)
            self.plans.append(plan)
        self._create_teams(team_total - len(self.teams))
        self._choose_teams()
        self._allocate_contacts(budget)
        self.progress(
            f"Planned {count:,} more people, {len(self.teams):,} teams, "
            f"{budget:,} more contacts ({self._elapsed()})"
        )

    def _plan_person(self, dice: Dice, p_open: float, heavy: int) -> PersonPlan:
        child = int(dice.unit() * 2**53)
        community = dice.weighted([(c, c.weight) for c in demo_reference.COMMUNITIES])
        home = demo_people.home_place(dice, community)
        weight = min(dice.unit() ** (-1 / 1.25), 150.0)
        if heavy:
            home = demo_reference.NEIGHBORHOODS_BY_NAME[HEAVY_HOME]
            received = self.now - timedelta(days=demo_world.HISTORY_DAYS - 20)
            episodes = [self._episode(dice, Outcome.OPEN, received)]
        else:
            episodes = self._plan_episodes(dice, p_open)
        return PersonPlan(child, community, home, episodes, heavy=heavy, weight=weight)

    def _plan_episodes(self, dice: Dice, p_open: float) -> list[Episode]:
        now, history = self.now, timedelta(days=demo_world.HISTORY_DAYS)
        n = dice.weighted(((1, 72), (2, 20), (3, 8)))
        roll = dice.unit()
        if roll < 0.002:
            last = self._episode(dice, Outcome.TRIAGE, now - dice.hours(1, 72))
        elif roll < 0.004:
            last = self._episode(dice, Outcome.INFO, now - dice.days(1, 10))
        elif roll < 0.06:
            last = self._episode(
                dice, Outcome.DECLINED, now - dice.days(1, demo_world.HISTORY_DAYS)
            )
        elif roll < 0.061:
            last = self._episode(dice, Outcome.AWAITING, now - dice.hours(2, 40))
        elif roll < 0.061 + p_open:
            if dice.chance(0.04):  # assigned in the last day or so, nobody has gone out yet
                last = self._episode(dice, Outcome.OPEN, now - dice.hours(2, 30))
                last.contactable = False
            else:
                age = dice.skewed(3, 400, 1.6)
                last = self._episode(dice, Outcome.OPEN, now - timedelta(days=age))
        else:
            # Closures spread evenly over the history, as a steady program's would.
            closed = now - dice.days(1, demo_world.HISTORY_DAYS - 14)
            length = timedelta(days=dice.skewed(14, 200, 1.4))
            received = max(closed - length, now - history)
            last = self._episode(dice, Outcome.CLOSED, received)
            last.closed_at = max(closed, (last.assigned_at or received) + timedelta(days=1))
        episodes = [last]
        before = last.received_at
        for _ in range(n - 1):
            end = before - dice.days(15, 200)
            start = end - timedelta(days=dice.skewed(14, 150, 1.4))
            if start < now - history:
                break
            if dice.chance(0.1):
                episode = self._episode(dice, Outcome.DECLINED, end)
            else:
                episode = self._episode(dice, Outcome.CLOSED, start)
                episode.closed_at = end
            episodes.insert(0, episode)
            before = episode.received_at
        return episodes

    def _episode(self, dice: Dice, outcome: Outcome, received: datetime) -> Episode:
        episode = Episode(outcome, received)
        if outcome is Outcome.TRIAGE:
            return episode
        latest = self.now - timedelta(minutes=30)
        episode.triaged_at = min(received + dice.hours(1, 30), latest)
        if outcome in (Outcome.OPEN, Outcome.CLOSED):
            episode.assigned_at = min(episode.triaged_at + dice.hours(0.5, 20), latest)
        return episode

    def _create_teams(self, count: int) -> None:
        """Teams for the city, placed where the people live, two officers and a clinician each."""
        if count <= 0:
            return
        demand = Counter(plan.home.name for plan in self.plans)
        total = sum(demand.values())
        shares = {name: count * n / total for name, n in demand.items()}
        places = {name: int(share) for name, share in shares.items()}
        leftover = count - sum(places.values())
        for name in sorted(shares, key=lambda k: (-(shares[k] - places[k]), k))[:leftover]:
            places[name] += 1
        founded = self.now - timedelta(days=demo_world.TEAM_FOUNDED_DAYS)
        password_hash = hash_password(self.password)
        dice = self.dice
        for place_name in sorted(
            places, key=lambda k: demo_reference.NEIGHBORHOODS_BY_NAME[k].name
        ):
            place = demo_reference.NEIGHBORHOODS_BY_NAME[place_name]
            # The base is at the place's point; its precinct follows from it, and the
            # team covers that precinct (a place whose point is in none gets no team).
            base = self.index.locate(place.latitude, place.longitude)
            if base.precinct is None:
                continue
            for number in range(1, places[place_name] + 1):
                shift = dice.weighted((((8, 20), 40), ((10, 22), 25), (None, 20), ((16, 4), 15)))
                team_id = self.rows.add(
                    Team,
                    name=f"{place.name} {number}",
                    base_address=f"{precinct_label(base.precinct)} station house, "
                    f"{place.city}, NY {place.postal_code}",
                    base_latitude=place.latitude,
                    base_longitude=place.longitude,
                    base_precinct=base.precinct,
                    base_location_status=LocationStatus.MANUAL,
                    active=True,
                    shift_start=None if shift is None else _hour(shift[0]),
                    shift_end=None if shift is None else _hour(shift[1]),
                    created_at=founded,
                    updated_at=founded,
                    created_by_id=self.admin_id,
                )
                self.rows.add(
                    TeamCoverage,
                    team_id=team_id,
                    area_type="precinct",
                    area_code=base.precinct,
                    sort_key=int(base.precinct),
                )
                staff = []
                for role in (Role.CLINICIAN, Role.OFFICER, Role.OFFICER):
                    user_id = self._staff_user(dice, role, password_hash, founded)
                    joined = founded + dice.days(0, 21)
                    self.rows.add(
                        TeamMembership,
                        team_id=team_id,
                        user_id=user_id,
                        joined_at=joined,
                        left_at=None,
                        added_by_id=self.admin_id,
                    )
                    staff.append(Staff(user_id, role, joined, None))
                info = TeamInfo(
                    team_id,
                    f"{place.name} {number}",
                    place.latitude,
                    place.longitude,
                    staff,
                    stable=True,
                )
                self.teams.append(info)
                self.candidates.setdefault(place.name, []).append(info)
        self.rows.flush()
        db.session.commit()

    def _staff_user(self, dice: Dice, role: Role, password_hash: str, hired: datetime) -> int:
        community = dice.weighted([(c, c.weight) for c in demo_reference.COMMUNITIES])
        first = dice.pick(community.female if dice.chance(0.45) else community.male)
        last = dice.pick(community.surnames)
        number = self.rows.next_id[User.__table__.name] + 1
        username = re.sub(r"[^a-z0-9]", "", name_key(f"{first[0]}{last}"))[:50] + str(number)
        return self.rows.add(
            User,
            username=username,
            full_name=f"{first} {last}",
            email=f"{username}@example.org",
            role=role,
            discipline=None,
            # Every bench account shares the demo password: one hash, computed once.
            password_hash=password_hash,
            must_change_password=False,
            active=True,
            session_version=1,
            created_at=hired,
            updated_at=hired,
            created_by_id=self.admin_id,
        )

    def _choose_teams(self) -> None:
        dice = self.dice
        demo_team = next((t for t in self.teams if t.id == self.demo_team_id), None)
        for plan in self.plans:
            options = self.candidates.get(plan.home.name) or [self._nearest(plan.home)]
            for episode in plan.episodes:
                if not episode.assigned:
                    continue
                if plan.heavy and demo_team is not None:
                    episode.team = demo_team
                else:
                    episode.team = dice.weighted([(t, t.weight) for t in options])

    def _nearest(self, place: demo_reference.Neighborhood) -> TeamInfo:
        return min(self.teams, key=lambda t: demo_teams.distance_km(place, t.latitude, t.longitude))

    def _allocate_contacts(self, budget: int) -> None:
        """Exactly `budget` contacts: fixed for the heaviest people, a long tail for the rest."""
        fixed = sum(plan.heavy for plan in self.plans)
        rest = max(0, budget - fixed)
        eligible = [
            plan
            for plan in self.plans
            if not plan.heavy and any(e.assigned and e.contactable for e in plan.episodes)
        ]
        total_weight = sum(plan.weight for plan in eligible) or 1.0
        counts = []
        for plan in eligible:
            share = rest * plan.weight / total_weight
            counts.append((plan, int(share), share - int(share)))
        leftover = rest - sum(c for _, c, _ in counts)
        order = sorted(range(len(counts)), key=lambda i: -counts[i][2])
        bonus = set(order[:leftover])
        for index, (plan, count, _) in enumerate(counts):
            self._split(plan, count + (1 if index in bonus else 0))
        for plan in self.plans:
            if plan.heavy:
                self._split(plan, plan.heavy)

    def _split(self, plan: PersonPlan, count: int) -> None:
        """A person's contacts over their cases, in proportion to how long each ran."""
        cases = [e for e in plan.episodes if e.assigned and e.contactable]
        if not cases:
            return
        lengths = [max(1.0, (e.span_end(self.now) - e.assigned_at).total_seconds()) for e in cases]  # type: ignore[operator]
        total = sum(lengths)
        given = 0
        for episode, length in zip(cases, lengths, strict=True):
            episode.contacts = int(count * length / total)
            given += episode.contacts
        longest = max(range(len(cases)), key=lambda i: lengths[i])
        cases[longest].contacts += count - given

    # --- people ---------------------------------------------------------------------------

    def write_people(self) -> None:
        total = len(self.plans)
        for index, plan in enumerate(self.plans, start=1):
            PersonWriter(self, plan).write()
            if self.rows.pending_contacts() >= BATCH_CONTACTS or index == total:
                self.rows.flush()
                db.session.commit()
                self.progress(
                    f"  people {index:,}/{total:,}, contacts {self.contacts_total:,} "
                    f"({self._elapsed()})"
                )

    def finish(self) -> None:
        """Sequences past the explicit ids, planner statistics, one audit event for the load."""
        if self.rows.postgres:
            for model in TABLE_ORDER:
                name = model.__table__.name
                # Table names come from the models, never from input.
                sequence = f"pg_get_serial_sequence('\"{name}\"', 'id')"
                sql = f'SELECT setval({sequence}, COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM "{name}"'  # noqa: S608  # nosec B608
                db.session.execute(text(sql))
        db.session.commit()
        # The rows went in by bulk inserts, which the tallies do not follow.
        self.progress(f"Outcome tallies from the records... ({self._elapsed()})")
        tallies.rebuild()
        db.session.commit()
        if self.rows.postgres:
            # VACUUM too: rows written by COPY are not yet marked all-visible, so until
            # autovacuum comes by, every count reads the table, not only its index.
            self.progress(f"Vacuuming and updating planner statistics... ({self._elapsed()})")
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            self.progress(f"Updating planner statistics (ANALYZE)... ({self._elapsed()})")
            db.session.execute(text("ANALYZE"))
        record_event(
            AuditAction.CREATE,
            by=None,
            record_type="bench-data",
            category=DataCategory.ACCOUNT,
            detail=f"bench data loaded: {len(self.plans):,} more people, "
            f"{self.contacts_total:,} more contacts",
        )

    def _elapsed(self) -> str:
        return f"{clock.monotonic() - self.started:.0f} s"


def _spec_covers(
    spec: demo_reference.TeamSpec, place: demo_reference.Neighborhood, index: PrecinctIndex
) -> bool:
    """Whether the team covers the place's point (its precinct from the boundaries)."""
    area = index.locate(place.latitude, place.longitude)
    return area.precinct in spec.precincts or (
        area.borough is not None and area.borough in spec.boroughs
    )


def _hour(hour: int) -> time:
    return time(hour)


# --------------------------------------------------------------------------------------
# One person's rows
# --------------------------------------------------------------------------------------

_TYPE = Choice(demo_schedules.TYPE_WEIGHTS)
_FIRST_TYPE = Choice(demo_schedules.FIRST_TYPE_WEIGHTS)
_OUTCOME = {kind: Choice(weights) for kind, weights in demo_schedules.OUTCOME_WEIGHTS.items()}
_IN_PERSON = (ContactType.IN_PERSON_HOME, ContactType.IN_PERSON_OTHER)
_LINKAGE_KINDS = tuple(
    (kind, weight)
    for kind, weight in demo_connections.KIND_WEIGHTS
    if kind not in (LinkageKind.FAMILY, LinkageKind.FRIEND)
)
_L = LinkageStatus
_OPEN_LINKAGE = (
    (_L.IDENTIFIED, 20),
    (_L.REFERRED, 25),
    (_L.WAITLISTED, 15),
    (_L.APPOINTMENT_SCHEDULED, 15),
    (_L.CONNECTED, 15),
    (_L.NOT_CONNECTED, 10),
)
_CLOSED_LINKAGE = ((_L.CONNECTED, 55), (_L.NOT_CONNECTED, 35), (_L.REFERRED, 10))
_PATHS = {
    _L.IDENTIFIED: (_L.IDENTIFIED,),
    _L.REFERRED: (_L.IDENTIFIED, _L.REFERRED),
    _L.WAITLISTED: (_L.IDENTIFIED, _L.REFERRED, _L.WAITLISTED),
    _L.APPOINTMENT_SCHEDULED: (_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED),
    _L.CONNECTED: (_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED, _L.CONNECTED),
    _L.NOT_CONNECTED: (_L.IDENTIFIED, _L.REFERRED, _L.NOT_CONNECTED),
}
_RISK = Choice(((RiskLevel.LOW, 50), (RiskLevel.MODERATE, 35), (RiskLevel.HIGH, 15)))
_EASTERN = timedelta(hours=5)  # visits happen in daylight, New York time (near enough)


class PersonWriter:
    """Writes one planned person: identity, referrals, cases, connections, contacts."""

    def __init__(self, builder: Builder, plan: PersonPlan) -> None:
        self.b = builder
        self.rows = builder.rows
        self.plan = plan
        self.dice = Dice(plan.seed)
        self.now = builder.now
        self.address_lines: list[str] = []

    def write(self) -> None:
        dice, plan = self.dice, self.plan
        community = plan.community
        gender = dice.weighted(
            (("Male", 58), ("Female", 38), ("Non-binary", 2), ("Transgender woman", 2))
        )
        feminine = gender in ("Female", "Transgender woman")
        first = dice.pick(community.female if feminine else community.male)
        last = dice.pick(community.surnames)
        middle = dice.pick(community.female if feminine else community.male)
        middle = middle if middle != first and dice.chance(0.3) else None
        preferred = demo_reference.PREFERRED_NAMES.get(first) if dice.chance(0.6) else None
        created = plan.episodes[0].received_at
        intake_id = dice.pick((self.b.supervisor_id, self.b.supervisor_id, self.b.sergeant_id))
        languages, interpreter = demo_people.pick_languages(dice, community)
        born, estimated = demo_people.pick_birth_date(dice, self.b.today)
        person_id = self.rows.add(
            Person,
            first_name=first,
            middle_name=middle,
            last_name=last,
            preferred_name=preferred,
            first_name_key=name_key(first),
            last_name_key=name_key(last),
            date_of_birth=born,
            date_of_birth_estimated=estimated,
            gender_description=None,
            needs_interpreter=interpreter,
            created_at=created,
            updated_at=created,
            created_by_id=intake_id,
        )
        self.person_id = person_id
        words = demo_people.pronouns(gender)
        words["name"] = preferred or first
        words["language"] = languages[0]
        self.residence = self._addresses(person_id, created, words, intake_id)
        place = self.residence.place
        street, cross = dice.sample(place.streets, 2)
        relation = dice.pick(("his mother", "her sister", "their brother", "the landlord"))
        self.fill = dict(
            words,
            street=street,
            cross=cross,
            landmark=dice.pick(place.landmarks),
            relation=relation,
            Relation=relation[0].upper() + relation[1:],
            period=dice.pick(("two weeks", "a month", "several weeks", "three months")),
            precinct=precinct_label(place.precinct),
            destination=dice.pick(demo_reference.CRISIS_DESTINATIONS[place.borough]),
            hospital=dice.pick(demo_reference.HOSPITAL_EDS[place.borough]),
            provider=dice.pick(demo_reference.TREATING_ORGANIZATIONS),
            moved_to=dice.pick(demo_reference.MOVED_TO),
            referrer="the referrer",
            target="the program",
            weeks=str(dice.integer(2, 12)),
            clinician="the team clinician",
        )
        for position, language in enumerate(languages):
            self.rows.add(PersonLanguage, person_id=person_id, language=language, position=position)
        # The demo's HMIS answers (their own seed: the rest of the person is unchanged).
        races, genders = demo_people.hmis_answers(community, gender, seed=f"{first} {last} {born}")
        for race in races:
            self.rows.add(PersonRaceEthnicity, person_id=person_id, race_ethnicity=race)
        for answer in genders:
            self.rows.add(PersonGender, person_id=person_id, gender=answer)
        phones = demo_people.phone_rows(dice, created, self.now)
        for phone in phones:
            self.rows.add(PersonPhone, person_id=person_id, **phone)
        aliases = demo_people.alias_rows(dice, community, first, last, feminine, created)
        for alias in aliases:
            self.rows.add(PersonAlias, person_id=person_id, retired_at=None, **alias)
        # What search finds the person by, as the people services write it.
        for key in person_keys(
            first_name=first, last_name=last, middle_name=middle, preferred_name=preferred,
            date_of_birth=born, aliases=[a["name"] for a in aliases],
            phones=[p["digits"] for p in phones], address_lines=self.address_lines,
        ):  # fmt: skip
            self.rows.add(
                PersonSearchKey, person_id=person_id, kind=key.kind, key=key.key,
                phonetic=key.phonetic,
            )  # fmt: skip
        self._support_contacts(person_id, community, last, created)
        for index, episode in enumerate(plan.episodes):
            self._episode(episode, index, intake_id)
        if plan.heavy:
            self.b.heavy_people.append((person_id, plan.heavy))

    def _addresses(
        self, person_id: int, created: datetime, words: dict[str, str], by: int
    ) -> demo_people.Residence:
        dice, home = self.dice, self.plan.home
        residences = [demo_people.make_residence(dice, home, created, None, words)]
        if not self.plan.heavy and dice.chance(0.12):
            earlier = demo_people.home_place(dice, self.plan.community)
            moved = created + (self.now - created) * dice.between(0.2, 0.8)
            residences = [
                demo_people.make_residence(dice, earlier, created, moved, words),
                demo_people.make_residence(dice, home, moved, None, words),
            ]
        self.address_lines.clear()
        for residence in residences:
            row = demo_people.address_row(residence, by, index=self.b.index)
            self.rows.add(PersonAddress, person_id=person_id, **row)
            self.address_lines.append(row["line1"])
        return residences[-1]

    def _support_contacts(
        self, person_id: int, community: demo_reference.Community, surname: str, created: datetime
    ) -> None:
        dice = self.dice
        count = dice.weighted(((0, 25), (1, 40), (2, 25), (3, 10)))
        kinds = dice.weighted_sample([((r, d), w) for r, d, w in demo_people.RELATIONS], count)
        for relationship, details in kinds:
            # As the demo's people._support_contact, without building ORM objects (slow by the thousand).
            detail = dice.pick(details)
            organization = None
            people = community
            if relationship is SupportRelationship.CASE_MANAGER:
                organization = dice.pick(demo_reference.CASE_MANAGER_ORGANIZATIONS)
            elif relationship is SupportRelationship.PROVIDER:
                organization = dice.pick(demo_reference.TREATING_ORGANIZATIONS)
            if organization is not None:
                people = dice.pick(demo_reference.COMMUNITIES)
            feminine = detail in demo_people.FEMININE_DETAILS or (
                detail not in demo_people.MASCULINE_DETAILS and dice.chance(0.5)
            )
            first = dice.pick(people.female if feminine else people.male)
            last = (
                surname if relationship in demo_people.SAME_SURNAME else dice.pick(people.surnames)
            )
            self.rows.add(
                SupportContact,
                person_id=person_id,
                name=f"{first} {last}",
                relationship_type=relationship,
                relationship_detail=detail,
                organization=organization,
                phone=dice.phone(("718", "347", "917", "212", "646")),
                email=None,
                active=True,
                created_at=created,
                created_by_id=None,
            )

    # --- referral and case ------------------------------------------------------------------

    def _episode(self, episode: Episode, index: int, intake_id: int) -> None:
        dice, fill = self.dice, self.fill
        source = dice.weighted(demo_referrals.SOURCE_WEIGHTS)
        detail = self._source_detail(source)
        indicators = dice.weighted_sample(demo_referrals.INDICATOR_WEIGHTS, dice.integer(1, 3))
        triager = dice.pick((self.b.supervisor_id, self.b.sergeant_id))
        status = {
            Outcome.TRIAGE: ReferralStatus.RECEIVED,
            Outcome.INFO: ReferralStatus.INFO_REQUESTED,
            Outcome.DECLINED: ReferralStatus.DECLINED,
        }.get(episode.outcome, ReferralStatus.ACCEPTED)
        decided = status in (ReferralStatus.ACCEPTED, ReferralStatus.DECLINED)
        note = None
        if status is ReferralStatus.ACCEPTED:
            note = dice.pick(demo_reference.ACCEPT_NOTES).format_map(fill)
        elif status is ReferralStatus.DECLINED:
            note = dice.pick(demo_reference.NOT_ELIGIBLE_NOTES).format_map(fill)
        elif status is ReferralStatus.INFO_REQUESTED:
            note = dice.pick(demo_reference.INFO_REQUESTS).format_map(fill)
        referrer = (
            f"{dice.pick(self.plan.community.female)} {dice.pick(self.plan.community.surnames)}"
        )
        referral_id = self.rows.add(
            Referral,
            person_id=self.person_id,
            source=source,
            source_detail=detail,
            received_at=episode.received_at,
            referrer_name=referrer,
            referrer_phone=dice.phone(("718", "347", "212", "646")),
            referrer_email=None,
            referrer_organization=None if source is ReferralSource.FAMILY_COMMUNITY else detail,
            reason=demo_referrals.referral_reason(dice, indicators, fill),
            status=status,
            decline_reason=DeclineReason.NOT_ELIGIBLE
            if status is ReferralStatus.DECLINED
            else None,
            referred_to_service=None,
            duplicate_of_id=None,
            triage_note=note,
            triaged_at=episode.triaged_at if decided else None,
            triaged_by_id=triager if decided else None,
            created_at=episode.received_at,
            created_by_id=intake_id,
        )
        for indicator in indicators:
            self.rows.add(ReferralRiskIndicator, referral_id=referral_id, indicator=indicator)
        self.rows.add(
            ReferralEvent,
            referral_id=referral_id,
            from_status=None,
            to_status=ReferralStatus.RECEIVED,
            at=episode.received_at,
            by_id=intake_id,
            note=None,
        )
        if status is not ReferralStatus.RECEIVED:
            self.rows.add(
                ReferralEvent,
                referral_id=referral_id,
                from_status=ReferralStatus.RECEIVED,
                to_status=status,
                at=episode.triaged_at,
                by_id=triager,
                note=note,
            )
        if status is ReferralStatus.ACCEPTED:
            self._case(episode, referral_id, triager, note)

    def _source_detail(self, source: ReferralSource) -> str:
        place, dice = self.residence.place, self.dice
        if source is ReferralSource.NYPD_PRECINCT:
            return precinct_label(place.precinct)
        if source is ReferralSource.HOSPITAL:
            return dice.pick(demo_reference.HOSPITAL_EDS[place.borough])
        if source is ReferralSource.FAMILY_COMMUNITY:
            return dice.pick(demo_reference.FAMILY_REFERRERS)
        return dice.pick(demo_reference.SOURCE_DETAILS[source])

    def _case(self, episode: Episode, referral_id: int, triager: int, note: str | None) -> None:
        dice, fill = self.dice, self.fill
        accepted = episode.triaged_at or episode.received_at
        team = episode.team
        closure = closure_note = None
        if episode.closed_at is not None:
            closure = dice.weighted(demo_plans.CLOSURE_WEIGHTS)
            closure_note = dice.pick(demo_reference.CLOSURE_NOTES[closure]).format_map(fill)
        times = self._contact_times(episode)
        status = CaseStatus.AWAITING_ASSIGNMENT
        if team is not None:
            status = CaseStatus.CLOSED if episode.closed_at is not None else CaseStatus.OPEN
        next_planned = None
        if times and status is CaseStatus.OPEN:
            next_planned = times[-1] + dice.days(1, 10)
        due = episode.assigned_at + demo_world.FIRST_CONTACT_WINDOW if episode.assigned_at else None
        case_id = self.rows.add(
            Case,
            person_id=self.person_id,
            referral_id=referral_id,
            team_id=team.id if team else None,
            status=status,
            referred_at=episode.received_at,
            accepted_at=accepted,
            first_assigned_at=episode.assigned_at,
            assigned_at=episode.assigned_at,
            first_contact_due_at=due,
            first_contact_at=times[0] if times else None,
            last_contact_at=times[-1] if times else None,
            next_contact_planned_at=next_planned,
            closed_at=episode.closed_at,
            closure_reason=closure,
            closure_note=closure_note,
            reopened_at=None,
            created_at=accepted,
            updated_at=episode.closed_at or (times[-1] if times else accepted),
        )
        self.rows.add(
            CaseEvent,
            case_id=case_id,
            kind=CaseEventKind.OPENED,
            at=accepted,
            by_id=triager,
            note=note,
            team_id=None,
            closure_reason=None,
            summary=None,
        )
        if team is None or episode.assigned_at is None:
            return
        dispatcher = dice.pick((self.b.sergeant_id, self.b.supervisor_id))
        reason = f"Covers the {precinct_label(self.residence.place.precinct)}."
        self.rows.add(
            Assignment,
            case_id=case_id,
            team_id=team.id,
            assigned_at=episode.assigned_at,
            assigned_by_id=dispatcher,
            first_contact_due_at=due,
            reason=reason,
            ended_at=episode.closed_at,
            end_reason="case closed" if closure else None,
        )
        self.rows.add(
            CaseEvent,
            case_id=case_id,
            kind=CaseEventKind.ASSIGNED,
            at=episode.assigned_at,
            by_id=dispatcher,
            team_id=team.id,
            note=reason,
            summary=f"to {team.name}",
            closure_reason=None,
        )
        if episode.closed_at is not None:
            self.rows.add(
                CaseEvent,
                case_id=case_id,
                kind=CaseEventKind.CLOSED,
                at=episode.closed_at,
                by_id=self.b.supervisor_id,
                closure_reason=closure,
                note=closure_note,
                team_id=None,
                summary=None,
            )
        self._linkages(episode, case_id, team)
        for at in times:
            self._contact(case_id, team, at, first=at is times[0])
        self.b.contacts_total += len(times)

    def _contact_times(self, episode: Episode) -> list[datetime]:
        """When the case's contacts happened: the first within a day, the rest in daylight."""
        count = episode.contacts
        if not count or episode.assigned_at is None:
            return []
        dice = self.dice
        start = episode.assigned_at + timedelta(minutes=30)
        end = episode.span_end(self.now) - timedelta(minutes=10)
        span = max(60.0, (end - start).total_seconds())
        times = [min(start + dice.hours(1, 20), end)]
        for _ in range(count - 1):
            moment = start + timedelta(seconds=span * dice.unit())
            local = moment - _EASTERN
            day = datetime(local.year, local.month, local.day, tzinfo=UTC)
            snapped = day + timedelta(hours=dice.between(8, 20)) + _EASTERN
            times.append(snapped if start <= snapped <= end else moment)
        times.sort()
        return times

    def _contact(self, case_id: int, team: TeamInfo, at: datetime, *, first: bool) -> None:
        dice, fill, rows = self.dice, self.fill, self.rows
        contact_type = (_FIRST_TYPE if first else _TYPE)(dice)
        outcome = _OUTCOME[contact_type](dice)
        on_duty = team.on_duty(at)
        recorder = dice.pick(on_duty)
        clinician = recorder.role is Role.CLINICIAN
        place = self.residence
        location = latitude = longitude = None
        if contact_type is ContactType.IN_PERSON_HOME:
            location, latitude, longitude = place.line1, place.latitude, place.longitude
        elif contact_type is ContactType.IN_PERSON_OTHER:
            location = f"Near {fill['landmark']}"
        elif contact_type is ContactType.ATTEMPT:
            location = place.line1
        notes = demo_reference.OPERATIONAL_NOTES.get((contact_type, outcome))
        operational = dice.pick(notes).format_map(fill) if notes else None
        clinical = risk = None
        factors: list[Any] = []
        if clinician and outcome is not ContactOutcome.NOT_FOUND:
            clinical_notes = {
                ContactType.COLLATERAL_FAMILY: demo_reference.CLINICAL_COLLATERAL_FAMILY,
                ContactType.COLLATERAL_PROVIDER: demo_reference.CLINICAL_COLLATERAL_PROVIDER,
            }.get(contact_type) or demo_reference.CLINICAL_NOTES.get(outcome)
            if clinical_notes and dice.chance(0.85):
                clinical = dice.pick(clinical_notes).format_map(fill)
            if contact_type in demo_contacts.PERSON_SEEN:
                risk = _RISK(dice)
                if risk is not RiskLevel.LOW:
                    factors = dice.weighted_sample(demo_contacts.FACTOR_WEIGHTS, dice.integer(1, 2))
        recorded = at + dice.hours(0.1, 6)
        contact_id = rows.add(
            Contact,
            uuid=uuid.UUID(
                int=(int(dice.unit() * 2**53) << 64) | int(dice.unit() * 2**53), version=4
            ),
            case_id=case_id,
            person_id=self.person_id,
            type=contact_type,
            occurred_at=at,
            location=location,
            latitude=latitude,
            longitude=longitude,
            outcome=outcome,
            transport_destination=fill["destination"] if outcome.is_transport else None,
            others_present=fill["relation"]
            if contact_type in _IN_PERSON and dice.chance(0.25)
            else None,
            operational_note=operational,
            clinical_note=clinical,
            risk_level=risk,
            next_contact_planned_at=at + dice.days(1, 10),
            recorded_at=min(recorded, self.now),
            recorded_by_id=recorder.user_id,
        )
        rows.add(ContactParticipant, contact_id=contact_id, user_id=recorder.user_id)
        if contact_type in _IN_PERSON:
            for member in on_duty:
                if member is not recorder and dice.chance(0.7):
                    rows.add(ContactParticipant, contact_id=contact_id, user_id=member.user_id)
        for factor in factors:
            rows.add(ContactRiskFactor, contact_id=contact_id, factor=factor)
        if dice.chance(0.004):
            reason, operational_text, clinical_text = dice.pick(demo_reference.OPERATIONAL_ADDENDA)
            rows.add(
                Addendum,
                contact_id=contact_id,
                author_id=recorder.user_id,
                created_at=min(recorded + dice.hours(1, 48), self.now),
                reason=reason,
                operational_text=operational_text,
                clinical_text=clinical_text,
            )

    # --- connections ------------------------------------------------------------------------

    def _linkages(self, episode: Episode, case_id: int, team: TeamInfo) -> None:
        dice = self.dice
        count = dice.weighted(((0, 45), (1, 35), (2, 15), (3, 5)))
        if not count or episode.assigned_at is None:
            return
        start, end = episode.assigned_at, episode.span_end(self.now)
        clinician = next((m for m in team.members if m.role is Role.CLINICIAN), team.members[0])
        for kind in dice.weighted_sample(_LINKAGE_KINDS, count):
            weights = _CLOSED_LINKAGE if episode.closed_at else _OPEN_LINKAGE
            status = dice.weighted(weights)
            providers = self.b.providers.get(kind)
            provider = dice.pick(providers) if providers else None
            target = (
                provider[1]
                if provider
                else dice.pick(demo_reference.TARGET_NAMES.get(kind, (kind.label,)))
            )
            path = _PATHS[status]
            moments = sorted(start + (end - start) * dice.unit() for _ in path)
            words = dict(self.fill, target=target)
            appointment = None
            if status is _L.APPOINTMENT_SCHEDULED:
                appointment = moments[-1] + dice.days(2, 20)
            verified = status is _L.CONNECTED
            method = dice.pick(list(demo_reference.VERIFIERS)) if verified else None
            linkage_id = self.rows.add(
                Linkage,
                person_id=self.person_id,
                case_id=case_id,
                kind=kind,
                provider_id=provider[0] if provider else None,
                support_contact_id=None,
                target_name=None if provider else target,
                status=status,
                status_changed_at=moments[-1],
                appointment_at=appointment,
                verified_on=moments[-1].date() if verified else None,
                verification_method=method,
                verified_by=dice.pick(demo_reference.VERIFIERS[method]).format_map(words)
                if method
                else None,
                not_connected_reason=dice.pick(demo_reference.NOT_CONNECTED_REASONS)
                if status is _L.NOT_CONNECTED
                else None,
                note=dice.pick(demo_reference.LINKAGE_NOTES).format_map(words)
                if dice.chance(0.3)
                else None,
                created_at=moments[0],
                created_by_id=clinician.user_id,
            )
            previous = None
            for step, at in zip(path, moments, strict=True):
                self.rows.add(
                    LinkageStatusChange,
                    linkage_id=linkage_id,
                    from_status=previous,
                    to_status=step,
                    at=at,
                    by_id=clinician.user_id,
                    note=dice.pick(demo_reference.STEP_NOTES[step]).format_map(words),
                    appointment_at=appointment if step is _L.APPOINTMENT_SCHEDULED else None,
                )
                previous = step

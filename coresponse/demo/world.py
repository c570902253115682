"""What every generator shares: the clock, the dice, staff, teams, providers, tallies."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from coresponse.auth.models import Role, User
from coresponse.cases.models import CaseStatus
from coresponse.demo.dice import Dice
from coresponse.demo.reference import Neighborhood, ProviderSpec, TeamSpec
from coresponse.extensions import db
from coresponse.linkages.models import LinkageStatus
from coresponse.referrals.models import ReferralStatus
from coresponse.teams.models import REQUIRED_COMPOSITION

HISTORY_DAYS = 540  # referrals reach back about eighteen months
TEAM_FOUNDED_DAYS = 700  # teams and staff predate the oldest referral
FIRST_CONTACT_WINDOW = timedelta(hours=24)


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

    def add(self, model: type[Any], parent: Any, key: str, /, **values: Any) -> None:
        """A leaf row of `model` whose `key` column will be `parent.id` (positional: a
        column may be named `key`, as person_search_key's is)."""
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
            child_rows = [{**values, key: parent.id} for parent, key, values in items]
            db.session.execute(insert(model), child_rows)
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

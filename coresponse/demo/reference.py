"""Reference data: staff, teams, places, names, providers, and the words notes are made of.

The tables are TOML files in data/, read once, when this module is first imported;
here they get their types: enum values become enums, arrays tuples, and tables keyed
by an enum's values dictionaries keyed by the enum. A table the stories index by
every member of an enum (a note for each closure reason, say) must name them all,
or the import fails saying which are missing.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import time
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import ClosureReason
from coresponse.contacts.models import ContactOutcome, ContactType
from coresponse.geo.precincts import shipped_index
from coresponse.linkages.models import LinkageKind, LinkageStatus, VerificationMethod
from coresponse.people.models import Borough
from coresponse.referrals.models import ReferralSource, RiskIndicator

DATA = Path(__file__).with_name("data")
E = TypeVar("E", bound=Enum)


def _load(name: str) -> dict[str, Any]:
    with (DATA / name).open("rb") as file:
        return tomllib.load(file)


def _by(
    enum: type[E], table: dict[str, Any], convert: Callable[[Any], Any] = tuple, *, every: bool
) -> dict[E, Any]:
    """A table keyed by `enum`'s values, keyed by the enum; `every`: no member missing."""
    result = {enum(key): convert(value) for key, value in table.items()}
    missing = [member.value for member in enum if member not in result]
    if every and missing:
        raise ValueError(f"demo data: no entry for {enum.__name__} {', '.join(missing)}")
    return result


# --- Staff and teams (data/staff.toml, data/teams.toml) ------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    full_name: str
    role: Role
    discipline: Discipline | None
    what: str


@dataclass(frozen=True)
class StaffMember:
    username: str
    full_name: str
    role: Role


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


def _team(spec: dict[str, Any]) -> TeamSpec:
    departure = spec.get("departure")
    boroughs = tuple(Borough(b) for b in spec["boroughs"])
    # A team covers precincts: a whole borough is every precinct of it in the boundaries.
    whole = [code for code, borough in shipped_index().precincts if borough in boroughs]
    return TeamSpec(
        name=spec["name"],
        base_address=spec["base_address"],
        latitude=spec["latitude"],
        longitude=spec["longitude"],
        precincts=tuple(sorted({*spec["precincts"], *whole}, key=int)),
        boroughs=boroughs,
        shift=tuple(spec["shift"]) if "shift" in spec else None,
        clinician=spec["clinician"],
        officers=tuple(spec["officers"]),
        departure=Departure(**departure) if departure else None,
    )


def _staff_member(spec: dict[str, Any]) -> StaffMember:
    return StaffMember(spec["username"], spec["full_name"], Role(spec["role"]))


TEAM_SPECS: tuple[TeamSpec, ...] = tuple(_team(t) for t in _load("teams.toml")["teams"])
# The team of the `clinician` and `officer` logins.
DEMO_TEAM = next(spec.name for spec in TEAM_SPECS if spec.clinician == "clinician")

_staff = _load("staff.toml")
DEMO_LOGINS: tuple[DemoLogin, ...] = tuple(
    DemoLogin(
        login["username"],
        login["full_name"],
        Role(login["role"]),
        Discipline(login["discipline"]) if "discipline" in login else None,
        login["what"].format(team=DEMO_TEAM),
    )
    for login in _staff["logins"]
)
TEAM_STAFF: tuple[StaffMember, ...] = tuple(_staff_member(s) for s in _staff["staff"]["teams"])
# Added by the administrator, not yet approved by a clinical supervisor: no login yet.
WAITING_ACCOUNT = _staff_member(_staff["staff"]["waiting_approval"])


# --- Places (data/places.toml) --------------------------------------------------------


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


_places = _load("places.toml")
NEIGHBORHOODS: tuple[Neighborhood, ...] = tuple(
    Neighborhood(
        **{
            **n,
            "borough": Borough(n["borough"]),
            "streets": tuple(n["streets"]),
            "landmarks": tuple(n["landmarks"]),
        }
    )
    for n in _places["neighborhoods"]
)
NEIGHBORHOODS_BY_NAME = {n.name: n for n in NEIGHBORHOODS}
HOSPITAL_EDS: dict[Borough, tuple[str, ...]] = _by(Borough, _places["hospital_eds"], every=True)
CRISIS_DESTINATIONS: dict[Borough, tuple[str, ...]] = _by(
    Borough, _places["crisis_destinations"], every=True
)


# --- People (data/people.toml) --------------------------------------------------------


@dataclass(frozen=True)
class Community:
    """Names, languages and neighborhoods that go together, for believable people."""

    weight: float
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    languages: tuple[tuple[str, float], ...]  # preferred language and how often
    neighborhoods: tuple[str, ...]
    # HMIS race and ethnicity answers ("+"-joined values) and how often
    race_ethnicity: tuple[tuple[str, float], ...] = ()


_people = _load("people.toml")
COMMUNITIES: tuple[Community, ...] = tuple(
    Community(
        weight=c["weight"],
        male=tuple(c["male"]),
        female=tuple(c["female"]),
        surnames=tuple(c["surnames"]),
        languages=tuple(tuple(language) for language in c["languages"]),
        neighborhoods=tuple(c["neighborhoods"]),
        race_ethnicity=tuple((answers, weight) for answers, weight in c["race_ethnicity"]),
    )
    for c in _people["communities"]
)
_demographics = _people["demographics"]
# Instead of the person's own HMIS answers: a null answer, "none" (no row), or "" (theirs).
RACE_ETHNICITY_MISSING: tuple[tuple[str, float], ...] = tuple(
    (answer, weight) for answer, weight in _demographics["race_ethnicity_missing"]
)
GENDER_MISSING: tuple[tuple[str, float], ...] = tuple(
    (answer, weight) for answer, weight in _demographics["gender_missing"]
)
# The demo's gender of a person → the HMIS answers people of it give, and how often.
GENDER_ANSWERS: dict[str, tuple[tuple[str, float], ...]] = {
    gender: tuple((answers, weight) for answers, weight in options)
    for gender, options in _demographics["gender"].items()
}
GENDER_DESCRIPTIONS: dict[str, str] = _demographics["gender_descriptions"]
PREFERRED_NAMES: dict[str, str] = _people["preferred_names"]
STREET_NAMES: tuple[str, ...] = tuple(_people["street_names"])
MISSPELLINGS: tuple[tuple[str, str], ...] = tuple(tuple(p) for p in _people["misspellings"])
WHEREABOUTS: tuple[str, ...] = tuple(_people["whereabouts"])
CASE_MANAGER_ORGANIZATIONS: tuple[str, ...] = tuple(_people["case_manager_organizations"])
TREATING_ORGANIZATIONS: tuple[str, ...] = tuple(_people["treating_organizations"])


# --- Providers (data/providers.toml) --------------------------------------------------


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


PROVIDERS: tuple[ProviderSpec, ...] = tuple(
    ProviderSpec(**{**p, "kind": LinkageKind(p["kind"]), "borough": Borough(p["borough"])})
    for p in _load("providers.toml")["providers"]
)


# --- Words (data/referrals.toml, cases.toml, contacts.toml, connections.toml) ----------

_referrals = _load("referrals.toml")
SOURCE_DETAILS: dict[ReferralSource, tuple[str, ...]] = _by(
    ReferralSource, _referrals["source_details"], every=False
)
FAMILY_REFERRERS: tuple[str, ...] = tuple(_referrals["family_referrers"])
OTHER_SERVICES: tuple[str, ...] = tuple(_referrals["other_services"])
REASON_OPENINGS: tuple[str, ...] = tuple(_referrals["reason_openings"])
BEHAVIOURS: tuple[str, ...] = tuple(_referrals["behaviours"])
INDICATOR_PHRASES: dict[RiskIndicator, tuple[str, ...]] = _by(
    RiskIndicator, _referrals["indicator_phrases"], every=True
)
REASON_CONTEXTS: tuple[str, ...] = tuple(_referrals["reason_contexts"])
INFO_REQUESTS: tuple[str, ...] = tuple(_referrals["info_requests"])
ACCEPT_NOTES: tuple[str, ...] = tuple(_referrals["accept_notes"])
NOT_ELIGIBLE_NOTES: tuple[str, ...] = tuple(_referrals["not_eligible_notes"])

_cases = _load("cases.toml")
REASSIGN_REASONS: tuple[str, ...] = tuple(_cases["reassign_reasons"])
STATE_HOSPITALS: tuple[str, ...] = tuple(_cases["state_hospitals"])
MOVED_TO: tuple[str, ...] = tuple(_cases["moved_to"])
CLOSURE_NOTES: dict[ClosureReason, tuple[str, ...]] = _by(
    ClosureReason, _cases["closure_notes"], every=True
)
# (for the team, clinical): what the whole team reads, and what only clinicians do.
REOPEN_NOTES: tuple[tuple[str, str | None], ...] = tuple(
    (note["team"], note.get("clinical")) for note in _cases["reopen_notes"]
)
# The closing note's part for the whole team: nothing about treatment or where it happens.
TEAM_CLOSURE_NOTES: dict[ClosureReason, str] = _by(
    ClosureReason, _cases["team_closure_notes"], str, every=True
)

_contacts = _load("contacts.toml")
OPERATIONAL_NOTES: dict[tuple[ContactType, ContactOutcome], tuple[str, ...]] = {
    (ContactType(kind), ContactOutcome(outcome)): tuple(notes)
    for kind, by_outcome in _contacts["operational_notes"].items()
    for outcome, notes in by_outcome.items()
}
CLOSING_NOTES: dict[ClosureReason, tuple[str, ...]] = _by(
    ClosureReason, _contacts["closing_notes"], every=False
)
CLINICAL_NOTES: dict[ContactOutcome, tuple[str, ...]] = _by(
    ContactOutcome, _contacts["clinical_notes"], every=False
)
CLINICAL_COLLATERAL_FAMILY: tuple[str, ...] = tuple(_contacts["clinical_collateral_family"])
CLINICAL_COLLATERAL_PROVIDER: tuple[str, ...] = tuple(_contacts["clinical_collateral_provider"])
ADDENDA: tuple[tuple[str, str | None, str | None], ...] = tuple(
    (a["reason"], a.get("operational"), a.get("clinical")) for a in _contacts["addenda"]
)
OPERATIONAL_ADDENDA = tuple(a for a in ADDENDA if a[1] is not None)

_connections = _load("connections.toml")
TARGET_NAMES: dict[LinkageKind, tuple[str, ...]] = _by(
    LinkageKind, _connections["target_names"], every=False
)
LINKAGE_NOTES: tuple[str, ...] = tuple(_connections["linkage_notes"])
STEP_NOTES: dict[LinkageStatus, tuple[str, ...]] = _by(
    LinkageStatus, _connections["step_notes"], every=True
)
RESCHEDULE_NOTES: tuple[str, ...] = tuple(_connections["reschedule_notes"])
VERIFIERS: dict[VerificationMethod, tuple[str, ...]] = _by(
    VerificationMethod, _connections["verifiers"], every=False
)
NOT_CONNECTED_REASONS: tuple[str, ...] = tuple(_connections["not_connected_reasons"])

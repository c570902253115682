"""The de-identified case export: one row per case, shaped to HIPAA's Safe Harbor method.

Safe Harbor (45 CFR 164.514(b)(2); HHS, "Guidance Regarding Methods for
De-identification of Protected Health Information in Accordance with the HIPAA Privacy
Rule", 2012, section III) removes eighteen kinds of identifier. What that means here:

- no name, address, phone, e-mail, date of birth, database id or free text of any kind
  (notes, reasons, places, referrers) is selected at all;
- no date: a referral is given by its **year** (Safe Harbor keeps "the year" of a date
  and no other element of it: not the month), every other moment as real hours or New
  York days counted from the referral or from the case's opening;
- no geography smaller than a state but the first three digits of the ZIP code, and
  "000" for the three-digit ZIPs where 20,000 or fewer people live (below). Borough
  (a county) and precinct are named by the rule and are left out;
- ages in bands, every age of 90 and over in one band;
- each row gets a random key drawn for this export (never the case's id), so two
  exports cannot be joined on it.

The counts per case (contacts, engagements, connections...) use the definitions of
reports/definitions.py, so the export agrees with the outcome indicators. They are
computed in SQL by grouped subqueries joined to the cases (one statement, no query per
row) and the rows are fetched a batch at a time, so memory does not grow with the file.
"""

from __future__ import annotations

import enum
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from coresponse.cases.models import Case, ClosureReason
from coresponse.clock import day_bounds, program_zone
from coresponse.contacts.models import Contact, ContactOutcome
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageCategory, LinkageKind, LinkageStatus
from coresponse.people.models import (
    Borough,
    Gender,
    Person,
    PersonAddress,
    PersonGender,
    PersonLanguage,
    PersonRaceEthnicity,
    RaceEthnicity,
)
from coresponse.privacy.policy import closure_reason_for
from coresponse.referrals.models import DeclineReason, Referral
from coresponse.reports.definitions import (
    COLLATERAL_TYPES,
    ENGAGEMENT_OUTCOMES,
    EXPORT_AGE_BANDS,
    FIRST_CONTACT_STANDARD,
    RE_REFERRAL_WINDOWS,
)
from coresponse.reports.queries import ReportError, check_range, default_range
from coresponse.teams.models import Team

# Three-digit ZIP codes with 20,000 or fewer people (2000 census), which Safe Harbor
# replaces with "000": the list HHS publishes in its de-identification guidance
# (section 3.4, "What are the approved 3-digit ZIP codes?"); see the module docstring.
RESTRICTED_ZIP3 = frozenset(
    {
        "036", "059", "063", "102", "203", "556", "692", "790", "821",
        "823", "830", "831", "878", "879", "884", "890", "893",
    }
)  # fmt: skip

BATCH = 2000  # rows fetched at a time (a server-side cursor on PostgreSQL)


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    treatment: bool = False  # withheld from police readers (policy.can_see_treatment_outcomes)


COLUMNS: tuple[Column, ...] = (
    Column(
        "case_key",
        "A random key for this row, drawn anew for every export: not the case's "
        "number, and two exports share no keys.",
    ),
    Column(
        "referral_year",
        "Year the referral was received (New York time). Safe Harbor keeps "
        "only the year of a date; other moments are hours or days after the referral.",
    ),
    Column(
        "referral_source",
        "Who referred: NYPD precinct, DOHMH, NYC Well / 988, 911, hospital, "
        "shelter, family or community, another provider.",
    ),
    Column("triage_hours", "Real hours from the referral's receipt to its acceptance, 1 decimal."),
    Column("case_status", "awaiting_assignment, open or closed, today."),
    Column("closure_reason", "The coded closure reason when closed (blank when open)."),
    Column(
        "closed_day",
        "New York days from the referral's day to the closure's day (blank when open).",
    ),
    Column("reopened", "yes if the case was ever reopened after a closure, else no."),
    Column("team", "The team the case is with now (blank when none)."),
    Column(
        "zip3",
        "First three digits of the ZIP code of the current address; 000 where "
        "20,000 or fewer people live; blank when not recorded.",
    ),
    Column(
        "age_band",
        "Age in whole years on the referral's day: under 18, 18–24, 25–34, "
        "35–44, 45–54, 55–64, 65–74, 75–89, 90 and over; blank when no date of birth.",
    ),
    Column("preferred_language", "The person's first language as recorded."),
    Column(
        "gender",
        "The person's answers to the HUD HMIS gender question (element 3.06), as codes "
        "in the standard's order, several joined by ; (e.g. man;transgender): woman, man, "
        "culturally_specific, transgender, non_binary, questioning, different_identity, "
        "client_doesnt_know, client_prefers_not_to_answer, data_not_collected (also when "
        "nothing is recorded). The person's own description is never exported.",
    ),
    Column(
        "race_ethnicity",
        "The person's answers to the HUD HMIS race and ethnicity question (element 3.04), "
        "as codes in the standard's order, several joined by ; (e.g. "
        "black_af_american;hispanic_latinaeo): am_ind_ak_native, asian, black_af_american, "
        "hispanic_latinaeo, mid_east_n_african, native_hi_pacific, white, "
        "client_doesnt_know, client_prefers_not_to_answer, data_not_collected (also when "
        "nothing is recorded).",
    ),
    Column(
        "hours_to_first_contact",
        "Real hours from the first assignment to a team to the "
        "first contact of any kind (0 when before), 1 decimal; blank when none yet.",
    ),
    Column(
        "first_contact_within_24h",
        "yes or no against the program's 24-hour standard; blank "
        "when not assigned, or not contacted and the 24 hours have not passed.",
    ),
    Column("contacts", "Contacts of any kind on the case."),
    Column(
        "engagements", "Contacts with the person whose outcome was engaged or brief engagement."
    ),
    Column(
        "attempts",
        "Contacts with (or looking for) the person that did not engage: not "
        "found, refused, crisis, arrest.",
    ),
    Column("collateral_contacts", "Contacts with family or providers about the person."),
    Column("voluntary_transports", "Contacts ending in a voluntary crisis transport."),
    Column("involuntary_transports", "Contacts ending in an involuntary crisis transport."),
    Column("arrests", "Contacts ending in an arrest."),
    Column(
        "connections",
        "Connections recorded on the case (treatment, family, other "
        "supports), whatever their status.",
        treatment=True,
    ),
    Column("verified_connections", "Connections verified as connected.", treatment=True),
    Column(
        "treatment_connected",
        "yes if a treatment connection was verified as connected, else no.",
        treatment=True,
    ),
    Column(
        "days_to_first_verified_connection",
        "New York days from the case's opening to its first verified connection; blank when none.",
        treatment=True,
    ),
    Column(
        "re_referred_within_90_days",
        "For a closed case: yes if the person was referred "
        "again (not a duplicate) within 90 days of the closure, no if not; blank when open "
        "or the 90 days have not passed.",
    ),
    Column("re_referred_within_180_days", "The same within 180 days."),
)


def columns(*, treatment: bool) -> tuple[Column, ...]:
    """The columns a reader receives (police readers: none of the treatment ones)."""
    return tuple(c for c in COLUMNS if treatment or not c.treatment)


# --- Filters ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportFilters:
    first: date
    last: date
    team_id: int | None = None
    team_name: str | None = None
    borough: Borough | None = None
    # The last case the export may hold, fixed before counting, so the file holds exactly
    # the rows the audit event says even when a case is opened while it streams.
    up_to: int | None = None

    def describe(self) -> str:
        """The filters in words, for the audit trail."""
        parts = [f"referrals received {self.first:%Y-%m-%d} to {self.last:%Y-%m-%d}"]
        if self.team_id is not None:
            parts.append(f"team {self.team_name} (id {self.team_id})")
        if self.borough is not None:
            parts.append(f"borough {self.borough.label}")
        return ", ".join(parts)

    def query_args(self) -> dict[str, str]:
        args = {"from": f"{self.first:%Y-%m-%d}", "to": f"{self.last:%Y-%m-%d}"}
        if self.team_id is not None:
            args["team"] = str(self.team_id)
        if self.borough is not None:
            args["borough"] = self.borough.value
        return args


def _day(value: str, field: str, label: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ReportError(f"{label}: give a date as YYYY-MM-DD.", field=field) from None


def parse_filters(args: Mapping[str, str]) -> ExportFilters:
    """The filters of a query string; a message a person can act on when one is wrong."""
    default_first, default_last = default_range()
    first = _day(args["from"], "from", "From") if args.get("from") else default_first
    last = _day(args["to"], "to", "To") if args.get("to") else default_last
    check_range(first, last)
    team_id = team_name = None
    if args.get("team"):
        raw = args["team"]
        found = (
            db.session.scalar(select(Team.name).where(Team.id == int(raw)))
            if raw.isdigit() and len(raw) < 10
            else None
        )
        if found is None:
            raise ReportError("Team: choose a team from the list.", field="team")
        team_id, team_name = int(raw), found
    borough = None
    if args.get("borough"):
        try:
            borough = Borough(args["borough"])
        except ValueError:
            raise ReportError("Borough: choose a borough from the list.", field="borough") from None
    return ExportFilters(first, last, team_id, team_name, borough)


def team_choices() -> list[tuple[int, str]]:
    return [
        (team_id, name)
        for team_id, name in db.session.execute(select(Team.id, Team.name).order_by(Team.name))
    ]


# --- The statement -----------------------------------------------------------------------


def _scope(filters: ExportFilters) -> list[ColumnElement[bool]]:
    """The range, team and last case: conditions on the case table alone (the borough,
    which needs the current address, is applied where that address is joined)."""
    start, end = day_bounds(filters.first, filters.last)
    conditions = [Case.referred_at >= start, Case.referred_at < end]
    if filters.up_to is not None:
        conditions.append(Case.id <= filters.up_to)
    if filters.team_id is not None:
        conditions.append(Case.team_id == filters.team_id)
    return conditions


def _scoped(filters: ExportFilters) -> Any:
    """The cases of the range, team and last case, as a common table expression: every
    per-case and per-person lookup below reads only the rows of these cases (an export of
    one month reads one month's contacts), each in one pass grouped by case or person."""
    return (
        select(Case.id, Case.person_id, Case.closed_at).where(*_scope(filters)).subquery("scoped")
    )


def _current_address(scoped: Any) -> Any:
    """The current address (the latest recorded) of the person of each scoped case, one
    row per case: keyed by the case, as every other lookup here, so each is joined once
    on the case's id (SQLite then indexes each one; keyed by person it scanned them)."""
    ranked = (
        select(
            scoped.c.id.label("case_id"),
            PersonAddress.postal_code,
            PersonAddress.borough,
            func.row_number()
            .over(
                partition_by=scoped.c.id,
                order_by=(PersonAddress.recorded_at.desc(), PersonAddress.id.desc()),
            )
            .label("n"),
        )
        .join(PersonAddress, PersonAddress.person_id == scoped.c.person_id)
        .where(PersonAddress.current.is_(True))
        .subquery()
    )
    return (
        select(ranked.c.case_id, ranked.c.postal_code, ranked.c.borough)
        .where(ranked.c.n == 1)
        .subquery("address")
    )


def _first_language(scoped: Any) -> Any:
    """The preferred (first) language of the person of each scoped case, one row per case."""
    ranked = (
        select(
            scoped.c.id.label("case_id"),
            PersonLanguage.language,
            func.row_number()
            .over(
                partition_by=scoped.c.id,
                order_by=(PersonLanguage.position, PersonLanguage.id),
            )
            .label("n"),
        )
        .join(PersonLanguage, PersonLanguage.person_id == scoped.c.person_id)
        .subquery()
    )
    return select(ranked.c.case_id, ranked.c.language).where(ranked.c.n == 1).subquery("language")


def _answers(scoped: Any, column: Any, members: Sequence[enum.Enum], label: str) -> Any:
    """A person's HMIS answers (several rows) as one number per scoped case: bit i is set
    when the answer at position i of the standard is recorded. The unique constraint on
    (person, answer) makes the sum a union; `_answer_codes` spells it out in order."""
    bits = case(*[(column == member, 1 << i) for i, member in enumerate(members)], else_=0)
    return (
        select(scoped.c.id.label("case_id"), func.sum(bits).label("mask"))
        .join(column.class_, column.class_.person_id == scoped.c.person_id)
        .group_by(scoped.c.id)
        .subquery(label)
    )


def _answer_codes(members: Sequence[enum.Enum], not_collected: enum.Enum) -> list[str]:
    """Each possible set of answers (indexed by its bits) as codes joined by ";" in the
    standard's order; no answer at all is "data not collected", as the reports count it."""
    return [
        ";".join(m.value for i, m in enumerate(members) if mask >> i & 1) or not_collected.value
        for mask in range(1 << len(members))
    ]


_GENDERS: tuple[Gender, ...] = tuple(Gender)
_RACES: tuple[RaceEthnicity, ...] = tuple(RaceEthnicity)
GENDER_CODES = _answer_codes(_GENDERS, Gender.DATA_NOT_COLLECTED)
RACE_ETHNICITY_CODES = _answer_codes(_RACES, RaceEthnicity.DATA_NOT_COLLECTED)


def _in_borough(filters: ExportFilters, address: Any) -> list[ColumnElement[bool]]:
    return [] if filters.borough is None else [address.c.borough == filters.borough]


def last_case_id() -> int:
    return db.session.scalar(select(func.max(Case.id))) or 0


def count_cases(filters: ExportFilters) -> int:
    """How many rows the export holds (one COUNT, for the audit event and the page)."""
    stmt = select(func.count()).select_from(Case).where(*_scope(filters))
    if filters.borough is not None:
        address = _current_address(_scoped(filters))
        stmt = stmt.join(address, address.c.case_id == Case.id).where(
            *_in_borough(filters, address)
        )
    return db.session.scalar(stmt) or 0


def _count_when(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


_TREATMENT_KINDS = [k for k in LinkageKind if k.category is LinkageCategory.TREATMENT]


def _contact_counts(scoped: Any) -> Any:
    collateral = Contact.type.in_(COLLATERAL_TYPES)
    engaged = Contact.outcome.in_(ENGAGEMENT_OUTCOMES)
    return (
        select(
            Contact.case_id.label("case_id"),
            func.count().label("contacts"),
            _count_when(and_(not_(collateral), engaged)).label("engagements"),
            _count_when(and_(not_(collateral), not_(engaged))).label("attempts"),
            _count_when(collateral).label("collateral"),
            _count_when(Contact.outcome == ContactOutcome.CRISIS_TRANSPORT_VOLUNTARY).label("vol"),
            _count_when(Contact.outcome == ContactOutcome.CRISIS_TRANSPORT_INVOLUNTARY).label(
                "inv"
            ),
            _count_when(Contact.outcome == ContactOutcome.ARREST).label("arrests"),
        )
        .where(Contact.case_id.in_(select(scoped.c.id)))
        .group_by(Contact.case_id)
        .subquery("contact_counts")
    )


def _next_referral(scoped: Any) -> Any:
    """The person's next referral after the case's (last) closure, a duplicate aside: the
    re-referral indicator's rule (reports.queries._closures)."""
    later = aliased(Referral)
    return (
        select(scoped.c.id.label("case_id"), func.min(later.received_at).label("at"))
        .join(
            later,
            and_(
                later.person_id == scoped.c.person_id,
                later.received_at > scoped.c.closed_at,
                or_(
                    later.decline_reason.is_(None), later.decline_reason != DeclineReason.DUPLICATE
                ),
            ),
        )
        .where(scoped.c.closed_at.is_not(None))
        .group_by(scoped.c.id)
        .subquery("next_referral")
    )


def _linkage_counts(scoped: Any) -> Any:
    verified = Linkage.status == LinkageStatus.CONNECTED
    return (
        select(
            Linkage.case_id.label("case_id"),
            func.count().label("connections"),
            _count_when(verified).label("verified"),
            _count_when(and_(verified, Linkage.kind.in_(_TREATMENT_KINDS))).label("treatment"),
            func.min(case((verified, Linkage.verified_on))).label("first_verified"),
        )
        .where(Linkage.case_id.in_(select(scoped.c.id)))
        .group_by(Linkage.case_id)
        .subquery("linkage_counts")
    )


def _statement(filters: ExportFilters, *, treatment: bool) -> Select[Any]:
    scoped = _scoped(filters)
    address = _current_address(scoped)
    language = _first_language(scoped)
    contacts = _contact_counts(scoped)
    next_referral = _next_referral(scoped)
    genders = _answers(scoped, PersonGender.gender, _GENDERS, "genders")
    races = _answers(scoped, PersonRaceEthnicity.race_ethnicity, _RACES, "races")
    selected: list[Any] = [
        Case.referred_at, Case.accepted_at, Case.first_assigned_at, Case.first_contact_at,
        Case.closed_at, Case.status, Case.closure_reason, Case.reopened_at, Referral.source,
        Team.name, address.c.postal_code, Person.date_of_birth, language.c.language,
        func.coalesce(genders.c.mask, 0), func.coalesce(races.c.mask, 0),
        func.coalesce(contacts.c.contacts, 0), func.coalesce(contacts.c.engagements, 0),
        func.coalesce(contacts.c.attempts, 0), func.coalesce(contacts.c.collateral, 0),
        func.coalesce(contacts.c.vol, 0), func.coalesce(contacts.c.inv, 0),
        func.coalesce(contacts.c.arrests, 0), next_referral.c.at,
    ]  # fmt: skip
    stmt = (
        select(*selected)
        .select_from(Case)
        .join(Referral, Referral.id == Case.referral_id)
        .join(Person, Person.id == Case.person_id)
        .outerjoin(Team, Team.id == Case.team_id)
        .outerjoin(address, address.c.case_id == Case.id)
        .outerjoin(language, language.c.case_id == Case.id)
        .outerjoin(genders, genders.c.case_id == Case.id)
        .outerjoin(races, races.c.case_id == Case.id)
        .outerjoin(contacts, contacts.c.case_id == Case.id)
        .outerjoin(next_referral, next_referral.c.case_id == Case.id)
        .where(*_scope(filters), *_in_borough(filters, address))
        .order_by(Case.referred_at, Case.id)
    )
    if treatment:
        # Only for readers who may receive them: police readers' statement selects no
        # clinical column (the register calls connections clinical).
        linkages = _linkage_counts(scoped)
        stmt = stmt.outerjoin(linkages, linkages.c.case_id == Case.id).add_columns(
            func.coalesce(linkages.c.connections, 0),
            func.coalesce(linkages.c.verified, 0),
            func.coalesce(linkages.c.treatment, 0),
            linkages.c.first_verified,
        )
    return stmt


# --- Shaping a row -----------------------------------------------------------------------


def _case_keys() -> Iterator[str]:
    """Random, distinct keys: a secret random permutation of the row numbers (an odd
    multiplier and an offset, modulo 2**64), drawn anew for each export. A key tells
    nothing but the row's place in this file, which the file shows anyway."""
    multiplier = secrets.randbits(64) | 1
    offset = secrets.randbits(64)
    row = 0
    while True:
        yield f"{(multiplier * row + offset) % 2**64:016x}"
        row += 1


def zip3(postal_code: str | None) -> str:
    """The first three digits of a US ZIP code, "000" where too few people live."""
    digits = (postal_code or "").strip()[:3]
    if len(digits) != 3 or not digits.isdigit():
        return ""
    return "000" if digits in RESTRICTED_ZIP3 else digits


def age_band(born: date | None, on: date) -> str:
    """The export's age band (90 and over top-coded) on a day; blank when not recorded."""
    if born is None:
        return ""
    age = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    for _key, label, _low, high in EXPORT_AGE_BANDS:
        if high is None or age <= high:
            return label
    return ""  # pragma: no cover  (the last band has no upper bound)


def _hours(delta: timedelta) -> str:
    return f"{max(delta.total_seconds(), 0.0) / 3600:.1f}"


def _yes_no(value: bool | None) -> str:
    return "" if value is None else "yes" if value else "no"


# A cell starting with one of these is a formula to a spreadsheet (team names and
# languages are typed by people): neutralise it, as the audit CSV does.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    text = value or ""
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def export_rows(
    filters: ExportFilters, *, treatment: bool, now: datetime, batch: int = BATCH
) -> Iterator[list[str]]:
    """The export's rows in the order of `columns(treatment=...)`, a batch at a time.

    This loop runs once per case of the file, so what does not change from row to row
    (the zone, the windows, the closure reasons a reader may see) is worked out before it.
    """
    zone = program_zone()
    keys = _case_keys()
    windows = [timedelta(days=days) for days in RE_REFERRAL_WINDOWS]
    shown_reason = {
        reason: "" if shown is None else shown.value
        for reason in ClosureReason
        for shown in [reason if treatment else closure_reason_for(reason, clinical=False)]
    }
    stmt = _statement(filters, treatment=treatment).execution_options(
        yield_per=batch, stream_results=True
    )
    # Through the session's connection (Core), not the ORM: these rows are tuples of
    # values, and the ORM's per-row result machinery doubled the time to read them.
    for row in db.session.connection().execute(stmt):
        (
            referred, accepted, assigned, first_contact, closed, status, reason, reopened,
            source, team, postal_code, born, language, gender, race, contacts, engagements,
            attempts, collateral, voluntary, involuntary, arrests, referred_again, *linkage,
        ) = row  # fmt: skip
        referral_day = referred.astimezone(zone).date()
        within: bool | None = None
        if assigned is not None:
            if first_contact is not None:
                within = first_contact - assigned <= FIRST_CONTACT_STANDARD
            elif now - assigned >= FIRST_CONTACT_STANDARD:
                within = False
        cells = [
            next(keys),
            str(referral_day.year),
            source.value,
            _hours(accepted - referred),
            status.value,
            "" if closed is None or reason is None else shown_reason[reason],
            "" if closed is None else str((closed.astimezone(zone).date() - referral_day).days),
            "no" if reopened is None else "yes",
            _text(team),
            zip3(postal_code),
            age_band(born, referral_day),
            _text(language),
            GENDER_CODES[gender],
            RACE_ETHNICITY_CODES[race],
            "" if assigned is None or first_contact is None else _hours(first_contact - assigned),
            _yes_no(within),
            str(contacts), str(engagements), str(attempts), str(collateral),
            str(voluntary), str(involuntary), str(arrests),
        ]  # fmt: skip
        if treatment:
            connections, verified, treated, first_verified = linkage
            cells += [
                str(connections),
                str(verified),
                "yes" if treated > 0 else "no",
                ""
                if first_verified is None
                else str(max((first_verified - accepted.astimezone(zone).date()).days, 0)),
            ]
        for window in windows:
            if closed is None or closed + window > now:
                cells.append("")
            else:
                cells.append(
                    _yes_no(referred_again is not None and referred_again - closed <= window)
                )
        yield cells

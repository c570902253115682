"""Finding people: duplicate checks at intake and search, limited to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.orm import joinedload, selectinload

from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.consent.models import Consent, Disclosure
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from coresponse.linkages.models import Linkage
from coresponse.pagination import BadCursor, Page, decode_cursor, encode_cursor
from coresponse.people import matching
from coresponse.people.details import PersonDetails
from coresponse.people.matching import (
    GIVEN_KINDS,
    NAME_KINDS,
    Key,
    Match,
    MatchQuery,
    Purpose,
    QueryName,
    Segment,
)
from coresponse.people.models import (
    Borough,
    Person,
    PersonAddress,
    PersonMerge,
    PersonSearchKey,
    SearchKeyKind,
)
from coresponse.privacy import policy
from coresponse.referrals.models import Referral, ReferralRiskIndicator, RiskIndicator
from coresponse.teams.models import Team

_PERSON_CARD = (
    selectinload(Person.addresses),
    selectinload(Person.phones),
    selectinload(Person.aliases),
    selectinload(Person.languages),
    # Intake fills in HMIS answers not yet recorded for the person it links to.
    selectinload(Person.race_ethnicity_rows),
    selectinload(Person.gender_rows),
)

# How many candidates the database hands to the matcher, best first (by a coarse rank:
# exact words before nicknames, prefixes and sounds). A search that finds more says so
# and asks for more detail; nobody pages through hundreds of namesakes.
SEARCH_CANDIDATES = 75
DUPLICATE_CANDIDATES = 50
# How many people outside the user's team a search shows in brief (the count is of all).
OUTSIDE_SHOWN = 5


# --- Candidates: found by indexed keys, then scored by people/matching.py ---------------

# The table's columns, not the ORM's attributes: the statements are Core, and so are
# their rows.
_SK = PersonSearchKey.__table__.c
_KINDS = {kind.value: kind for kind in SearchKeyKind}  # read as text: no enum processing
# A word matched exactly outranks a nickname, a prefix, then a sound alike.
_EXACT, _NICKNAME, _PREFIX, _SOUND = 4, 3, 2, 1


def _prefix(column: ColumnElement[str], prefix: str) -> list[ColumnElement[bool]]:
    """`column` starts with `prefix`, as a range an index reads (and the LIKE, exact
    whatever the collation). Keys hold letters and digits only."""
    top = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return [column >= prefix, column < top, column.startswith(prefix, autoescape=True)]


def _segment_lookups(segment: Segment, broad: bool) -> list[tuple[int, ColumnElement[bool]]]:
    """(level, condition) for each way a word is looked up: itself, its nicknames and,
    when `broad`, as a prefix and by its sound. A lone letter is looked up only joined
    with its neighbours."""
    if len(segment.word) < 2:
        return []
    names = _SK.kind.in_(NAME_KINDS)
    lookups: list[tuple[int, ColumnElement[bool]]] = [
        (_EXACT, and_(_SK["key"] == segment.word, names))
    ]
    if segment.nicknames:
        lookups.append(
            (_NICKNAME, and_(_SK["key"].in_(sorted(segment.nicknames)), _SK.kind.in_(GIVEN_KINDS)))
        )
    if broad and segment.prefix and ord(segment.word[-1]) < 0x10FFFF:
        lookups.append((_PREFIX, and_(*_prefix(_SK["key"], segment.word), names)))
    if broad and segment.sound:
        lookups.append((_SOUND, and_(_SK.phonetic == segment.sound, names)))
    return lookups


def _word_level(
    name: QueryName, index: int, lookups: dict[Segment, list[tuple[int, ColumnElement[bool]]]]
) -> ColumnElement[int]:
    """A person's best level for word `index` of `name`, over their keys (0: none)."""
    whens = sorted(
        (
            (level, condition)
            for segment in name.segments
            if segment.covers(index)
            for level, condition in lookups[segment]
        ),
        key=lambda lc: -lc[0],
    )
    if not whens:
        return literal(0)
    return func.max(case(*((condition, level) for level, condition in whens), else_=0))


def _signal_lookups(query: MatchQuery) -> dict[str, ColumnElement[bool]]:
    lookups: dict[str, ColumnElement[bool]] = {}
    if query.birth is not None:
        lookups["birth"] = and_(
            _SK.kind == SearchKeyKind.BIRTH, _SK["key"] == matching.birth_key(query.birth)
        )
    if query.phone:
        lookups["phone"] = and_(
            _SK.kind == SearchKeyKind.PHONE, *_prefix(_SK["key"], matching.phone_key(query.phone))
        )
    if query.address:
        lookups["address"] = and_(
            _SK.kind == query.address_kind, *_prefix(_SK["key"], query.address)
        )
    return lookups


@dataclass
class _Candidates:
    keys: dict[int, list[Key]]  # each candidate's keys, the best `limit` of them
    visible: set[int]  # those the viewer may see
    cut: bool  # there were more
    lowest: int | None  # the coarse rank of the best one left out


def _candidates(
    query: MatchQuery, *, viewer: User | None, limit: int
) -> tuple[dict[int, list[Key]], set[int], bool]:
    """The keys of the people who may match `query`, the best `limit` of them by a coarse
    rank; with those the viewer may see, and whether the limit cut any.

    `viewer` None: the whole program (the duplicate check, which shows others in brief).
    For a viewer who does not see everyone, those they may see come first; people outside
    them are read only for a clinician (policy.sees_matches_outside_team), never someone
    whose record a review closed to them.

    A name alone (no birth date, phone or address beside it), for a reader whose
    candidates are not ordered by visibility, is first looked up by its exact words and
    nicknames only: when more people than the limit match so ("Maria", "Rodriguez" at
    city scale), every one of them outranks anyone a prefix or a sound would add, and the
    broader lookup, which reads several times the rows, is not needed.
    """
    by_visibility = (
        viewer is not None
        and not policy.sees_all_cases(viewer)
        and policy.sees_matches_outside_team(viewer)
    )
    if query.names and not query.signals_besides_names and not by_visibility:
        narrow = _read_candidates(query, viewer=viewer, limit=limit, broad=False)
        # The most a candidate found only by a prefix or a sound can rank: every word
        # exact but one, that one a prefix.
        ceiling = _EXACT * len(query.names[0].required) - (_EXACT - _PREFIX)
        if narrow.cut and narrow.lowest is not None and narrow.lowest > ceiling:
            return narrow.keys, narrow.visible, narrow.cut
    found = _read_candidates(query, viewer=viewer, limit=limit, broad=True)
    return found.keys, found.visible, found.cut


def _read_candidates(
    query: MatchQuery, *, viewer: User | None, limit: int, broad: bool
) -> _Candidates:
    """One statement: the candidates grouped by person and ranked, and their keys."""
    where: list[ColumnElement[bool]] = []
    levels: list[list[ColumnElement[int]]] = []
    for name in query.names:
        lookups = {segment: _segment_lookups(segment, broad) for segment in name.segments}
        levels.append([_word_level(name, index, lookups) for index in name.required])
        where += [condition for found in lookups.values() for _level, condition in found]
    signals = _signal_lookups(query)
    where += signals.values()
    found = {key: func.max(case((condition, 1), else_=0)) for key, condition in signals.items()}
    named = [and_(*(level > 0 for level in words)) for words in levels]
    if query.purpose is Purpose.SEARCH:
        having = named[0] if named else or_(*(flag > 0 for flag in found.values()))
    else:
        partly = or_(*(level > 0 for level in levels[0])) if levels else literal(False)
        besides = [found[k] > 0 for k in ("birth", "address") if k in found]
        having = or_(
            *named,
            *([found["phone"] > 0] if "phone" in found else []),
            *([and_(or_(*besides), partly)] if besides else []),
        )
    weights = {"birth": 4, "phone": 4, "address": 3}
    terms = [level for words in levels[:1] for level in words]
    terms += [flag * weights[k] for k, flag in found.items()]
    rank = terms[0]
    for term in terms[1:]:
        rank = rank + term
    grouped = select(_SK.person_id, rank.label("rank")).where(or_(*where))
    order: list[ColumnElement[Any]] = []
    if viewer is not None and not policy.sees_all_cases(viewer):
        visible = policy.people_visible_clause(viewer, _SK.person_id)
        if policy.sees_matches_outside_team(viewer):
            closed = policy.break_glass_closed_clause(viewer, _SK.person_id)
            having = and_(having, or_(visible, ~closed))
            # Those the viewer may see first: a team's namesakes are never cut for others.
            grouped = grouped.add_columns(visible.label("visible"))
            order.append(visible.desc())
        else:
            grouped = grouped.where(visible)
    candidates = (
        grouped.group_by(_SK.person_id)
        .having(having)
        .order_by(*order, rank.desc(), _SK.person_id.desc())
        .limit(limit + 1)
        .subquery()
    )
    sees_all = "visible" not in candidates.c
    keys = PersonSearchKey.__table__.alias("candidate_key")
    kinds = [*NAME_KINDS]
    kinds += [SearchKeyKind.BIRTH] if query.birth else []
    kinds += [SearchKeyKind.PHONE] if query.phone else []
    kinds += [query.address_kind] if query.address else []
    # Core, not the ORM: plain rows, the kind read as text (no enum processing per row).
    rows = db.session.execute(
        select(
            keys.c.person_id,
            type_coerce(keys.c.kind, String),
            keys.c["key"],
            keys.c.phonetic,
            candidates.c.rank,
            literal(True) if sees_all else candidates.c.visible,
        )
        .join(candidates, candidates.c.person_id == keys.c.person_id)
        .where(keys.c.kind.in_(kinds))
    ).all()
    by_person: dict[int, list[Key]] = {}
    ranks: dict[int, tuple[bool, int, int]] = {}
    for person_id, kind, key, sound, person_rank, is_visible in rows:
        by_person.setdefault(person_id, []).append(Key(_KINDS[kind], key, sound))
        ranks[person_id] = (bool(is_visible), person_rank, person_id)
    cut = len(by_person) > limit
    lowest = None
    if cut:  # the one read beyond the limit only tells that there are more
        left_out = min(ranks, key=ranks.__getitem__)
        lowest = ranks[left_out][1]
        del by_person[left_out]
    seen = {pid for pid in by_person if ranks[pid][0]}
    return _Candidates(by_person, seen, cut, lowest)


def rank_matches(query: MatchQuery, candidates: dict[int, list[Key]]) -> list[Match]:
    """The candidates that match, best first (equal scores by last and first name)."""
    scored = (matching.score(query, pid, keys) for pid, keys in candidates.items())
    return sorted((m for m in scored if m is not None), key=lambda m: m.order)


# --- The intake's duplicate check ------------------------------------------------------


@dataclass(frozen=True)
class DuplicateMatch:
    """A person on record who may be the one being referred, and why."""

    person: Person
    score: float
    reasons: list[str]
    # The same first and last name and the same date of birth: offered first, chosen.
    exact: bool = False
    # False for someone the user may not see: the check then shows only what it takes
    # to decide (name, year of birth, borough), not the birth date, address or aliases.
    in_full: bool = True

    @property
    def borough(self) -> Borough | None:
        address = self.person.current_address
        return address.borough if address else None


def find_possible_duplicates(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None = None,
    phone: str | None = None,
    aliases: tuple[str, ...] = (),
    address_line: str | None = None,
    limit: int = 8,
) -> list[DuplicateMatch]:
    """People who may already be on record, across the program, best first: by the
    matcher people search uses (people/matching.py), with the name, the aliases given,
    the birth date, the phone and the address."""
    query = matching.duplicate_query(
        first_name=first_name, last_name=last_name, date_of_birth=date_of_birth,
        phone=phone, aliases=aliases, address_line=address_line,
    )  # fmt: skip
    if query.is_empty:
        return []
    candidates, _, _ = _candidates(query, viewer=None, limit=DUPLICATE_CANDIDATES)
    matches = rank_matches(query, candidates)[:limit]
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person)
            .options(*_PERSON_CARD)
            .where(Person.id.in_([m.person_id for m in matches]))
        )
    }
    return [
        DuplicateMatch(people[m.person_id], m.score, list(m.reasons), m.exact)
        for m in matches
        if m.person_id in people
    ]


def check_duplicates(viewer: User, details: PersonDetails) -> list[DuplicateMatch]:
    """The intake's duplicate check across the program, each match marked with whether
    the viewer may see that person in full."""
    matches = find_possible_duplicates(
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        phone=details.phone,
        aliases=tuple(details.aliases),
        address_line=details.address.line1 if details.address else None,
    )
    visible = policy.visible_person_ids(viewer, [m.person.id for m in matches])
    return [replace(m, in_full=m.person.id in visible) for m in matches]


# --- People search ----------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """A person the viewer may see, who matches the search, and why."""

    person: Person
    match: Match

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.match.reasons


@dataclass(frozen=True)
class BriefHit:
    """Someone outside the viewer's team who matches: what it takes to recognise them
    (name, year of birth, borough) and no more, until break-glass grants access."""

    person_id: int
    name: str
    birth_year: int | None
    borough: Borough | None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class SearchResults(Page[Hit]):
    """A page of the viewer's matches, best first; on the first page, for a clinician,
    the people outside their team who match (shown in brief) and how many they are."""

    outside: list[BriefHit] = field(default_factory=list)
    outside_count: int = 0
    # The database had more candidates than the matcher takes: more may match.
    more: bool = False


def _decode_order(cursor: str) -> tuple[float, str, str, int]:
    score, last, first, person_id = decode_cursor(cursor, 4)
    if not (
        isinstance(score, (int, float)) and isinstance(last, str) and isinstance(first, str)
        and isinstance(person_id, int)
    ):  # fmt: skip
        raise BadCursor("This page link is not valid; start again from the first page.")
    return float(score), last, first, person_id


def search_people(viewer: User, text: str, *, cursor: str | None, size: int) -> SearchResults:
    """People by name (nicknames, aliases and similar spellings too), date of birth, phone
    or address, best first, among those the viewer may see. Raises QueryError for words
    the search cannot use, BadCursor for a page link it did not make."""
    query = matching.parse_search(text[:100])
    after = _decode_order(cursor) if cursor else None
    if not policy.can_search_people(viewer):
        return SearchResults(items=[], next_cursor=None)
    candidates, visible, more = _candidates(query, viewer=viewer, limit=SEARCH_CANDIDATES)
    ranked = rank_matches(query, candidates)
    ours = [m for m in ranked if m.person_id in visible and (after is None or m.order > after)]
    page, beyond = ours[:size], len(ours) > size
    outside = [m for m in ranked if m.person_id not in visible] if after is None else []
    people = _people_in_full([m.person_id for m in page])
    brief = _people_in_brief(outside[:OUTSIDE_SHOWN])
    last = page[-1].order if page and beyond else None
    return SearchResults(
        items=[Hit(people[m.person_id], m) for m in page if m.person_id in people],
        next_cursor=encode_cursor(list(last)) if last else None,
        outside=brief,
        outside_count=len(outside),
        more=more,
    )


def _people_in_full(ids: list[int]) -> dict[int, Person]:
    """A page of results with what a row shows (addresses, phones, aliases), in one query."""
    if not ids:
        return {}
    stmt = (
        select(Person)
        .options(
            joinedload(Person.addresses), joinedload(Person.phones), joinedload(Person.aliases)
        )
        .where(Person.id.in_(ids))
    )
    return {p.id: p for p in db.session.scalars(stmt).unique()}


def _people_in_brief(matches: list[Match]) -> list[BriefHit]:
    """Name, birth date's year and current borough: nothing else is read."""
    if not matches:
        return []
    borough = (
        select(PersonAddress.borough)
        .where(PersonAddress.person_id == Person.id, PersonAddress.current)
        .order_by(PersonAddress.recorded_at.desc(), PersonAddress.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Person.id, Person.first_name, Person.last_name, Person.date_of_birth, borough).where(
            Person.id.in_([m.person_id for m in matches])
        )
    ).all()
    found = {row[0]: row for row in rows}
    return [
        BriefHit(
            m.person_id,
            f"{row[1]} {row[2]}",
            row[3].year if row[3] else None,
            Borough(row[4]) if row[4] else None,
            m.reasons,
        )
        for m in matches
        if (row := found.get(m.person_id)) is not None
    ]


# One person's card in one query: each of these lists is short, so joining them all
# multiplies one row by a small number.
_PERSON_CARD_JOINED = (
    joinedload(Person.addresses),
    joinedload(Person.phones),
    joinedload(Person.aliases),
    joinedload(Person.languages),
    joinedload(Person.support_contacts),
    # The HMIS answers: one or two rows each for nearly everyone.
    joinedload(Person.race_ethnicity_rows),
    joinedload(Person.gender_rows),
)


def get_person_card(person_id: int) -> Person | None:
    """A person with addresses, phones, aliases, languages, support contacts and HMIS
    answers loaded."""
    return person_card_and_flags(person_id)[0]


def person_card_and_flags(person_id: int) -> tuple[Person | None, list[RiskIndicator]]:
    """The person's card (as get_person_card) and the risk indicators of any of their
    referrals (the safety flags officers need), in one query."""
    indicators = (
        select(ReferralRiskIndicator.indicator.label("indicator"))
        .join(Referral, Referral.id == ReferralRiskIndicator.referral_id)
        .where(Referral.person_id == person_id)
        .distinct()
        .subquery()
    )
    flags = select(func.aggregate_strings(indicators.c.indicator, ",")).scalar_subquery()
    row = (
        db.session.execute(
            select(Person, flags.label("flags"))
            .options(*_PERSON_CARD_JOINED)
            .where(Person.id == person_id)
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        return None, []
    found = {RiskIndicator(value) for value in (row[1] or "").split(",") if value}
    return row[0], sorted(found, key=list(RiskIndicator).index)


# --- Merging two records of one person: what each holds, side by side ------------------


@dataclass
class MergeSide:
    """One of two records of a person, as the merge preview shows it: the fields, and
    the rows that would move, counted and named by what identifies them (never by
    clinical content; the clinical rows only for clinical readers)."""

    person: Person
    rows: dict[str, list[str]]


# The sections of the preview, in order; the last three are clinical.
MERGE_SECTIONS = {
    "aliases": "Other names",
    "addresses": "Addresses",
    "phones": "Phones",
    "languages": "Languages",
    "support_contacts": "Family, friends and providers",
    "referrals": "Referrals",
    "cases": "Cases",
    "contacts": "Contacts",
    "linkages": "Connections",
    "consents": "Consents",
    "disclosures": "Disclosures",
}
CLINICAL_SECTIONS = ("linkages", "consents", "disclosures")


def _when(value: datetime | date | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def merge_side(viewer: User, person_id: int) -> MergeSide | None:
    """A record for the merge preview (None: no such person). Clinical rows (connections,
    consents, disclosures) are read only for a clinical reader; a provider among the
    support contacts likewise, as on the person's page."""
    person = db.session.scalars(
        select(Person)
        .options(
            selectinload(Person.aliases), selectinload(Person.addresses),
            selectinload(Person.phones), selectinload(Person.languages),
            selectinload(Person.support_contacts),
            # The merge moves the HMIS answers the survivor has none of (people.services).
            selectinload(Person.race_ethnicity_rows), selectinload(Person.gender_rows),
        )
        .where(Person.id == person_id)
    ).one_or_none()  # fmt: skip
    if person is None:
        return None
    clinical = policy.can_read_clinical(viewer)
    rows: dict[str, list[str]] = {
        "aliases": [a.name for a in person.aliases if a.retired_at is None],
        "addresses": [a.one_line + (" (current)" if a.current else "") for a in person.addresses],
        "phones": [p.number + ("" if p.current else " (old)") for p in person.phones],
        "languages": [lang.language for lang in person.languages],
        "support_contacts": [
            f"{s.name} · {s.relationship_type.label}"
            for s in person.support_contacts
            if clinical or s.relationship_type.is_family_or_friend
        ],
    }
    referrals = db.session.execute(
        select(Referral.id, Referral.received_at, Referral.source)
        .where(Referral.person_id == person_id)
        .order_by(Referral.received_at)
    ).all()
    rows["referrals"] = [f"#{i} · {_when(at)} · {source.label}" for i, at, source in referrals]
    cases = db.session.execute(
        select(Case.id, Case.status, Team.name, Case.referred_at)
        .outerjoin(Team, Team.id == Case.team_id)
        .where(Case.person_id == person_id)
        .order_by(Case.referred_at)
    ).all()
    rows["cases"] = [
        f"Case #{i} · {status.label}" + (f" · {team}" if team else "") + f" · {_when(at)}"
        for i, status, team, at in cases
    ]
    count, last = db.session.execute(
        select(func.count(Contact.id), func.max(Contact.occurred_at)).where(
            Contact.person_id == person_id
        )
    ).one()
    rows["contacts"] = [f"{count} contact(s), the last on {_when(last)}"] if count else []
    if clinical:
        linkages = db.session.execute(
            select(Linkage.id, Linkage.kind, Linkage.status).where(Linkage.person_id == person_id)
        ).all()
        rows["linkages"] = [f"#{i} · {kind.label} · {status.label}" for i, kind, status in linkages]
        consents = db.session.execute(
            select(Consent.recipient_name, Consent.given_on, Consent.revoked_at).where(
                Consent.person_id == person_id
            )
        ).all()
        rows["consents"] = [
            f"{name} · given {_when(given)}" + (" · revoked" if revoked else "")
            for name, given, revoked in consents
        ]
        disclosures = db.session.execute(
            select(Disclosure.recipient_name, Disclosure.disclosed_at).where(
                Disclosure.person_id == person_id
            )
        ).all()
        rows["disclosures"] = [f"{name} · {_when(at)}" for name, at in disclosures]
    return MergeSide(person, rows)


def merges_of(person_id: int) -> list[PersonMerge]:
    """The merges into this person that still stand, newest first."""
    return list(
        db.session.scalars(
            select(PersonMerge)
            .where(PersonMerge.survivor_id == person_id, PersonMerge.undone_at.is_(None))
            .order_by(PersonMerge.merged_at.desc())
        )
    )


def merged_into(person_id: int) -> int | None:
    """The survivor a merged-away record points to (None: not merged away, or no one)."""
    return db.session.scalar(select(Person.merged_into_id).where(Person.id == person_id))


def get_merge(merge_id: int) -> PersonMerge | None:
    return db.session.get(PersonMerge, merge_id)

"""Finding people: duplicate checks at intake and search, limited to what the user may see."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime
from difflib import SequenceMatcher

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Select,
    exists,
    func,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, joinedload, selectinload

from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.db_types import LIKE_ESCAPE, like_contains, like_prefix
from coresponse.extensions import db
from coresponse.pagination import Page, decode_cursor, keyset_page
from coresponse.people.details import PersonDetails, name_key, phone_digits
from coresponse.people.models import Borough, Person, PersonAlias, PersonPhone
from coresponse.privacy.policy import case_visibility, sees_all_cases, visible_person_ids
from coresponse.referrals.models import Referral, ReferralRiskIndicator, RiskIndicator

_PERSON_CARD = (
    selectinload(Person.addresses),
    selectinload(Person.phones),
    selectinload(Person.aliases),
    selectinload(Person.languages),
    # Intake fills in HMIS answers not yet recorded for the person it links to.
    selectinload(Person.race_ethnicity_rows),
    selectinload(Person.gender_rows),
)
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")


@dataclass(frozen=True)
class DuplicateMatch:
    """A person on record who may be the one being referred, and why."""

    person: Person
    score: float
    reasons: list[str]
    # False for someone the user may not see: the check then shows only what it takes
    # to decide (name, year of birth, borough), not the birth date, address or aliases.
    in_full: bool = True

    @property
    def exact(self) -> bool:
        return "same name and date of birth" in self.reasons

    @property
    def borough(self) -> Borough | None:
        address = self.person.current_address
        return address.borough if address else None


def _similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio()


def find_possible_duplicates(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date | None = None,
    phone: str | None = None,
    aliases: tuple[str, ...] = (),
    limit: int = 8,
) -> list[DuplicateMatch]:
    """People who may already be on record: exact and fuzzy name, birth date, alias, phone."""
    first, last = name_key(first_name), name_key(last_name)
    full = f"{first} {last}".strip()
    digits = phone_digits(phone) if phone else ""
    conditions = [Person.last_name_key == last]
    if len(last) >= 3:
        conditions.append(Person.last_name_key.like(last[:3] + "%"))
    if first and len(first) >= 3:
        conditions.append(Person.first_name_key.like(first[:3] + "%"))
    if date_of_birth is not None:
        conditions.append(Person.date_of_birth == date_of_birth)
    alias_keys = [k for k in (name_key(a) for a in (full, *aliases)) if k]
    conditions.append(
        exists().where(PersonAlias.person_id == Person.id, PersonAlias.name_key.in_(alias_keys))
    )
    if len(digits) >= 7:
        conditions.append(
            exists().where(PersonPhone.person_id == Person.id, PersonPhone.digits == digits)
        )
    candidates = db.session.scalars(
        select(Person).options(*_PERSON_CARD).where(or_(*conditions)).limit(300)
    ).all()

    matches = []
    for person in candidates:
        reasons: list[str] = []
        theirs = f"{person.first_name_key} {person.last_name_key}"
        score = max(
            _similarity(full, theirs),
            _similarity(full, f"{person.last_name_key} {person.first_name_key}"),
        )
        same_dob = date_of_birth is not None and person.date_of_birth == date_of_birth
        if theirs == full and same_dob:
            reasons.append("same name and date of birth")
            score += 1
        elif theirs == full:
            reasons.append("same name")
        elif score >= 0.75:
            reasons.append(f"similar name ({person.first_name} {person.last_name})")
        if same_dob and theirs != full:
            reasons.append("same date of birth")
            score += 0.3
        known = {a.name_key for a in person.aliases}
        if known & set(alias_keys):
            reasons.append("matches an alias on record")
            score += 0.5
        if digits and any(p.digits == digits for p in person.phones):
            reasons.append("same phone number")
            score += 0.5
        strong = theirs == full or score >= 0.75 or len(reasons) >= 2
        if reasons and strong and not (reasons == ["same date of birth"] and score < 0.9):
            matches.append(DuplicateMatch(person=person, score=score, reasons=reasons))
    matches.sort(key=lambda m: (-m.score, m.person.id))
    return matches[:limit]


def check_duplicates(viewer: User, details: PersonDetails) -> list[DuplicateMatch]:
    """The intake's duplicate check across the program, each match marked with whether
    the viewer may see that person in full."""
    matches = find_possible_duplicates(
        first_name=details.first_name,
        last_name=details.last_name,
        date_of_birth=details.date_of_birth,
        phone=details.phone,
        aliases=tuple(details.aliases),
    )
    visible = visible_person_ids(viewer, [m.person.id for m in matches])
    return [replace(m, in_full=m.person.id in visible) for m in matches]


def visible_people_filter(viewer: User) -> ColumnElement[bool]:
    """People the viewer may see: all for supervisors, else those with a visible case
    (a team's people, read through its cases: a few hundred, not the whole program)."""
    if sees_all_cases(viewer):
        return Person.id.is_not(None)
    return Person.id.in_(select(Case.person_id).where(case_visibility(viewer)))


def parse_date(text: str) -> date | None:
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def search_people(viewer: User, query: str, *, cursor: str | None, size: int) -> Page[Person]:
    """People by name, alias, date of birth or phone, among those the viewer may see."""
    query = query.strip()[:100]
    stmt = select(Person).options(*_SEARCH_ROW).where(visible_people_filter(viewer))
    when = parse_date(query)
    digits = phone_digits(query)
    terms = name_key(query).split()
    if when is not None:
        stmt = stmt.where(Person.date_of_birth == when)
    elif len(digits) >= 7 and not re.search(r"[a-zA-Z]", query):
        stmt = stmt.where(
            exists().where(
                PersonPhone.person_id == Person.id, PersonPhone.digits.like(f"%{digits}%")
            )
        )
    elif terms:
        stmt = stmt.where(*(_name_term(term) for term in terms))
        # Read by the longest word: first the people with an alias containing it, up to
        # _ALIAS_LIMIT aliases; a word in more aliases than that is common enough that
        # walking the name index in order meets a page of matches soon, so the plain
        # ordered query is the quick one then.
        word = max(terms, key=len)
        if not sees_all_cases(viewer):
            # Only the people of the viewer's cases, read through those cases.
            return keyset_page(stmt, _SEARCH_ORDER, cursor=cursor, size=size)
        aliased = db.session.scalars(
            select(PersonAlias.person_id)
            .where(PersonAlias.name_key.like(like_contains(word), escape=LIKE_ESCAPE))
            .limit(_ALIAS_LIMIT + 1)
        ).all()
        if len(aliased) <= _ALIAS_LIMIT:
            candidates = _page_candidates(stmt, word, set(aliased), cursor, size)
            stmt = stmt.where(Person.id.in_(candidates))
    return keyset_page(stmt, _SEARCH_ORDER, cursor=cursor, size=size)


# What a row of results shows (templates/people/search.html).
_SEARCH_ROW = (
    selectinload(Person.addresses),
    selectinload(Person.phones),
    selectinload(Person.aliases),
)
_SEARCH_ORDER = (Person.last_name_key, Person.first_name_key, Person.id)
_ALIAS_LIMIT = 1000


def _name_term(term: str) -> ColumnElement[bool]:
    """A person matches a word of the search when a name starts with it or an alias has it."""
    return or_(
        Person.first_name_key.like(like_prefix(term), escape=LIKE_ESCAPE),
        Person.last_name_key.like(like_prefix(term), escape=LIKE_ESCAPE),
        exists().where(
            PersonAlias.person_id == Person.id,
            PersonAlias.name_key.like(like_contains(term), escape=LIKE_ESCAPE),
        ),
    )


def _page_candidates(
    stmt: Select[Person], word: str, aliased: set[int], cursor: str | None, size: int
) -> CompoundSelect:
    """The ids of the page's people, found by bounded reads instead of a walk of the
    whole name index: a page of those whose last name starts with `word`, a page of those
    whose first name does, and those among `aliased` (an alias contains it).

    Every match is in one of the three, and each read keeps every condition of `stmt`
    (and the cursor), so the first page of the three together holds the page. A prefix
    is also written as a range (`>= 'rivera' AND < 'riverb'`): SQLite's LIKE ignores
    case, so only the range reads the index.
    """
    ids = stmt.with_only_columns(Person.id)
    if cursor:
        ids = ids.where(tuple_(*_SEARCH_ORDER) > tuple_(*decode_cursor(cursor, len(_SEARCH_ORDER))))
    pages = [
        ids.where(*_prefix_range(column, word)).order_by(*_SEARCH_ORDER).limit(size + 1).subquery()
        for column in (Person.last_name_key, Person.first_name_key)
    ]
    return union_all(
        *(select(page.c.id) for page in pages), ids.where(Person.id.in_(sorted(aliased)))
    )


def _prefix_range(column: InstrumentedAttribute[str], prefix: str) -> list[ColumnElement[bool]]:
    """`column` starts with `prefix`, as a range an index can read (the LIKE stays exact)."""
    if ord(prefix[-1]) >= sys.maxunicode:
        return []
    return [column >= prefix, column < prefix[:-1] + chr(ord(prefix[-1]) + 1)]


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

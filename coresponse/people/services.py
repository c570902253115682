"""Every change to a person's record: creation at intake, addresses, phones, location."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import Table, func, inspect, select, update
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change, record_event
from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseEvent
from coresponse.clock import program_today, utcnow
from coresponse.consent.models import BreakGlassAccess
from coresponse.contacts.models import Contact
from coresponse.db_types import UTCDateTime
from coresponse.derived import rewriting
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.nyc import precinct_label
from coresponse.geo.precincts import Area, PrecinctIndex, current_index
from coresponse.geo.services import check_point, geocode_address
from coresponse.linkages.models import Linkage
from coresponse.locking import check_version, flush_or_conflict
from coresponse.people import limits, matching
from coresponse.people.details import (
    AddressDetails,
    PersonDetails,
    lone_answer_refusal,
    name_key,
    phone_digits,
)
from coresponse.people.limits import APPROXIMATE_AGE_MAX, APPROXIMATE_AGE_MIN
from coresponse.people.models import (
    Gender,
    LocationStatus,
    Person,
    PersonAddress,
    PersonAlias,
    PersonGender,
    PersonLanguage,
    PersonMerge,
    PersonPhone,
    PersonRaceEthnicity,
    PersonSearchKey,
    RaceEthnicity,
)
from coresponse.referrals.models import Referral

_SPACES = re.compile(r"\s+")


class PersonError(DomainError):
    """A change to a person's record that the rules refuse."""


def _clean(value: str | None) -> str | None:
    value = _SPACES.sub(" ", value or "").strip()
    return value or None


def _required_names(first_name: str, last_name: str) -> tuple[str, str]:
    """The first and last name, tidied; a person is never recorded without them."""
    first, last = _clean(first_name), _clean(last_name)
    if not first:
        raise PersonError(
            "First name is required (use 'Unknown' if not known).", field="first_name"
        )
    if not last:
        raise PersonError("Last name is required (use 'Unknown' if not known).", field="last_name")
    return first, last


def _birth_date(details: PersonDetails) -> tuple[date | None, bool]:
    today = program_today()
    if details.date_of_birth is not None:
        if details.date_of_birth > today:
            raise PersonError("Date of birth cannot be in the future.", field="date_of_birth")
        if details.date_of_birth.year < today.year - 120:
            raise PersonError("Date of birth is more than 120 years ago.", field="date_of_birth")
        return details.date_of_birth, False
    if details.approximate_age is not None:
        if not APPROXIMATE_AGE_MIN <= details.approximate_age <= APPROXIMATE_AGE_MAX:
            raise PersonError(
                f"Approximate age must be between {APPROXIMATE_AGE_MIN} and {APPROXIMATE_AGE_MAX}.",
                field="approximate_age",
            )
        # An estimate is recorded as 1 July of the likely birth year, and flagged.
        return date(today.year - details.approximate_age, 7, 1), True
    return None, False


def create_person(
    details: PersonDetails, *, by: User | None, request_info: RequestInfo | None = None
) -> Person:
    """Record a newly referred person with their address, phone, aliases and languages."""
    first, last = _required_names(details.first_name, details.last_name)
    dob, estimated = _birth_date(details)
    person = Person(
        first_name=first,
        last_name=last,
        middle_name=_clean(details.middle_name),
        preferred_name=_clean(details.preferred_name),
        first_name_key=name_key(first),
        last_name_key=name_key(last),
        date_of_birth=dob,
        date_of_birth_estimated=estimated,
        gender_description=_clean(details.gender_description),
        needs_interpreter=details.needs_interpreter,
        created_by_id=by.id if by else None,
        aliases=[],
        languages=[],
        addresses=[],
        phones=[],
        support_contacts=[],
        race_ethnicity_rows=[],
        gender_rows=[],
        search_keys=[],
    )
    set_demographics(person, race_ethnicity=details.race_ethnicity, gender=details.gender)
    db.session.add(person)
    for alias in details.aliases:
        if _clean(alias):
            person.aliases.append(PersonAlias(name=_clean(alias), name_key=name_key(alias)))
    add_languages(person, details.languages)
    if details.phone:
        add_phone(person, details.phone)
    if details.address is not None:
        set_address(person, details.address, by=by)
    refresh_search_keys(person)
    record_change(
        AuditAction.CREATE,
        person,
        by=by,
        person_id=person.id,
        category=DataCategory.IDENTITY,
        request_info=request_info,
    )
    return person


_DEMOGRAPHIC_LABELS = {"race_ethnicity": "race and ethnicity", "gender": "gender"}


_Answer = TypeVar("_Answer", RaceEthnicity, Gender)


def _hmis_answers(enum_cls: type[_Answer], values: Iterable[str], field: str) -> list[_Answer]:
    """The answers, checked: known ones, each once, and a null answer only on its own."""
    answers: list[_Answer] = []
    for value in values:
        try:
            answer = enum_cls(value)
        except ValueError:
            raise PersonError(
                f"{value!r} is not one of the answers for {_DEMOGRAPHIC_LABELS[field]}.",
                field=field,
            ) from None
        if answer not in answers:
            answers.append(answer)
    refusal = lone_answer_refusal(answers, _DEMOGRAPHIC_LABELS[field])
    if refusal is not None:
        raise PersonError(refusal, field=field)
    return answers


def set_demographics(
    person: Person,
    *,
    race_ethnicity: Iterable[str] | None = None,
    gender: Iterable[str] | None = None,
) -> list[str]:
    """Record the person's HMIS race and ethnicity and gender answers; returns which changed.

    None leaves that answer as it is; an empty list records nothing (counted as "Data
    not collected"). Both are checked before either changes. The rows must be loaded.
    """
    races = (
        None
        if race_ethnicity is None
        else _hmis_answers(RaceEthnicity, race_ethnicity, "race_ethnicity")
    )
    genders = None if gender is None else _hmis_answers(Gender, gender, "gender")
    changed = []
    if races is not None and set(races) != set(person.race_ethnicity):
        person.race_ethnicity_rows[:] = [
            next((row for row in person.race_ethnicity_rows if row.race_ethnicity == answer), None)
            or PersonRaceEthnicity(race_ethnicity=answer)
            for answer in races
        ]
        changed.append("race_ethnicity")
    if genders is not None and set(genders) != set(person.gender):
        person.gender_rows[:] = [
            next((row for row in person.gender_rows if row.gender == answer), None)
            or PersonGender(gender=answer)
            for answer in genders
        ]
        changed.append("gender")
    return changed


def add_languages(person: Person, languages: list[str]) -> None:
    """Add languages the person speaks that are not yet on record (in order)."""
    have = {lang.language.lower() for lang in person.languages}
    position = len(person.languages)
    for raw in languages:
        language = _clean(raw)
        if language and language.lower() not in have:
            person.languages.append(PersonLanguage(language=language, position=position))
            have.add(language.lower())
            position += 1
            _touch(person)


def add_phone(person: Person, number: str, *, current: bool = True) -> PersonPhone | None:
    """Add a phone number unless the person already has it; returns the new row.

    `current=False` keeps the number on record without making it one the card shows
    (a number given by someone outside the person's team; see take_referral).
    """
    number = _clean(number) or ""
    digits = phone_digits(number)
    if len(digits) < limits.PHONE_DIGITS_MIN:
        raise PersonError("That phone number is too short.", field="phone")
    if len(digits) > limits.PHONE_DIGITS_MAX:
        raise PersonError(
            f"That phone number has more than {limits.PHONE_DIGITS_MAX} digits.", field="phone"
        )
    if any(p.digits == digits and (p.current or not current) for p in person.phones):
        return None
    phone = PersonPhone(number=number, digits=digits, current=current, recorded_at=utcnow())
    person.phones.append(phone)
    _add_search_keys(person, matching.person_keys(first_name="", last_name="", phones=[digits]))
    if current:
        _touch(person)
    return phone


def _touch(person: Person) -> None:
    """Mark the person's row changed, so its version moves on with its phones and languages.

    A details form opened before this change is then stale (409), and cannot retire
    a phone number it never showed.
    """
    person.updated_at = utcnow()


def _search_keys_loaded(person: Person) -> list[PersonSearchKey]:
    """The person's search keys, read once if this session has not read them yet."""
    if "search_keys" in inspect(person).unloaded:
        rows = []
        if person.id is not None:
            # Not flushing the change being made: flush_or_conflict does, and answers a
            # stale version with a 409.
            with db.session.no_autoflush:
                stmt = select(PersonSearchKey).where(PersonSearchKey.person_id == person.id)
                rows = list(db.session.scalars(stmt))
        set_committed_value(person, "search_keys", rows)
    return person.search_keys


def _add_search_keys(person: Person, keys: Iterable[matching.Key]) -> None:
    """Add these keys, unless the person has them already."""
    rows = _search_keys_loaded(person)
    have = {(row.kind, row.key) for row in rows}
    for key in keys:
        if (key.kind, key.key) not in have:
            rows.append(PersonSearchKey(kind=key.kind, key=key.key, phonetic=key.phonetic))
            have.add((key.kind, key.key))


def refresh_search_keys(person: Person) -> None:
    """Make the keys people search and the duplicate check find the person by
    (people/matching.py) those of their record now: after a change to a name, an alias,
    the birth date, a phone or an address. Keys no longer wanted are deleted; the rest
    stay. The person's aliases, phones and addresses must be loaded."""
    # A record merged into another is found by no search: its keys are the survivor's.
    wanted = (
        {}
        if person.merged_into_id is not None
        else {
            (key.kind, key.key): key
            for key in matching.person_keys(
                first_name=person.first_name,
                last_name=person.last_name,
                middle_name=person.middle_name,
                preferred_name=person.preferred_name,
                date_of_birth=person.date_of_birth,
                aliases=[alias.name for alias in person.aliases],
                phones=[phone.digits for phone in person.phones],
                address_lines=[address.line1 for address in person.addresses],
            )
        }
    )
    rows = _search_keys_loaded(person)
    for row in list(rows):
        key = wanted.pop((row.kind, row.key), None)
        if key is None:
            rows.remove(row)  # deleted: the relationship deletes orphans
        elif row.phonetic != key.phonetic:
            row.phonetic = key.phonetic
    for key in wanted.values():
        rows.append(PersonSearchKey(kind=key.kind, key=key.key, phonetic=key.phonetic))


def _same_place(address: PersonAddress, line1: str, postal: str | None) -> bool:
    return name_key(address.line1) == name_key(line1) and (
        (address.postal_code or "") == (postal or "")
    )


def set_address(
    person: Person, details: AddressDetails, *, by: User | None, current: bool = True
) -> PersonAddress:
    """Make this the person's current address (the old one is kept, retired) and place it.

    A failed lookup never blocks intake: the address is saved as "location needed".
    `current=False` keeps the address on record beside the current one, which stays
    (an address given by someone outside the person's team; see take_referral).
    """
    line1 = _clean(details.line1)
    if not line1:
        raise PersonError(
            "Give a street address, or a place the person can be found.", field="line1"
        )
    postal = _clean(details.postal_code)
    if postal and not re.fullmatch(r"\d{5}(-\d{4})?", postal):
        raise PersonError("ZIP code must be 5 digits.", field="postal_code")
    now = utcnow()
    if not current:
        known = next((a for a in person.addresses if _same_place(a, line1, postal)), None)
        if known is not None:
            return known
    else:
        present = person.current_address
        if present is not None and _same_place(present, line1, postal):
            present.whereabouts_note = _clean(details.whereabouts_note) or present.whereabouts_note
            return present
        for old in person.addresses:
            if old.current:
                old.current = False
                old.retired_at = now
    address = PersonAddress(
        line1=line1,
        line2=_clean(details.line2),
        city=_clean(details.city) or "New York",
        state=(_clean(details.state) or "NY").upper()[:2],
        postal_code=postal,
        whereabouts_note=_clean(details.whereabouts_note),
        recorded_by_id=by.id if by else None,
        recorded_at=now,
        current=current,
    )
    point = geocode_address(line1, city=address.city, state=address.state, postal_code=postal)
    if point is None:
        address.location_status = LocationStatus.NEEDED
    else:
        place_address(
            address,
            point.latitude,
            point.longitude,
            LocationStatus.LOCATED if point.precision == "address" else LocationStatus.APPROXIMATE,
        )
    person.addresses.insert(0, address)
    _add_search_keys(
        person, matching.person_keys(first_name="", last_name="", address_lines=[line1])
    )
    return address


def place_address(
    address: PersonAddress,
    latitude: float,
    longitude: float,
    status: LocationStatus,
    *,
    index: PrecinctIndex | None = None,
) -> Area:
    """Put the address at a point: its precinct and borough follow from the precinct
    boundaries, never from what anyone typed (both empty outside every precinct)."""
    area = (index or current_index()).locate(latitude, longitude)
    address.latitude, address.longitude = latitude, longitude
    address.location_status = status
    address.precinct, address.borough = area.precinct, area.borough
    return area


def area_words(area: Area) -> str:
    """'the 75th Precinct, Brooklyn', or 'outside the program's area'."""
    if area.precinct is None or area.borough is None:
        return "outside the program's area"
    return f"the {precinct_label(area.precinct)}, {area.borough.label}"


@dataclass
class DetailsEdit:
    """Everything the "Edit details" page changes about a person."""

    first_name: str
    last_name: str
    middle_name: str | None = None
    preferred_name: str | None = None
    date_of_birth: date | None = None
    date_of_birth_estimated: bool = False
    gender_description: str | None = None
    needs_interpreter: bool = False
    # In order: the first language is the preferred one.
    languages: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    # HMIS answers; None leaves them as they are (set_demographics).
    race_ethnicity: list[RaceEthnicity] | None = None
    gender: list[Gender] | None = None


DETAIL_LABELS = {
    "first_name": "first name",
    "middle_name": "middle name",
    "last_name": "last name",
    "preferred_name": "preferred name",
    "date_of_birth": "date of birth",
    "date_of_birth_estimated": "date of birth estimated",
    "race_ethnicity": "race and ethnicity",
    "gender": "gender",
    "gender_description": "gender in the person's words",
    "needs_interpreter": "needs an interpreter",
    "languages": "languages",
    "phones": "phones",
    "aliases": "other names",
}


def update_person_details(
    person: Person,
    details: DetailsEdit,
    *,
    by: User,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> list[str]:
    """Correct a person's identity details; returns what changed (empty: nothing did).

    `person` needs its phones, languages, aliases and addresses loaded. Old phones and other names
    are retired, never deleted. A change prepared from an older version is refused.
    """
    check_version(person, expected_version, f"The details of {person.display_name}")
    first, last = _required_names(details.first_name, details.last_name)
    dob, _ = _birth_date(PersonDetails(first, last, date_of_birth=details.date_of_birth))
    values: dict[str, object] = {
        "first_name": first,
        "middle_name": _clean(details.middle_name),
        "last_name": last,
        "preferred_name": _clean(details.preferred_name),
        "date_of_birth": dob,
        "date_of_birth_estimated": bool(details.date_of_birth_estimated and dob is not None),
        "gender_description": _clean(details.gender_description),
        "needs_interpreter": bool(details.needs_interpreter),
    }
    demographics = set_demographics(
        person, race_ethnicity=details.race_ethnicity, gender=details.gender
    )
    changed = [name for name, value in values.items() if getattr(person, name) != value]
    for name in changed:
        setattr(person, name, values[name])
    person.first_name_key, person.last_name_key = name_key(first), name_key(last)
    now = utcnow()
    if _set_languages(person, details.languages):
        changed.append("languages")
    if _set_phones(person, details.phones, now):
        changed.append("phones")
    if _set_aliases(person, details.aliases, now):
        changed.append("aliases")
    changed += demographics
    if not changed:
        return []
    refresh_search_keys(person)
    _touch(person)
    flush_or_conflict(f"The details of {person.display_name}", expected_version)
    record_change(
        AuditAction.UPDATE,
        person,
        by=by,
        person_id=person.id,
        category=DataCategory.IDENTITY,
        detail="details edited: " + ", ".join(DETAIL_LABELS[name] for name in changed),
        request_info=request_info,
    )
    return changed


def _set_languages(person: Person, languages: list[str]) -> bool:
    """Add and reorder languages. One on record is never dropped from the record."""
    wanted: list[str] = []
    for raw in languages:
        language = _clean(raw)
        if language and language.lower() not in {w.lower() for w in wanted}:
            wanted.append(language)
    keys = [w.lower() for w in wanted]
    missing = [lang.language for lang in person.languages if lang.language.lower() not in keys]
    if missing:
        raise PersonError(
            f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} on record and "
            "cannot be removed here; languages can be added or put in a different order.",
            field="languages",
        )
    before = [lang.language for lang in person.languages]
    have = {lang.language.lower(): lang for lang in person.languages}
    for position, language in enumerate(wanted):
        row = have.get(language.lower())
        if row is None:
            person.languages.append(PersonLanguage(language=language, position=position))
        elif row.position != position:
            row.position = position
    person.languages.sort(key=lambda lang: lang.position)
    return before != [lang.language for lang in person.languages]


def _set_phones(person: Person, numbers: list[str], now: datetime) -> bool:
    """Make these the current numbers: new ones added, missing ones retired (kept)."""
    wanted: dict[str, str] = {}
    for raw in numbers:
        number = _clean(raw)
        if not number:
            continue
        digits = phone_digits(number)
        if len(digits) < limits.PHONE_DIGITS_MIN:
            raise PersonError(f"{number!r} is too short for a phone number.", field="phones")
        if len(digits) > limits.PHONE_DIGITS_MAX:
            raise PersonError(
                f"{number!r} has more than {limits.PHONE_DIGITS_MAX} digits: not a phone number.",
                field="phones",
            )
        wanted.setdefault(digits, number)
    changed = False
    current = {p.digits: p for p in person.phones if p.current}
    for digits, phone in current.items():
        if digits not in wanted:
            phone.current, phone.retired_at = False, now
            changed = True
    for digits, number in wanted.items():
        if digits not in current:
            person.phones.insert(
                0, PersonPhone(number=number, digits=digits, current=True, recorded_at=now)
            )
            changed = True
    return changed


def _set_aliases(person: Person, names: list[str], now: datetime) -> bool:
    """Make these the other names in use: new ones added, missing ones retired (kept)."""
    wanted: dict[str, str] = {}
    for raw in names:
        name = _clean(raw)
        if name:
            wanted.setdefault(name_key(name), name)
    changed = False
    current = {a.name_key: a for a in person.aliases if a.retired_at is None}
    for key, alias in current.items():
        if key not in wanted:
            alias.retired_at = now
            changed = True
    for key, name in wanted.items():
        if key not in current:
            person.aliases.append(PersonAlias(name=name, name_key=key, created_at=now))
            changed = True
    return changed


def correct_location(
    address: PersonAddress,
    *,
    latitude: float | None,
    longitude: float | None,
    by: User,
    whereabouts_note: str | None = None,
    request_info: RequestInfo | None = None,
) -> Area:
    """Set an address's point by hand (after a failed or rough lookup) or from a tablet's
    position; the precinct and borough follow from it. A point in no precinct (the water,
    outside the city) is refused: the person could not be found there. A refused point
    changes nothing, `whereabouts_note` ("last seen under the bridge") included."""
    if latitude is None or longitude is None:
        raise PersonError("Give both latitude and longitude.", field="latitude")
    if not (math.isfinite(latitude) and math.isfinite(longitude)):
        raise PersonError("Latitude and longitude must be numbers.", field="latitude")
    check_point(
        latitude, longitude, error=PersonError, latitude_field="latitude",
        longitude_field="longitude",
    )  # fmt: skip
    index = current_index()
    if not index.locate(latitude, longitude).inside:
        raise PersonError(
            f"{latitude:.5f}, {longitude:.5f} is outside the program's area: no NYC police "
            "precinct contains it (it is in the water or outside the city). Check the "
            "latitude and longitude.",
            field="latitude",
        )
    area = place_address(address, latitude, longitude, LocationStatus.MANUAL, index=index)
    if whereabouts_note is not None:
        address.whereabouts_note = _clean(whereabouts_note)
    record_change(
        AuditAction.UPDATE,
        address,
        by=by,
        category=DataCategory.IDENTITY,
        detail=f"location set by hand: {area_words(area)}",
        request_info=request_info,
    )
    return area


def rederive_address_areas(index: PrecinctIndex, *, by: User | None = None) -> int:
    """Give every placed address the precinct and borough its point is in under `index`
    (new boundaries); returns how many changed, each with an audit event."""
    rows = db.session.execute(
        select(
            PersonAddress.id, PersonAddress.person_id, PersonAddress.latitude,
            PersonAddress.longitude, PersonAddress.precinct, PersonAddress.borough,
        ).where(PersonAddress.latitude.is_not(None), PersonAddress.longitude.is_not(None))
    ).all()  # fmt: skip
    moves = []
    for address_id, person_id, latitude, longitude, precinct, borough in rows:
        if latitude is None or longitude is None:  # the query left these out
            continue
        area = index.locate(latitude, longitude)
        if (area.precinct, area.borough) != (precinct, borough):
            moves.append((address_id, person_id, precinct, area))
    with rewriting({person_id for _, person_id, _, _ in moves}):
        for address_id, person_id, precinct, area in moves:
            db.session.execute(
                update(PersonAddress)
                .where(PersonAddress.id == address_id)
                .values(precinct=area.precinct, borough=area.borough)
            )
            before = f"the {precinct_label(precinct)}" if precinct else "no precinct"
            record_event(
                AuditAction.UPDATE, by=by, record_type="person_address", record_id=address_id,
                person_id=person_id, category=DataCategory.IDENTITY,
                detail=f"precinct from new boundaries: {before} → {area_words(area)}",
            )  # fmt: skip
    changed = len(moves)
    return changed


# --- Merging two records of one person, and undoing it ----------------------------------


class MergeError(PersonError):
    """A merge or unmerge the rules refuse (the message says what to do first)."""


# The fields of the record a supervisor chooses between, and what goes with each.
MERGE_FIELDS = {
    "first_name": "First name",
    "middle_name": "Middle name",
    "last_name": "Last name",
    "preferred_name": "Preferred name",
    "date_of_birth": "Date of birth",
    "gender_description": "Gender in the person's words",
    "needs_interpreter": "Needs an interpreter",
}
_FOLLOWERS = {
    "first_name": ("first_name_key",),
    "last_name": ("last_name_key",),
    "date_of_birth": ("date_of_birth_estimated",),
}
# Rows that move to the survivor, all of them: every table with a person_id.
MERGE_MOVES_ALL = (
    "person_alias", "person_phone", "person_address", "support_contact", "referral", "case",
    "contact", "linkage", "consent", "disclosure",
)  # fmt: skip
# Rows that move when the survivor lacks them: languages it does not speak yet (after
# its own, in order); the HMIS answers of a question the survivor has no answer to (an
# answer set is the person's answer as a whole: two are never mixed).
MERGE_MOVES_SOME = ("person_language", "person_race_ethnicity", "person_gender")
# Rows that stay with the record they were written about: the audit trail (append-only),
# the break-glass grants and their reviews (who opened which record), the search keys
# (rebuilt from the record) and the merges themselves.
MERGE_STAYS = ("audit_event", "audit_event_person", "break_glass_access", "person_search_key")


def _table(name: str) -> Table:
    return db.metadata.tables[name]


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _unjson(name: str, value: object) -> object:
    if isinstance(value, str) and name == "date_of_birth":
        return date.fromisoformat(value)
    if isinstance(value, str) and name == "updated_at":
        return datetime.fromisoformat(value)
    return value


def merge_refusal(survivor: Person, other: Person) -> str | None:
    """Why these two records may not be merged now (None: they may)."""
    if survivor.id == other.id:
        return "A record cannot be merged into itself: choose the other record of this person."
    for person in (survivor, other):
        if person.merged_into_id is not None:
            return (
                f"Record #{person.id} was already merged into record #{person.merged_into_id}: "
                "merge with that record instead."
            )
    ids = [survivor.id, other.id]
    open_cases = db.session.execute(
        select(Case.id, Case.person_id).where(Case.person_id.in_(ids), Case.closed_at.is_(None))
    ).all()
    if len({person_id for _, person_id in open_cases}) > 1:
        numbers = ", ".join(f"#{case_id}" for case_id, _ in sorted(open_cases))
        return (
            f"Both records have an open case ({numbers}): a person has one open case at a "
            "time. Close one of them (or transfer its work to the other), then merge."
        )
    waiting = db.session.scalar(
        select(func.count(BreakGlassAccess.id)).where(
            BreakGlassAccess.person_id.in_(ids), BreakGlassAccess.acknowledged_at.is_(None)
        )
    )
    if waiting:
        return (
            "An emergency (break-glass) access to one of these records waits for a clinical "
            "supervisor's review: the review must be of the record that was opened. Review it "
            "first, then merge."
        )
    return None


def _rows_of(person_id: int, tables: Iterable[str]) -> dict[str, list[int]]:
    return {
        name: list(
            db.session.scalars(
                select(_table(name).c.id)
                .where(_table(name).c.person_id == person_id)
                .order_by(_table(name).c.id)
            )
        )
        for name in tables
    }


def _move_rows(entries: Iterable[dict[str, Any]], which: str) -> None:
    """Set each row's columns to `entry[which]`, one statement per table and values.
    Columns a change stamps (a case's updated_at) keep their value: moving a row to the
    other record of its person is not a change to it."""
    groups: dict[tuple[str, tuple[tuple[str, object], ...]], list[int]] = {}
    for entry in entries:
        key = (entry["table"], tuple(sorted(entry[which].items())))
        groups.setdefault(key, []).append(entry["id"])
    for (name, values), ids in groups.items():
        table = _table(name)
        stamps = {c.name: c for c in table.columns if c.onupdate is not None}
        stored = {
            column: datetime.fromisoformat(value)
            if isinstance(value, str) and isinstance(table.c[column].type, UTCDateTime)
            else value
            for column, value in values
        }
        db.session.execute(update(table).where(table.c.id.in_(ids)).values(**stamps, **stored))


def _reload(person_id: int) -> Person:
    """The person as stored now, with what refresh_search_keys and the pages read."""
    person = db.session.scalars(
        select(Person)
        .options(
            selectinload(Person.aliases), selectinload(Person.phones),
            selectinload(Person.addresses), selectinload(Person.languages),
            selectinload(Person.race_ethnicity_rows), selectinload(Person.gender_rows),
            selectinload(Person.search_keys),
        )
        .where(Person.id == person_id)
        .execution_options(populate_existing=True)
    ).one()  # fmt: skip
    return person


def _partial_moves(survivor: Person, other: Person) -> list[dict[str, Any]]:
    """The languages and HMIS answers that move (MERGE_MOVES_SOME)."""
    moves: list[dict[str, Any]] = []
    spoken = {lang.language.lower() for lang in survivor.languages}
    position = max((lang.position for lang in survivor.languages), default=-1) + 1
    for lang in sorted(other.languages, key=lambda lang: lang.position):
        if lang.language.lower() in spoken:
            continue
        moves.append({
            "table": "person_language", "id": lang.id,
            "before": {"person_id": other.id, "position": lang.position},
            "after": {"person_id": survivor.id, "position": position},
        })  # fmt: skip
        spoken.add(lang.language.lower())
        position += 1
    answers: list[tuple[str, list[PersonRaceEthnicity] | list[PersonGender], bool]] = [
        ("person_race_ethnicity", other.race_ethnicity_rows, not survivor.race_ethnicity_rows),
        ("person_gender", other.gender_rows, not survivor.gender_rows),
    ]
    for name, rows, moves_here in answers:
        if moves_here:
            moves += [
                {"table": name, "id": row.id, "before": {"person_id": other.id},
                 "after": {"person_id": survivor.id}}
                for row in rows
            ]  # fmt: skip
    return moves


def _take_turns(*people: Person) -> None:
    """Take turns on these people until the transaction ends (as cases.services.
    lock_person_cases does for one: a statement that writes each row without changing
    it), in id order, so two merges of one pair never wait for each other; then read
    again what another merge may have changed meanwhile."""
    table = cast(Table, Person.__table__)
    for person_id in sorted({p.id for p in people}):
        db.session.execute(
            update(table)
            .where(table.c.id == person_id)
            .values(version=table.c.version, updated_at=table.c.updated_at)
        )
    for person in people:
        db.session.refresh(person, ["merged_into_id", "version", "updated_at"])


def _one_current_address(
    survivor: Person, other: Person, moved: list[dict[str, Any]], *, from_other: bool
) -> list[dict[str, Any]]:
    """Leave the survivor one current address: the one not chosen is retired now (kept,
    as a past address). Changes the moved entries of the other's addresses in place;
    returns entries for the survivor's own addresses it retires ("stays": they are the
    survivor's, and an unmerge only makes them current again)."""
    mine = [a for a in survivor.addresses if a.current]
    theirs = {a.id for a in other.addresses if a.current}
    if not mine or not theirs:
        return []
    retire = {"current": False, "retired_at": _json(utcnow())}
    current = {"current": True, "retired_at": None}
    if not from_other:
        for entry in moved:
            if entry["table"] == "person_address" and entry["id"] in theirs:
                entry["before"] |= current
                entry["after"] |= retire
        return []
    return [
        {"table": "person_address", "id": a.id, "before": current, "after": retire,
         "stays": True}
        for a in mine
    ]  # fmt: skip


def merge_people(
    survivor: Person,
    other: Person,
    *,
    by: User,
    take_from_other: Iterable[str] = (),
    current_address_from_other: bool = False,
    expected_versions: tuple[int | None, int | None] = (None, None),
    request_info: RequestInfo | None = None,
) -> PersonMerge:
    """Make two records of one person one: everything on `other` (names, phones,
    addresses, support contacts, referrals, cases, contacts, connections, consents,
    disclosures) moves to `survivor`, which takes the fields named in `take_from_other`
    from it; `other` stays as a tombstone pointing to the survivor. One current address
    stays current (the survivor's, or the other's with `current_address_from_other`);
    the other is kept as a past address. Undone by unmerge_people. Both people need
    their addresses, languages and HMIS answers loaded."""
    _take_turns(survivor, other)
    check_version(survivor, expected_versions[0], f"The record of {survivor.display_name}")
    check_version(other, expected_versions[1], f"The record of {other.display_name}")
    refusal = merge_refusal(survivor, other)
    if refusal is not None:
        raise MergeError(refusal)
    taken = [name for name in MERGE_FIELDS if name in set(take_from_other)]
    unknown = set(take_from_other) - set(MERGE_FIELDS)
    if unknown:
        raise MergeError(f"Unknown field(s) to take: {', '.join(sorted(unknown))}.")
    moved = [
        {"table": name, "id": row_id, "before": {"person_id": other.id},
         "after": {"person_id": survivor.id}}
        for name, ids in _rows_of(other.id, MERGE_MOVES_ALL).items()
        for row_id in ids
    ]  # fmt: skip
    moved += _partial_moves(survivor, other)
    moved += _one_current_address(survivor, other, moved, from_other=current_address_from_other)
    survivor_rows = _rows_of(survivor.id, (*MERGE_MOVES_ALL, *MERGE_MOVES_SOME))
    db.session.flush()
    with rewriting((survivor.id, other.id)):
        _move_rows(moved, "after")
    changed = [f for name in taken for f in (name, *_FOLLOWERS.get(name, ()))]
    before = {f: _json(getattr(survivor, f)) for f in (*changed, "updated_at")}
    for name in changed:
        setattr(survivor, name, getattr(other, name))
    merged_before = {"updated_at": _json(other.updated_at)}
    other.merged_into_id = survivor.id
    _touch(survivor)
    flush_or_conflict("These records", None)
    after = {f: _json(getattr(survivor, f)) for f in (*changed, "updated_at")}
    merge = PersonMerge(
        survivor_id=survivor.id, merged_id=other.id, merged_by_id=by.id,
        survivor_before=before, survivor_after=after, merged_before=merged_before,
        moved=moved,
        survivor_rows=survivor_rows,
    )  # fmt: skip
    db.session.add(merge)
    db.session.flush()
    # The rows moved underneath what the session holds: read both records afresh.
    db.session.expire_all()
    for person_id in (survivor.id, other.id):
        refresh_search_keys(_reload(person_id))
    db.session.flush()
    counts = _counts(e for e in moved if not e.get("stays"))
    record_event(
        AuditAction.MERGE, by=by, record_type="person_merge", record_id=merge.id,
        person_id=survivor.id, person_ids=[survivor.id, other.id],
        category=DataCategory.IDENTITY,
        detail=(
            f"record #{other.id} merged into #{survivor.id}; moved: {_counts_words(counts)}"
            + (f"; taken from #{other.id}: " + ", ".join(
                MERGE_FIELDS[n].lower() for n in taken) if taken else "")
        ),
        request_info=request_info,
    )  # fmt: skip
    return merge


def _counts(entries: Iterable[dict[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry["table"]] = counts.get(entry["table"], 0) + 1
    return counts


def _counts_words(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in sorted(counts.items())) or (
        "nothing"
    )


@dataclass
class UnmergePlan:
    """What an unmerge would do, for the page that asks to confirm it and the service."""

    merge: PersonMerge
    refusal: str | None = None
    # Rows going back to the merged record: those the merge moved, by table...
    going_back: dict[str, int] = field(default_factory=dict)
    # ...and rows added since on a case going back (its contacts, connections, referrals).
    with_cases: list[dict[str, Any]] = field(default_factory=list)
    # Rows added to the survivor since the merge: they stay with it, by table.
    staying: dict[str, int] = field(default_factory=dict)
    # The survivor's fields changed since the merge: they keep their new value.
    fields_kept: list[str] = field(default_factory=list)
    deadline: datetime | None = None

    @property
    def with_cases_counts(self) -> dict[str, int]:
        return _counts(self.with_cases)


def unmerge_deadline(merge: PersonMerge) -> datetime:
    return merge.merged_at + timedelta(days=limits.UNMERGE_DAYS)


def unmerge_plan(merge: PersonMerge, survivor: Person, merged: Person) -> UnmergePlan:
    """What undoing the merge would move back and leave, or why it cannot be undone."""
    deadline = unmerge_deadline(merge)
    plan = UnmergePlan(merge, deadline=deadline)
    if merge.undone_at is not None:
        plan.refusal = "This merge has already been undone."
        return plan
    if utcnow() > deadline:
        plan.refusal = (
            f"This merge was made more than {limits.UNMERGE_DAYS} days ago and can no longer "
            "be undone. Correct the record by hand instead (Edit details)."
        )
        return plan
    if survivor.merged_into_id is not None:
        plan.refusal = (
            f"Record #{survivor.id} has since been merged into record #{survivor.merged_into_id}: "
            "undo that merge first."
        )
        return plan
    if merged.merged_into_id != survivor.id:
        plan.refusal = f"Record #{merged.id} is no longer merged into #{survivor.id}."
        return plan
    moved_ids: dict[str, set[int]] = {}
    for entry in merge.moved:
        moved_ids.setdefault(entry["table"], set()).add(entry["id"])
    now_with_survivor = _rows_of(survivor.id, (*MERGE_MOVES_ALL, *MERGE_MOVES_SOME))
    for name, moved_here in moved_ids.items():
        missing = moved_here - set(now_with_survivor.get(name, ()))
        if missing:
            plan.refusal = (
                f"{len(missing)} {name.replace('_', ' ')} row(s) the merge moved are no longer "
                f"with record #{survivor.id}: this merge cannot be undone exactly."
            )
            return plan
    plan.going_back = _counts(e for e in merge.moved if not e.get("stays"))
    plan.with_cases = _added_on_moved_cases(merge, survivor.id, moved_ids)
    following = {(e["table"], e["id"]) for e in plan.with_cases}
    for name, ids in now_with_survivor.items():
        before = set(merge.survivor_rows.get(name, ()))
        added = [
            i for i in ids
            if i not in before and i not in moved_ids.get(name, ()) and (name, i) not in following
        ]  # fmt: skip
        if added:
            plan.staying[name] = len(added)
    plan.fields_kept = [
        name
        for name in merge.survivor_after
        if name != "updated_at" and _json(getattr(survivor, name)) != merge.survivor_after[name]
    ]
    return plan


def _added_on_moved_cases(
    merge: PersonMerge, survivor_id: int, moved_ids: dict[str, set[int]]
) -> list[dict[str, Any]]:
    """Rows recorded since the merge on a case going back: they go back with their case
    (a contact, a connection, a repeat referral that joined it)."""
    cases = sorted(moved_ids.get("case", ()))
    if not cases:
        return []
    found: list[dict[str, Any]] = []
    for model in (Contact, Linkage):
        ids = db.session.scalars(
            select(model.id).where(model.case_id.in_(cases), model.person_id == survivor_id)
        )
        found += [{"table": model.__tablename__, "id": i} for i in ids
                  if i not in moved_ids.get(model.__tablename__, ())]  # fmt: skip
    referrals = db.session.scalars(
        select(Referral.id)
        .join(CaseEvent, CaseEvent.referral_id == Referral.id)
        .where(CaseEvent.case_id.in_(cases), Referral.person_id == survivor_id)
        .distinct()
    )
    found += [{"table": "referral", "id": i} for i in referrals
              if i not in moved_ids.get("referral", ())]  # fmt: skip
    return found


def unmerge_people(
    merge: PersonMerge, *, by: User, request_info: RequestInfo | None = None
) -> UnmergePlan:
    """Undo a merge: the rows it moved go back, the survivor's fields it changed get
    their old values (those changed since keep theirs), the tombstone is a record again.
    Rows added to the survivor since stay with it, except those on a case going back."""
    survivor, merged = _reload(merge.survivor_id), _reload(merge.merged_id)
    _take_turns(survivor, merged)
    db.session.refresh(merge)
    plan = unmerge_plan(merge, survivor, merged)
    if plan.refusal is not None:
        raise MergeError(plan.refusal)
    db.session.flush()
    with rewriting((survivor.id, merged.id)):
        _move_rows(merge.moved, "before")
        _move_rows(({**e, "back": {"person_id": merged.id}} for e in plan.with_cases), "back")
    followers = {f for name in plan.fields_kept for f in _FOLLOWERS.get(name, ())}
    for name, value in merge.survivor_before.items():
        if name == "updated_at" or name in plan.fields_kept or name in followers:
            continue
        setattr(survivor, name, _unjson(name, value))
    if not plan.fields_kept and _json(survivor.updated_at) == merge.survivor_after["updated_at"]:
        survivor.updated_at = _unjson("updated_at", merge.survivor_before["updated_at"])  # type: ignore[assignment]
    else:
        _touch(survivor)
    merged.merged_into_id = None
    merged.updated_at = _unjson("updated_at", merge.merged_before["updated_at"])  # type: ignore[assignment]
    merge.undone_at, merge.undone_by_id = utcnow(), by.id
    flush_or_conflict("These records", None)
    db.session.expire_all()
    for person_id in (merge.survivor_id, merge.merged_id):
        refresh_search_keys(_reload(person_id))
    db.session.flush()
    detail = f"merge of #{merge.merged_id} into #{merge.survivor_id} undone; moved back: "
    detail += _counts_words(plan.going_back)
    if plan.with_cases:
        detail += f"; with their cases: {_counts_words(_counts(plan.with_cases))}"
    if plan.staying:
        detail += f"; staying with #{merge.survivor_id}: {_counts_words(plan.staying)}"
    record_event(
        AuditAction.UNMERGE, by=by, record_type="person_merge", record_id=merge.id,
        person_id=merge.survivor_id, person_ids=[merge.survivor_id, merge.merged_id],
        category=DataCategory.IDENTITY, detail=detail, request_info=request_info,
    )  # fmt: skip
    return plan

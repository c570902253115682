"""People: names, birth dates, languages, addresses, phones, aliases and support contacts,
built directly with the models."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from coresponse.demo.dice import Dice
from coresponse.demo.plans import Outcome, PersonPlan
from coresponse.demo.reference import (
    CASE_MANAGER_ORGANIZATIONS,
    COMMUNITIES,
    GENDER_ANSWERS,
    GENDER_DESCRIPTIONS,
    GENDER_MISSING,
    MISSPELLINGS,
    NEIGHBORHOODS,
    NEIGHBORHOODS_BY_NAME,
    PREFERRED_NAMES,
    RACE_ETHNICITY_MISSING,
    STREET_NAMES,
    TREATING_ORGANIZATIONS,
    WHEREABOUTS,
    Community,
    Neighborhood,
)
from coresponse.demo.timelines import Episode, episode_times
from coresponse.demo.world import World
from coresponse.geo.nyc import precinct_label
from coresponse.geo.precincts import OUTSIDE, PrecinctIndex, shipped_index
from coresponse.geo.services import zip_info
from coresponse.people.details import name_key, phone_digits
from coresponse.people.matching import person_keys
from coresponse.people.models import (
    Borough,
    Gender,
    LocationStatus,
    Person,
    PersonAddress,
    PersonAlias,
    PersonGender,
    PersonLanguage,
    PersonPhone,
    PersonRaceEthnicity,
    PersonSearchKey,
    PhoneKind,
    RaceEthnicity,
    SupportContact,
    SupportRelationship,
)

_O = Outcome


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


def draft_person(world: World, plan: PersonPlan) -> PersonDraft:
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
    words = pronouns(gender)
    words["name"] = preferred or first

    episodes = episode_times(dice, world.now, plan.episodes)
    created = min(e.received_at for e in episodes)
    languages, needs_interpreter = pick_languages(dice, community)
    words["language"] = languages[0]
    dob, estimated = pick_birth_date(dice, world.today())
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
        needs_interpreter=needs_interpreter,
        created_at=created,
        updated_at=created,
        created_by_id=intake_id,
        support_contacts=supports,
    )
    rows = world.rows
    aliases = alias_rows(dice, community, first, last, feminine, created)
    for alias in aliases:
        rows.add(PersonAlias, person, "person_id", **alias)
    for position, language in enumerate(languages):
        rows.add(PersonLanguage, person, "person_id", language=language, position=position)
    addresses = [address_row(residence, intake_id) for residence in residences]
    for address in addresses:
        rows.add(PersonAddress, person, "person_id", **address)
    phones = phone_rows(dice, created, world.now)
    for phone in phones:
        rows.add(PersonPhone, person, "person_id", **phone)
    for key in person_keys(
        first_name=first, last_name=last, middle_name=middle, preferred_name=preferred,
        date_of_birth=dob, aliases=[a["name"] for a in aliases],
        phones=[p["digits"] for p in phones], address_lines=[a["line1"] for a in addresses],
    ):  # fmt: skip
        rows.add(
            PersonSearchKey, person, "person_id", kind=key.kind, key=key.key, phonetic=key.phonetic
        )
    races, genders = hmis_answers(community, gender, seed=f"{first} {last} {dob}")
    for race in races:
        rows.add(PersonRaceEthnicity, person, "person_id", race_ethnicity=race)
    for answer in genders:
        rows.add(PersonGender, person, "person_id", gender=answer)
    person.gender_description = next(
        (GENDER_DESCRIPTIONS[g.value] for g in genders if g.value in GENDER_DESCRIPTIONS), None
    )
    return PersonDraft(
        dice, plan, person, community, words, residences, supports, episodes, intake_id
    )


def hmis_answers(
    community: Community, gender: str, *, seed: str
) -> tuple[list[RaceEthnicity], list[Gender]]:
    """The person's HMIS race and ethnicity and gender answers (people.toml's demographics).

    Drawn from dice of their own, seeded by the person's name and birth date, so adding
    them left every other draw of the demo (names, addresses, histories) as it was.
    """
    dice = Dice(zlib.crc32(seed.encode()))

    def answers(missing: str, theirs: Sequence[tuple[str, float]]) -> list[str]:
        if missing == "none":
            return []
        return (missing or dice.weighted(theirs)).split("+")

    race_missing, gender_missing = (
        dice.weighted(RACE_ETHNICITY_MISSING),
        dice.weighted(GENDER_MISSING),
    )
    races = answers(race_missing, community.race_ethnicity)
    genders = answers(gender_missing, GENDER_ANSWERS[gender])
    return [RaceEthnicity(r) for r in races], [Gender(g) for g in genders]


def pronouns(gender: str) -> dict[str, str]:
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


def pick_birth_date(dice: Dice, today: date) -> tuple[date, bool]:
    """Ages 18–80, mostly 20s to 50s; one in ten worked out from an approximate age."""
    age = 18 + int(dice.skewed(0, 61.99, 1.35))
    born = today - timedelta(days=int(age * 365.25) + dice.integer(0, 364))
    if dice.chance(0.1):
        # An estimated birth date is conventionally 1 January of the year.
        return date(born.year, 1, 1), True
    return born, False


def pick_languages(dice: Dice, community: Community) -> tuple[list[str], bool]:
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
    home = NEIGHBORHOODS_BY_NAME[plan.home] if plan.home else home_place(dice, community)
    main = [e for e in episodes if e.plan.outcome is not _O.DUPLICATE]
    moved_at, new_home = None, None
    if plan.home is None and len(main) > 1 and (plan.moved or dice.chance(0.35)):
        moved_at, new_home = main[-1].received_at, home_place(dice, community)
    elif plan.home is None and dice.chance(0.08):
        moved_at = min(first_at + dice.hours(2, 72), world.now - timedelta(hours=1))
        same_borough = [n for n in NEIGHBORHOODS if n.borough is home.borough]
        new_home = dice.pick(same_borough)
    if moved_at is None or new_home is None:
        return [make_residence(dice, home, first_at, None, words)]
    return [
        make_residence(dice, home, first_at, moved_at, words),
        make_residence(dice, new_home, moved_at, None, words),
    ]


def home_place(dice: Dice, community: Community) -> Neighborhood:
    if dice.chance(0.75):
        return NEIGHBORHOODS_BY_NAME[dice.pick(community.neighborhoods)]
    return dice.weighted([(n, n.weight) for n in NEIGHBORHOODS])


def make_residence(
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
    latitude: float | None
    longitude: float | None
    latitude, longitude = _near(dice, place)
    note_fill = dict(words, street=street, cross=cross, landmark=landmark)
    whereabouts = dice.pick(WHEREABOUTS).format_map(note_fill) if dice.chance(0.25) else None
    if status is LocationStatus.APPROXIMATE:
        # Where the offline geocoder puts it: the ZIP code's centre (its precinct follows,
        # and in a few neighborhoods is not the one the person lives in).
        line1, apartment = f"{street} near {cross}", None
        latitude, longitude = _zip_centre(place)
    elif status is LocationStatus.NEEDED:
        latitude = longitude = None
        if dice.chance(0.5):
            line1, apartment = f"No fixed address, last seen near {landmark}", None
            whereabouts = whereabouts or dice.pick(WHEREABOUTS).format_map(note_fill)
    return Residence(
        place, line1, apartment, status, latitude, longitude, whereabouts, since, until
    )


def _near(dice: Dice, place: Neighborhood) -> tuple[float, float]:
    """A point a few blocks from the place's, inside its precinct (the place's own point
    when a few tries all land across the line or in the water)."""
    for _ in range(6):
        latitude = round(place.latitude + dice.between(-0.006, 0.006), 6)
        longitude = round(place.longitude + dice.between(-0.008, 0.008), 6)
        if shipped_index().locate(latitude, longitude).precinct == place.precinct:
            return latitude, longitude
    return place.latitude, place.longitude


def _zip_centre(place: Neighborhood) -> tuple[float, float]:
    info = zip_info(place.postal_code)
    if info is None:
        return place.latitude, place.longitude
    return float(info["lat"]), float(info["long"])


def _house_address(dice: Dice, place: Neighborhood, street: str) -> str:
    # Queens addresses name the cross street in the house number: 89-14 165th St.
    if place.borough is Borough.QUEENS:
        return f"{dice.integer(30, 190)}-{dice.integer(1, 60):02d} {street}"
    return f"{dice.integer(10, 1450)} {street}"


def address_row(
    residence: Residence, recorded_by_id: int, *, index: PrecinctIndex | None = None
) -> dict[str, Any]:
    """The address as stored: its precinct and borough follow from its point, as the
    services place one (none without a point); `index`: the boundaries to use (the
    shipped ones unless given)."""
    place = residence.place
    area = (
        (index or shipped_index()).locate(residence.latitude, residence.longitude)
        if residence.latitude is not None and residence.longitude is not None
        else OUTSIDE
    )
    return {
        "line1": residence.line1,
        "line2": residence.line2,
        "city": place.city,
        "state": "NY",
        "postal_code": place.postal_code,
        "borough": area.borough,
        "precinct": area.precinct,
        "latitude": residence.latitude,
        "longitude": residence.longitude,
        "location_status": residence.status,
        "whereabouts_note": residence.whereabouts,
        "current": residence.until is None,
        "recorded_at": residence.since,
        "retired_at": residence.until,
        "recorded_by_id": recorded_by_id,
    }


def phone_rows(dice: Dice, created: datetime, now: datetime) -> list[dict[str, Any]]:
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


def alias_rows(
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


RELATIONS: tuple[tuple[SupportRelationship, tuple[str, ...], float], ...] = (
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

SAME_SURNAME = (
    SupportRelationship.PARENT,
    SupportRelationship.SIBLING,
    SupportRelationship.CHILD,
    SupportRelationship.OTHER_FAMILY,
)

FEMININE_DETAILS = ("Mother", "Sister", "Wife", "Girlfriend", "Daughter", "Aunt", "Grandmother")

MASCULINE_DETAILS = ("Father", "Brother", "Husband", "Boyfriend", "Son", "Uncle")


def _support_contacts(
    dice: Dice, community: Community, surname: str, created: datetime, plan: PersonPlan
) -> list[SupportContact]:
    """Family, friends and professionals in the person's life."""
    count = dice.weighted(((0, 15), (1, 35), (2, 30), (3, 20)))
    kinds = dice.weighted_sample([((r, d), w) for r, d, w in RELATIONS], count)
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
    feminine = detail in FEMININE_DETAILS or (detail not in MASCULINE_DETAILS and dice.chance(0.5))
    first = dice.pick(community.female if feminine else community.male)
    last = surname if relationship in SAME_SURNAME else dice.pick(community.surnames)
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


def words_for(draft: PersonDraft, place: Neighborhood, **extra: str) -> dict[str, str]:
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

"""One matcher: every rule holds for people search and for the intake's duplicate check.

Each rule is checked through the database (the stored keys, the candidate statement and
the scoring), on SQLite and on PostgreSQL alike, once as a search and once as the
duplicate check; the pure functions that make keys and read a search box come first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from flask import Flask

from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.people import matching, services
from coresponse.people.details import PersonDetails
from coresponse.people.matching import QueryError
from coresponse.people.models import Person
from coresponse.people.queries import find_possible_duplicates, search_people
from coresponse.people.services import DetailsEdit
from tests.factories import add_alias, make_person, make_user

# --- Keys and queries, without the database -------------------------------------------


@pytest.mark.parametrize("spelling", ["El-Sayed", "El Sayed", "elsayed", "EL  SAYED", "El‐Sayed"])
def test_hyphens_spaces_and_case_fold_to_one_key(spelling: str) -> None:
    assert matching.name_keys(spelling)[0] == "elsayed"


def test_accents_fold_away() -> None:
    assert matching.fold("José Núñez") == "josenunez" == matching.fold("Jose Nunez")


def test_a_name_of_several_parts_is_kept_whole_and_by_part() -> None:
    assert matching.name_keys("Mary-Ann") == ["maryann", "mary", "ann"]
    assert matching.name_keys("O'Brien") == ["obrien", "o", "brien"]


def test_names_that_sound_alike_share_a_code() -> None:
    assert matching.phonetic("kaled") == matching.phonetic("khaled")
    assert matching.phonetic("al") is None  # too short to say anything


def test_addresses_fold_street_words() -> None:
    assert matching.address_keys("12 Pennsylvania Avenue") == (
        "12pennsylvaniaave",
        "pennsylvaniaave",
    )
    assert matching.address_keys("12 Pennsylvania Ave.")[0] == "12pennsylvaniaave"
    assert matching.address_keys("Under the bridge") == ("underthebridge", None)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("1984-03-02", "birth"),
        ("03/02/1984", "birth"),
        ("4321", "phone"),
        ("(718) 555-4321", "phone"),
        ("12 Pennsylvania Ave", "address"),
        ("Pennsylvania Avenue", "address"),
        ("Reggie Simmons", "names"),
    ],
)
def test_a_search_box_is_read_as_what_it_holds(text: str, what: str) -> None:
    assert getattr(matching.parse_search(text), what)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Search by a name"),
        ("x", "at least two letters"),
        ("321", "at least 4 digits"),
        ("Khaled 12", "“12” is not a name, a date or 4 or more digits"),
    ],
)
def test_a_search_it_cannot_use_says_what_to_type(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        matching.parse_search(text)


# --- Each rule through the database: search and the duplicate check ---------------------


def _person(
    first: str, last: str, *, aliases: tuple[str, ...] = (), phone: str | None = None,
    line1: str | None = None, born: date | None = None, **overrides: Any,
) -> Person:  # fmt: skip
    fields: dict[str, Any] = {"first_name": first, "last_name": last, **overrides}
    if born is not None:
        fields["date_of_birth"] = born
    if line1 is not None:
        fields["address"] = {"line1": line1}
    person = make_person(**fields)
    if phone is not None:
        services.add_phone(person, phone)
    for alias in aliases:
        add_alias(person, alias)
    db.session.flush()
    return person


def _search(text: str) -> dict[int, tuple[str, ...]]:
    """Who a supervisor's search finds, best first, with why."""
    page = search_people(make_user(Role.SUPERVISOR), text, cursor=None, size=50)
    return {hit.person.id: hit.reasons for hit in page.items}


@dataclass
class Intake:
    first_name: str
    last_name: str
    date_of_birth: date | None = None
    phone: str | None = None
    aliases: tuple[str, ...] = ()
    address_line: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _duplicates(intake: Intake) -> dict[int, list[str]]:
    """Who the intake's duplicate check offers, best first, with why."""
    found = find_possible_duplicates(
        first_name=intake.first_name, last_name=intake.last_name,
        date_of_birth=intake.date_of_birth, phone=intake.phone, aliases=intake.aliases,
        address_line=intake.address_line,
    )  # fmt: skip
    return {m.person.id: m.reasons for m in found}


@pytest.mark.parametrize("spelling", ["El-Sayed", "El Sayed", "elsayed", "Sayed"])
def test_el_sayed_whichever_way_it_is_written(app: Flask, spelling: str) -> None:
    khaled = _person("Khaled", "El-Sayed")
    spaced = _person("Omar", "El Sayed")
    joined = _person("Samir", "Elsayed")
    other = _person("Khaled", "Mansour")
    found = _search(spelling)
    # A part alone ("Sayed") finds the names written in parts, not one written joined.
    expected = {khaled.id, spaced.id} | ({joined.id} if spelling != "Sayed" else set())
    assert set(found) == expected and other.id not in found
    assert found[khaled.id] == ("name",)
    # The duplicate check: the same name, however it was written on record.
    offered = _duplicates(Intake("Khaled", spelling if spelling != "Sayed" else "El Sayed"))
    assert offered[khaled.id] == ["same name"] and other.id not in offered


def test_jose_and_jose_with_an_accent_are_one(app: Flask) -> None:
    accented = _person("José", "Núñez")
    plain = _person("Jose", "Nunez")
    for text in ("Jose Nunez", "JOSÉ NÚÑEZ", "josé"):
        assert set(_search(text)) == {accented.id, plain.id}, text
    offered = _duplicates(Intake("Jose", "Núñez"))
    assert offered == {accented.id: ["same name"], plain.id: ["same name"]}


def test_a_nickname_finds_the_full_name_and_the_full_name_the_nickname(app: Flask) -> None:
    reginald = _person("Reginald", "Simmons")
    reggie = _person("Reggie", "Brown")
    preferred = _person("Reginald", "Carter", preferred_name="Reggie")
    found = _search("Reggie")
    assert found[reginald.id] == ("nickname of Reginald",)
    assert found[preferred.id] == ("preferred name",)
    # The exact name first, then the preferred one (as good), then the nickname.
    assert list(found)[:2] == [reggie.id, preferred.id] and list(found)[2] == reginald.id
    assert _search("Reggie Simmons") == {reginald.id: ("nickname of Reginald", "name")}
    assert _search("Reginald Brown") == {reggie.id: ("nickname of Reginald", "name")}
    offered = _duplicates(Intake("Reggie", "Simmons", date_of_birth=date(1970, 1, 5)))
    assert "nickname of Reginald" in offered[reginald.id]


def test_a_similar_spelling_is_found_and_ranked_below_the_exact_name(app: Flask) -> None:
    khaled = _person("Khaled", "Haddad")
    kaled = _person("Kaled", "Nasser")
    unrelated = _person("Karim", "Haddad")
    found = _search("Kaled")
    assert list(found) == [kaled.id, khaled.id] and unrelated.id not in found
    assert found[khaled.id] == ("similar spelling",)
    assert _search("Kaled Haddad") == {khaled.id: ("similar spelling", "name")}
    offered = _duplicates(Intake("Kaled", "Haddad"))
    assert "similar spelling" in offered[khaled.id] and unrelated.id not in offered


def test_an_alias_finds_the_person_and_says_so(app: Flask) -> None:
    papo = _person("Pedro", "Alvarez", aliases=("Lil Papo",))
    other = _person("Papo", "Quiles")
    found = _search("Papo")
    assert found[papo.id] == ("alias",) and found[other.id] == ("name",)
    assert list(found) == [other.id, papo.id]  # the name itself before an alias
    assert _search("lil papo") == {papo.id: ("alias",)}
    # Intake: the person referred goes by the alias on record, or gave it as an alias.
    assert _duplicates(Intake("Lil", "Papo")) == {papo.id: ["alias"]}
    offered = _duplicates(Intake("Peter", "Smith", aliases=("Pedro Alvarez",)))
    assert offered == {papo.id: ["same name", "alias"]}


def test_a_date_of_birth_finds_and_ranks(app: Flask) -> None:
    born = date(1984, 3, 2)
    ana = _person("Ana", "Lopez", born=born)
    namesake = _person("Ana", "Lopez", born=date(1990, 6, 1))
    stranger = _person("Zed", "Quist", born=born)
    assert set(_search("1984-03-02")) == {ana.id, stranger.id}
    assert _search("03/02/1984")[ana.id] == ("same date of birth",)
    # A name and a date: the one born that day first; the namesake still shows.
    assert list(_search("Ana Lopez 1984-03-02")) == [ana.id, namesake.id]
    assert _search("Ana Lopez 1984-03-02")[ana.id] == ("same name and date of birth",)
    offered = _duplicates(Intake("Anna", "Lopez", date_of_birth=born))
    assert "same date of birth" in offered[ana.id]
    # The same birth date and nothing of the name is no reason to think it is them.
    assert stranger.id not in offered


def test_any_four_or_more_trailing_digits_of_a_phone(app: Flask) -> None:
    rose = _person("Rose", "Baptiste", phone="(718) 555-4321")
    other = _person("Lee", "Chan", phone="(718) 555-4322")
    for text in ("4321", "55-4321", "5554321", "718 555 4321", "+1 718 555 4321"):
        assert rose.id in _search(text) and other.id not in _search(text), text
    assert _search("4321")[rose.id] == ("phone ends 4321",)
    assert _search("(718) 555-4321")[rose.id] == ("same phone number",)
    assert rose.id not in _search("7185")  # the start of a number is not its end
    offered = _duplicates(Intake("Rosa", "Smith", phone="718-555-4321"))
    assert offered == {rose.id: ["same phone number"]}


def test_an_address_with_or_without_the_house_number(app: Flask) -> None:
    home = _person("Dana", "Wells", line1="12 Pennsylvania Avenue")
    neighbour = _person("Tom", "Wells", line1="14 Pennsylvania Ave")
    elsewhere = _person("Dana", "Moss", line1="12 Linden Blvd")
    assert set(_search("12 Pennsylvania Ave")) == {home.id}
    assert _search("12 pennsylvania")[home.id] == ("address",)
    assert set(_search("Pennsylvania Avenue")) == {home.id, neighbour.id}
    offered = _duplicates(Intake("Dana", "Wells", address_line="12 Pennsylvania Ave."))
    assert next(iter(offered)) == home.id and offered[home.id] == ["same name", "same address"]
    # An address and part of the name; an address alone is not enough.
    assert (
        "same address"
        in _duplicates(Intake("Danielle", "Wells", address_line="12 Pennsylvania Ave"))[home.id]
    )
    assert _duplicates(Intake("Zed", "Quist", address_line="12 Pennsylvania Ave")) == {}
    assert elsewhere.id not in offered


def test_keys_follow_the_record_when_it_changes(app: Flask) -> None:
    """The people services rewrite the keys: a new name, alias, phone and address are
    found at once, and the old name no longer is (an alias retired still is)."""
    person = services.create_person(
        PersonDetails(first_name="Dwayne", last_name="Carter", aliases=["D"], phone="917-555-1000"),
        by=None,
    )
    db.session.flush()
    assert person.id in _search("Dwayne Carter")
    services.update_person_details(
        person,
        DetailsEdit(
            first_name="Dwayne", last_name="Johnson", date_of_birth=date(1972, 5, 2),
            phones=["917-555-2000"], aliases=["Rock"],
        ),
        by=make_user(Role.SUPERVISOR),
    )  # fmt: skip
    db.session.flush()
    assert person.id not in _search("Carter")
    assert _search("Dwayne Johnson")[person.id] == ("same name",)
    assert _search("rock")[person.id] == ("alias",)
    assert person.id in _search("1972-05-02")
    assert person.id in _search("2000") and person.id in _search("1000")  # old numbers too
    services.set_address(person, services.AddressDetails(line1="77 Atlantic Avenue"), by=None)
    db.session.flush()
    assert person.id in _search("77 Atlantic Ave")

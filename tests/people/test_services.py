"""People services and finders, without HTTP."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask

from coresponse.auth.models import Role
from coresponse.errors import DomainError
from coresponse.people import services
from coresponse.people.details import AddressDetails, PersonDetails
from coresponse.people.matching import QueryError
from coresponse.people.models import Borough, LocationStatus
from coresponse.people.queries import find_possible_duplicates, search_people
from tests.factories import make_case, make_person, make_staffed_team, make_user


def details(**overrides: object) -> PersonDetails:
    fields: dict[str, object] = {
        "first_name": "José",
        "last_name": "Núñez",
        "date_of_birth": date(1984, 3, 2),
        "aliases": ["Papo"],
        "languages": ["Spanish", "English", "spanish"],
        "phone": "+1 (718) 555-0142",
        "address": AddressDetails(line1="500 Sutter Ave", postal_code="11207"),
    }
    fields.update(overrides)
    return PersonDetails(**fields)  # type: ignore[arg-type]


def test_create_person_normalises_and_places_the_address(app: Flask) -> None:
    person = services.create_person(details(), by=None)
    assert (person.first_name_key, person.last_name_key) == ("jose", "nunez")
    assert [lang.language for lang in person.languages] == ["Spanish", "English"]
    assert person.phones[0].digits == "7185550142"
    address = person.current_address
    # Placed at the centre of ZIP 11207, which lies in the 75th Precinct's boundary.
    assert address.precinct == "75" and address.borough is Borough.BROOKLYN
    assert address.location_status is LocationStatus.APPROXIMATE
    assert address.latitude is not None


def test_an_address_that_cannot_be_placed_still_saves_as_location_needed(app: Flask) -> None:
    person = services.create_person(
        details(address=AddressDetails(line1="Under the Manhattan Bridge")), by=None
    )
    assert person.current_address.location_status is LocationStatus.NEEDED
    assert person.current_address.latitude is None
    # No point, no precinct: nothing is guessed.
    assert person.current_address.precinct is None and person.current_address.borough is None


def test_approximate_age_gives_an_estimated_birth_date(app: Flask) -> None:
    person = services.create_person(details(date_of_birth=None, approximate_age=40), by=None)
    assert person.date_of_birth_estimated
    assert person.date_of_birth.month == 7


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"first_name": " "}, "First name is required"),
        ({"date_of_birth": date(2999, 1, 1)}, "cannot be in the future"),
        ({"date_of_birth": None, "approximate_age": 150}, "between 1 and 119"),
        ({"phone": "12"}, "too short"),
        ({"phone": "0" * 39}, "more than 15 digits"),
        ({"address": AddressDetails(line1="1 A St", postal_code="1120")}, "5 digits"),
    ],
)
def test_create_person_refuses_bad_details(app: Flask, overrides: dict, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        services.create_person(details(**overrides), by=None)


def test_a_new_address_retires_the_old_one(app: Flask) -> None:
    person = services.create_person(details(), by=None)
    old = person.current_address
    services.set_address(person, AddressDetails(line1="12 Other St", postal_code="10457"), by=None)
    assert person.current_address.line1 == "12 Other St"
    assert person.current_address.borough is Borough.BRONX
    assert not old.current and old.retired_at is not None
    assert len(person.addresses) == 2


def test_the_issue_addresses_get_their_precinct_from_the_zip_centroid(app: Flask) -> None:
    """Issue 17's story, with the offline geocoder: each address is placed at its ZIP
    code's centre, marked approximate, and gets the precinct that centre lies in."""
    police_plaza = services.create_person(
        details(address=AddressDetails(line1="1 Police Plaza", postal_code="10038")), by=None
    ).current_address
    water_st = services.create_person(
        details(first_name="Ana", address=AddressDetails(line1="55 Water St", postal_code="10041")),
        by=None,
    ).current_address
    assert (police_plaza.precinct, police_plaza.borough) == ("5", Borough.MANHATTAN)
    assert (water_st.precinct, water_st.borough) == ("1", Borough.MANHATTAN)
    assert police_plaza.location_status is LocationStatus.APPROXIMATE
    assert water_st.location_status is LocationStatus.APPROXIMATE


def test_correct_location_by_hand(app: Flask) -> None:
    person = services.create_person(details(address=AddressDetails(line1="Somewhere")), by=None)
    user = make_user(Role.SUPERVISOR)
    area = services.correct_location(
        person.current_address, latitude=40.66, longitude=-73.9, by=user
    )
    address = person.current_address
    assert address.location_status is LocationStatus.MANUAL
    assert (address.precinct, address.borough) == ("73", Borough.BROOKLYN) == tuple(area)
    with pytest.raises(DomainError, match="between -90 and 90"):
        services.correct_location(address, latitude=100, longitude=0, by=user)
    with pytest.raises(DomainError, match="must be numbers"):
        services.correct_location(address, latitude=float("nan"), longitude=-73.9, by=user)
    # In the harbour: in no precinct, so refused, and the point set before is kept.
    with pytest.raises(DomainError, match="outside the program's area") as refused:
        services.correct_location(address, latitude=40.66, longitude=-74.05, by=user)
    assert refused.value.field == "latitude"
    assert (address.latitude, address.longitude, address.precinct) == (40.66, -73.9, "73")


def test_duplicate_check_finds_exact_fuzzy_alias_and_phone_matches(app: Flask) -> None:
    exact = services.create_person(details(), by=None)
    typo = services.create_person(
        details(first_name="Jose", last_name="Nunes", date_of_birth=date(1990, 1, 1), phone=None,
                aliases=[]),
        by=None,
    )  # fmt: skip
    by_alias = services.create_person(
        details(first_name="Pedro", last_name="Alvarez", aliases=["Jose Nunez"], phone=None,
                date_of_birth=None),
        by=None,
    )  # fmt: skip
    by_phone = services.create_person(
        details(first_name="Ana", last_name="Lee", phone="718-555-9999", aliases=[],
                date_of_birth=None),
        by=None,
    )  # fmt: skip
    unrelated = make_person(first_name="Zed", last_name="Quist")

    matches = find_possible_duplicates(
        first_name="Jose", last_name="Nunez", date_of_birth=date(1984, 3, 2), phone="7185559999"
    )
    by_id = {m.person.id: m for m in matches}
    assert matches[0].person.id == exact.id and matches[0].exact
    assert matches[0].reasons[0] == "same name and date of birth"
    assert "similar spelling" in by_id[typo.id].reasons
    assert "alias" in by_id[by_alias.id].reasons
    assert "same phone number" in by_id[by_phone.id].reasons
    assert unrelated.id not in by_id


def test_search_by_name_alias_birth_date_and_phone_within_visibility(app: Flask) -> None:
    team, officer, _, _ = make_staffed_team()
    other_team, *_ = make_staffed_team()
    ours = services.create_person(details(), by=None)
    theirs = services.create_person(
        details(first_name="Josefina", phone="212-555-0000", aliases=[]), by=None
    )
    make_case(team, ours)
    make_case(other_team, theirs)
    supervisor = make_user(Role.SUPERVISOR)

    def names(viewer, q: str) -> set[str]:  # type: ignore[no-untyped-def]
        found = search_people(viewer, q, cursor=None, size=10).items
        return {hit.person.first_name for hit in found}

    assert names(supervisor, "jose") == {"José", "Josefina"}
    assert names(supervisor, "papo") == {"José"}
    assert names(supervisor, "03/02/1984") == {"José", "Josefina"}
    assert names(supervisor, "(212) 555-0000") == {"Josefina"}
    assert names(officer, "jose") == {"José"}  # another team's person stays hidden
    assert names(make_user(Role.ANALYST), "jose") == set()
    assert names(supervisor, "100%_ab") == set()  # wildcards are taken literally
    with pytest.raises(QueryError, match="at least 4 digits"):
        names(supervisor, "100%_")

"""HMIS race and ethnicity and gender: the rule, the forms and the pages (the API:
tests/api/test_demographics.py)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.extensions import db
from coresponse.people import services
from coresponse.people.details import PersonDetails
from coresponse.people.models import Gender, Person, RaceEthnicity
from coresponse.people.queries import get_person_card
from coresponse.people.services import DetailsEdit, PersonError
from tests.factories import make_case, make_person, make_staffed_team
from tests.ops.locking import form_version, logged_in

R, G = RaceEthnicity, Gender


def _edit(person: Person, **changes: object) -> DetailsEdit:
    """The person's details as they are, with these changes."""
    return DetailsEdit(
        first_name=person.first_name, last_name=person.last_name,
        date_of_birth=person.date_of_birth,
        languages=[lang.language for lang in person.languages],
        phones=[phone.number for phone in person.current_phones],
        **changes,  # type: ignore[arg-type]
    )  # fmt: skip


def test_answers_are_recorded_in_the_standards_order_and_nothing_counts_as_not_collected(
    app: Flask,
) -> None:
    person = services.create_person(
        PersonDetails("Ana", "Reyes", race_ethnicity=[R.WHITE, R.HISPANIC_LATINAEO, R.WHITE],
                      gender=[G.TRANSGENDER, G.WOMAN]),
        by=None,
    )  # fmt: skip
    assert person.race_ethnicity == [R.HISPANIC_LATINAEO, R.WHITE]
    assert person.gender == [G.WOMAN, G.TRANSGENDER]
    silent = services.create_person(PersonDetails("Sam", "Lee"), by=None)
    assert (silent.race_ethnicity, silent.gender) == ([], [])
    assert silent.race_ethnicity_counted == [R.DATA_NOT_COLLECTED]
    assert silent.gender_counted == [G.DATA_NOT_COLLECTED]


@pytest.mark.parametrize("lone", [m for m in RaceEthnicity if m.is_null_answer])
def test_a_null_answer_stands_alone(app: Flask, lone: RaceEthnicity) -> None:
    with pytest.raises(PersonError) as refused:
        services.create_person(
            PersonDetails("Ana", "Reyes", race_ethnicity=[lone, R.ASIAN]), by=None
        )
    assert refused.value.field == "race_ethnicity"
    assert f"“{lone.label}” is an answer on its own" in refused.value.message
    alone = services.create_person(PersonDetails("Ana", "Reyes", race_ethnicity=[lone]), by=None)
    assert alone.race_ethnicity == [lone]


def test_an_edit_replaces_the_answers_refuses_a_mixed_null_and_is_audited(app: Flask) -> None:
    team, officer, _, _ = make_staffed_team()
    person = make_person()
    make_case(team, person)
    db.session.commit()
    card = get_person_card(person.id)
    assert card is not None
    with pytest.raises(PersonError) as refused:
        services.update_person_details(
            card, _edit(card, gender=[G.MAN, G.CLIENT_PREFERS_NOT_TO_ANSWER]), by=officer
        )
    assert refused.value.field == "gender"
    db.session.rollback()

    card = get_person_card(person.id)
    assert card is not None
    changed = services.update_person_details(
        card, _edit(card, race_ethnicity=[R.MID_EAST_N_AFRICAN], gender=[G.NON_BINARY]), by=officer
    )
    assert changed == ["race_ethnicity", "gender"]
    # None leaves the answers as they are (an edit that does not carry them).
    assert services.update_person_details(card, _edit(card), by=officer) == []
    changed = services.update_person_details(
        card, _edit(card, race_ethnicity=[], gender=[G.NON_BINARY, G.QUESTIONING]), by=officer
    )
    assert changed == ["race_ethnicity", "gender"]
    db.session.commit()
    db.session.expire_all()
    card = get_person_card(person.id)
    assert card is not None
    assert (card.race_ethnicity, card.gender) == ([], [G.NON_BINARY, G.QUESTIONING])
    details = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.person_id == person.id, AuditEvent.action == AuditAction.UPDATE
        )
    ).all()
    assert details == ["details edited: race and ethnicity, gender"] * 2


def _form(person: Person, version: str, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "first_name": person.first_name, "last_name": person.last_name,
        "date_of_birth": person.date_of_birth.isoformat() if person.date_of_birth else "",
        "languages": "English", "phones": "(718) 555-0001", "version": version,
    }  # fmt: skip
    data.update(changes)
    return data


def test_the_edit_form_round_trip_and_the_person_page(app: Flask) -> None:
    team, officer, _, _ = make_staffed_team()
    person = make_person()
    case = make_case(team, person)
    db.session.commit()
    client = logged_in(app, officer)
    url = f"/people/{person.id}/edit"
    page = client.get(url).get_data(as_text=True)
    for label in ("Race and ethnicity", "American Indian, Alaska Native, or Indigenous",
                  "Woman (Girl, if child)", "Culturally Specific Identity (e.g., Two-Spirit)",
                  "Client doesn&#39;t know", "Client prefers not to answer", "Data not collected"):  # fmt: skip
        assert label in page, label
    assert "Not recorded" in client.get(f"/people/{person.id}").get_data(as_text=True)

    mixed = client.post(url, data=_form(person, form_version(page), race_ethnicity=[
        "asian", "client_doesnt_know"], gender=["man"]))  # fmt: skip
    assert mixed.status_code == 422
    body = mixed.get_data(as_text=True)
    assert "is an answer on its own" in body
    assert 'value="asian"' in body  # the form comes back as sent
    unknown = client.post(url, data=_form(person, form_version(page), gender=["robot"]))
    assert unknown.status_code == 422
    db.session.expire_all()
    card = get_person_card(person.id)
    assert card is not None and card.race_ethnicity == [] and card.gender == []

    saved = client.post(url, data=_form(
        person, form_version(page), race_ethnicity=["black_af_american", "hispanic_latinaeo"],
        gender=["woman", "transgender"], gender_description="Trans woman",
    ))  # fmt: skip
    assert saved.status_code == 302
    again = client.get(url).get_data(as_text=True)
    assert 'checked id="race_ethnicity-2"' in again and 'checked id="race_ethnicity-3"' in again
    assert 'checked id="gender-0"' in again and 'checked id="gender-3"' in again
    shown = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Black, African American, or African; Hispanic/Latina/e/o" in shown
    assert "Woman (Girl, if child); Transgender" in shown and "Trans woman" in shown
    # Not on the operational safety card, which the case page shows.
    card_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Hispanic/Latina/e/o" not in card_page and "Transgender" not in card_page

"""Editing a person's details: a stale form is a 409 showing both versions, never an overwrite."""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select, update

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.locking import StaleRecord
from coresponse.people import services
from coresponse.people.models import Person, PersonAlias, PersonPhone
from coresponse.people.queries import get_person_card
from tests.factories import make_case, make_person, make_staffed_team, make_user
from tests.ops.locking import assert_conflict_page, form_version, logged_in


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    person = make_person(first_name="Alex", last_name="Rivera")
    make_case(team, person)
    supervisor = make_user(Role.SUPERVISOR, full_name="Sgt. Dana Cole")
    return person, supervisor, clinician, officer


def details(person: Person, **changes: str) -> dict[str, str]:
    data = {
        "first_name": person.first_name,
        "middle_name": "",
        "last_name": person.last_name,
        "preferred_name": "",
        "aliases": "",
        "date_of_birth": person.date_of_birth.isoformat(),
        "gender_description": "",
        "languages": "English",
        "phones": "(718) 555-0001",
    }
    data.update(changes)
    return data


def test_second_save_from_the_same_version_gets_409_with_both_versions(app, world) -> None:
    person, supervisor, clinician, _ = world
    first, second = logged_in(app, supervisor), logged_in(app, clinician)
    url = f"/people/{person.id}/edit"
    version_a = form_version(first.get(url).get_data(as_text=True))
    version_b = form_version(second.get(url).get_data(as_text=True))
    assert version_a == version_b == "1"

    saved = first.post(url, data={**details(person, first_name="Alexandra"), "version": version_a})
    assert saved.status_code == 302

    stale = second.post(
        url,
        data={
            **details(person, first_name="Sandy", gender_description="Nonbinary"),
            "version": version_b,
        },
    )
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert_conflict_page(html, "Sandy", "Alexandra", "Nonbinary", "Sgt. Dana Cole")
    assert f'href="{url}"' in html  # start again from the current record

    db.session.expire_all()
    stored = db.session.get(Person, person.id)
    assert (stored.first_name, stored.gender_description, stored.version) == ("Alexandra", None, 2)


def test_a_fresh_form_after_the_conflict_saves(app, world) -> None:
    person, supervisor, clinician, _ = world
    first, second = logged_in(app, supervisor), logged_in(app, clinician)
    url = f"/people/{person.id}/edit"
    stale_version = form_version(second.get(url).get_data(as_text=True))
    first.post(url, data={**details(person, first_name="Alexandra"), "version": "1"})
    assert second.post(url, data={**details(person), "version": stale_version}).status_code == 409

    fresh = form_version(second.get(url).get_data(as_text=True))
    assert fresh == "2"
    response = second.post(
        url,
        data={
            **details(person, first_name="Alexandra", gender_description="Woman"),
            "version": fresh,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Person, person.id).gender_description == "Woman"


def test_edit_changes_details_retires_old_phones_and_names_and_is_audited(app, world) -> None:
    person, _, _, officer = world
    client = logged_in(app, officer)
    url = f"/people/{person.id}/edit"
    version = form_version(client.get(url).get_data(as_text=True))
    response = client.post(
        url,
        data={
            **details(person, aliases="Lexi\nAl Rivera", languages="Spanish, English"),
            "phones": "347-555-0199",
            "date_of_birth": "1979-03-04",
            "needs_interpreter": "y",
            "version": version,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    card = get_person_card(person.id)
    assert card.date_of_birth == date(1979, 3, 4) and card.needs_interpreter
    assert [lang.language for lang in card.languages] == ["Spanish", "English"]
    assert [p.number for p in card.current_phones] == ["347-555-0199"]
    old = [p for p in card.phones if not p.current]
    assert len(old) == 1 and old[0].retired_at is not None  # kept, not deleted

    client.post(url, data={**details(card, aliases="Lexi"), "phones": "347-555-0199",
                           "languages": "Spanish, English", "version": "2"})  # fmt: skip
    aliases = db.session.scalars(select(PersonAlias).where(PersonAlias.person_id == person.id))
    assert {(a.name, a.retired_at is None) for a in aliases} == {
        ("Lexi", True),
        ("Al Rivera", False),
    }
    page = client.get(f"/people/{person.id}").get_data(as_text=True)
    assert "Lexi" in page and "Al Rivera" not in page

    events = db.session.scalars(
        select(AuditEvent.detail).where(
            AuditEvent.person_id == person.id, AuditEvent.action == AuditAction.UPDATE
        )
    ).all()
    assert any("date of birth" in (d or "") and "phones" in (d or "") for d in events)


def test_refused_input_is_shown_on_the_form_and_nothing_saved(app, world) -> None:
    person, supervisor, _, _ = world
    client = logged_in(app, supervisor)
    url = f"/people/{person.id}/edit"
    response = client.post(url, data={**details(person, languages="Spanish"), "version": "1"})
    assert response.status_code == 422
    assert "English is on record and cannot be removed" in response.get_data(as_text=True)
    tampered = client.post(url, data={**details(person), "version": "not-a-number"})
    assert tampered.status_code == 422
    assert "This form is out of date" in tampered.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Person, person.id).version == 1


def test_a_phone_added_at_intake_makes_an_open_details_form_stale(app, world) -> None:
    person, supervisor, _, _ = world
    client = logged_in(app, supervisor)
    url = f"/people/{person.id}/edit"
    version = form_version(client.get(url).get_data(as_text=True))
    loaded = get_person_card(person.id)
    services.add_phone(loaded, "(917) 555-0123")  # a new referral brings a new number
    db.session.commit()

    response = client.post(url, data={**details(person), "version": version})
    assert response.status_code == 409
    assert "(917) 555-0123" in response.get_data(as_text=True)
    db.session.expire_all()
    current = db.session.scalars(
        select(PersonPhone.number).where(PersonPhone.person_id == person.id, PersonPhone.current)
    ).all()
    assert "(917) 555-0123" in current  # the form never retired the number it did not show


def test_a_save_that_loses_the_race_inside_the_orm_is_a_stale_record(app, world) -> None:
    person, supervisor, _, _ = world
    db.session.commit()
    loaded = get_person_card(person.id)
    # Another instance commits between our read and our write (the loaded row is not told).
    table = Person.__table__
    db.session.execute(update(table).where(table.c.id == person.id).values(version=2))
    assert loaded.version == 1
    edit = services.DetailsEdit(first_name="Late", last_name=loaded.last_name,
                                date_of_birth=loaded.date_of_birth, languages=["English"],
                                phones=[p.number for p in loaded.current_phones])  # fmt: skip
    with pytest.raises(StaleRecord) as raised:
        services.update_person_details(loaded, edit, by=supervisor, expected_version=1)
    assert raised.value.current_version is None  # found by the ORM's check, not ours
    db.session.rollback()
    assert db.session.get(Person, person.id).first_name == "Alex"

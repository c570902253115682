"""A record merged into another, read through the API: it says where the person is now."""

from __future__ import annotations

from sqlalchemy import select

from coresponse.auth.models import Discipline, Role
from coresponse.extensions import db
from coresponse.people.models import Person
from tests.factories import make_case, make_person, make_staffed_team, make_user


def test_a_merged_record_names_the_record_that_stayed(login, api) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    survivor = make_person(first_name="Khaled", last_name="El-Sayed")
    other = make_person(first_name="Kaled", last_name="El Sayed")
    make_case(team, survivor)
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    db.session.commit()
    assert api(supervisor).get(f"/api/v1/people/{survivor.id}").get_json()["merged_into"] is None

    sent = login(supervisor).post(
        f"/people/{survivor.id}/merge",
        data={"other_id": other.id, "version": survivor.version, "other_version": other.version},
    )
    assert sent.status_code == 302
    assert db.session.scalar(select(Person.merged_into_id).where(Person.id == other.id))

    merged = api(supervisor).get(f"/api/v1/people/{other.id}")
    assert merged.status_code == 200
    assert merged.get_json()["merged_into"] == survivor.id
    # The team reads the one record that holds everything, and is told it is not merged.
    stayed = api(clinician).get(f"/api/v1/people/{survivor.id}").get_json()
    assert stayed["merged_into"] is None

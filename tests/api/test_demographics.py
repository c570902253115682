"""HMIS race and ethnicity and gender through the API, and in its OpenAPI document."""

from __future__ import annotations

from datetime import date

from flask import Flask

from coresponse.clock import utcnow
from coresponse.extensions import db
from coresponse.people.models import Gender, RaceEthnicity
from coresponse.people.queries import get_person_card
from coresponse.people.services import set_demographics
from tests.api.helpers import assert_documented
from tests.factories import make_case, make_person, make_staffed_team


def test_the_api_reads_and_takes_the_answers(app, api) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    person = make_person(date_of_birth=date(1970, 5, 1))
    make_case(team, person)
    db.session.commit()
    client = api(clinician)
    read = client.get(f"/api/v1/people/{person.id}")
    assert_documented(app, read, f"/api/v1/people/{person.id}")
    assert (read.get_json()["race_ethnicity"], read.get_json()["gender"]) == ([], [])
    card = get_person_card(person.id)
    assert card is not None
    set_demographics(card, race_ethnicity=["white", "asian"], gender=["different_identity"])
    card.gender_description = "Genderfluid"
    db.session.commit()
    read = client.get(f"/api/v1/people/{person.id}").get_json()
    assert read["race_ethnicity"] == ["asian", "white"]  # the standard's order
    assert (read["gender"], read["gender_description"]) == (["different_identity"], "Genderfluid")

    body = {
        "source": "hospital", "received_at": utcnow().isoformat(), "reason": "ER discharge",
        "person": {"first_name": "Ana", "last_name": "Reyes", "race_ethnicity": ["asian",
                   "white"], "gender": ["client_prefers_not_to_answer"]},
    }  # fmt: skip
    mixed = {**body, "person": {**body["person"], "gender": ["woman", "data_not_collected"]}}
    refused = client.post("/api/v1/referrals", json=mixed)
    assert refused.status_code == 422
    assert_documented(app, refused, "/api/v1/referrals", "POST")
    assert [e["field"] for e in refused.get_json()["errors"]] == ["person.gender"]

    created = client.post("/api/v1/referrals", json=body)
    assert created.status_code == 201, created.get_json()
    db.session.expire_all()
    stored = get_person_card(created.get_json()["person_id"])
    assert stored is not None
    assert (stored.race_ethnicity, stored.gender) == (
        [RaceEthnicity.ASIAN, RaceEthnicity.WHITE],
        [Gender.CLIENT_PREFERS_NOT_TO_ANSWER],
    )


def test_the_openapi_document_lists_the_answers(app: Flask) -> None:
    from coresponse.api.openapi import document

    schemas = document(app)["components"]["schemas"]
    assert schemas["RaceEthnicity"]["enum"] == [m.value for m in RaceEthnicity]
    assert schemas["Gender"]["enum"] == [m.value for m in Gender]
    taken = schemas["PersonInput"]["properties"]["race_ethnicity"]
    assert taken["then"] == {"maxItems": 1}

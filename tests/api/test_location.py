"""PUT /api/v1/people/{id}/location: a point in, the precinct and borough it is in out."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.audit.models import AuditEvent
from coresponse.extensions import db
from coresponse.people.models import Borough, LocationStatus, PersonAddress
from tests.api.conftest import World
from tests.api.helpers import assert_documented

CENTRAL_PARK = {"latitude": 40.7812, "longitude": -73.9665}  # the 22nd Precinct
HARBOUR = {"latitude": 40.66, "longitude": -74.05}  # the Upper Bay: in no precinct


def _url(world: World) -> str:
    return f"/api/v1/people/{world.case.person_id}/location"


def _address(world: World) -> PersonAddress:
    db.session.expire_all()
    found = db.session.scalar(
        select(PersonAddress).where(
            PersonAddress.person_id == world.case.person_id, PersonAddress.current.is_(True)
        )
    )
    assert found is not None
    return found


def test_a_clinician_places_the_person_and_gets_the_precinct(app: Flask, world: World, api) -> None:  # type: ignore[no-untyped-def]
    sent = {**CENTRAL_PARK, "description": "last seen under the bridge at the lake"}
    response = api(world.clinician).open(_url(world), "PUT", json=sent)
    assert response.status_code == 200, response.get_json()
    assert_documented(app, response, _url(world), "PUT")
    assert response.get_json() == {
        **CENTRAL_PARK,
        "precinct": "22",
        "borough": "MN",
        "area": "the 22nd Precinct, Manhattan",
        "precision": "manual",
        "description": "last seen under the bridge at the lake",
    }
    address = _address(world)
    assert (address.precinct, address.borough) == ("22", Borough.MANHATTAN)
    assert address.location_status == LocationStatus.MANUAL
    assert address.whereabouts_note == "last seen under the bridge at the lake"
    # On the audit trail as the page's change is: who, which person, what now.
    event = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.record_type == "person_address", AuditEvent.record_id == str(address.id))
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event is not None
    assert event.user_id == world.clinician.id
    assert event.person_id == world.case.person_id
    assert "22nd Precinct, Manhattan" in (event.detail or "")


def test_the_same_put_again_leaves_the_same_record(world: World, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    first = client.open(_url(world), "PUT", json=CENTRAL_PARK)
    again = client.open(_url(world), "PUT", json=CENTRAL_PARK)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.get_json() == again.get_json()


def test_without_a_description_the_note_on_record_stays(world: World, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    client.open(_url(world), "PUT", json={**CENTRAL_PARK, "description": "by the boathouse"})
    response = client.open(_url(world), "PUT", json={"latitude": 40.6782, "longitude": -73.9442})
    assert response.status_code == 200
    assert response.get_json()["description"] == "by the boathouse"
    assert response.get_json()["borough"] == "BK"


@pytest.mark.parametrize(
    ("sent", "field", "words"),
    [
        ({**CENTRAL_PARK, "latitude": 91}, "latitude", "90 or less"),
        ({**CENTRAL_PARK, "longitude": -181}, "longitude", "-180 or more"),
        ({**CENTRAL_PARK, "latitude": "40.78"}, "latitude", "Give a number"),
        ({**CENTRAL_PARK, "longitude": None}, "longitude", "Give a number"),
        ({"longitude": -73.9665}, "latitude", "required"),
        (HARBOUR, "latitude", "outside the program's area"),
        ({**CENTRAL_PARK, "precinct": "1"}, "precinct", "Unknown field"),
    ],
)
def test_bad_input_is_a_422_and_the_record_is_kept(  # type: ignore[no-untyped-def]
    app: Flask, world: World, api, sent: dict[str, Any], field: str, words: str
) -> None:
    before = _address(world)
    kept = (before.latitude, before.longitude, before.precinct, before.whereabouts_note)
    response = api(world.clinician).open(
        _url(world), "PUT", json={**sent, "description": "should not be kept"}
    )
    assert response.status_code == 422
    assert_documented(app, response, _url(world), "PUT")
    errors = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert field in errors and words in errors[field], errors
    after = _address(world)
    assert (after.latitude, after.longitude, after.precinct, after.whereabouts_note) == kept


def test_officers_of_the_team_and_supervisors_may_place_the_person(world: World, api) -> None:  # type: ignore[no-untyped-def]
    # DOMAIN.md: location is on the officers' operational safety card; they go out to
    # the person as the clinician does, as the location page lets them.
    for user in (world.officer, world.police_supervisor, world.clinical_supervisor):
        response = api(user).open(_url(world), "PUT", json=CENTRAL_PARK)
        assert response.status_code == 200, (user.username, response.get_json())


def test_anyone_else_is_told_the_person_is_not_there(app: Flask, world: World, api) -> None:  # type: ignore[no-untyped-def]
    for user in (world.other_clinician, world.admin, world.analyst):
        response = api(user).open(_url(world), "PUT", json=CENTRAL_PARK)
        assert response.status_code == 404, user.username
    assert api(None).open(_url(world), "PUT", json=CENTRAL_PARK).status_code == 401
    assert _address(world).precinct != "22"


def test_the_endpoint_is_in_the_openapi_document(app: Flask) -> None:
    from coresponse.api.openapi import document

    doc = document(app)
    put = doc["paths"]["/people/{person_id}/location"]["put"]
    assert put["operationId"] == "set_person_location"
    schema = doc["components"]["schemas"]["PersonLocation"]
    assert {"precinct", "borough", "precision"} <= set(schema["required"])


def test_a_person_with_no_current_address_is_a_422_saying_what_to_do(
    app: Flask, world: World, api
) -> None:  # type: ignore[no-untyped-def]
    address = _address(world)
    address.current = False
    db.session.commit()
    response = api(world.clinician).open(_url(world), "PUT", json=CENTRAL_PARK)
    assert response.status_code == 422
    assert_documented(app, response, _url(world), "PUT")
    assert "no current address" in response.get_json()["detail"]

"""Every error under /api/ is a problem-details JSON document, never an HTML page."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.api import views
from coresponse.auth.models import Role
from coresponse.auth.tokens import create_token
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from tests.api.conftest import ApiClient
from tests.api.helpers import assert_documented, contact_body
from tests.factories import make_user

PROBLEM = "application/problem+json"


def _problem(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    data = response.get_json()
    assert data["status"] == status and data["title"] and data["detail"]
    assert "<html" not in response.get_data(as_text=True).lower()
    return data


def test_routing_and_method_errors(world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.officer)
    _problem(client.get("/api/v1/no-such-thing"), 404)
    _problem(client.get("/api/v2/cases"), 404)
    response = client.post("/api/v1/me", json={})
    _problem(response, 405)
    assert "GET" in response.headers["Allow"]
    _problem(client.client.delete("/api/v1/contacts"), 405)


def test_ids_beyond_the_database_and_malformed_uuids_are_404(world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    for url in ("/api/v1/cases/99999999999999999999", "/api/v1/people/2147483648",
                "/api/v1/linkages/-1", "/api/v1/cases/0", "/api/v1/contacts/not-a-uuid",
                "/api/v1/contacts/00000000-0000-0000-0000-000000000000",
                "/api/v1/people/2147483647/timeline"):  # fmt: skip
        _problem(client.get(url), 404)
    body = contact_body(world.case, case_id=2**40)
    data = _problem(client.post("/api/v1/contacts", json=body), 422)
    assert data["errors"][0]["field"] == "case_id"


def test_bodies_that_are_not_json_objects(world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.officer)
    _problem(
        client.post("/api/v1/contacts", data="{not json", content_type="application/json"), 400
    )
    _problem(client.post("/api/v1/contacts", data={"case_id": "1"}), 415)
    _problem(client.post("/api/v1/contacts", data="x", content_type="text/plain"), 415)
    data = _problem(client.post("/api/v1/contacts", json=[1, 2]), 422)
    assert data["errors"][0]["message"] == "Send a JSON object."
    _problem(
        client.post("/api/v1/contacts", data=b"\xff\xfe", content_type="application/json"), 400
    )


def test_authentication_errors(world, api) -> None:  # type: ignore[no-untyped-def]
    anonymous = api(None)
    response = anonymous.get("/api/v1/cases")
    _problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer", "Basic dXNlcjpwYXNz", "Bearer crt_not-a-real-token", "Bearer x"):
        _problem(anonymous.get("/api/v1/me", headers={"Authorization": header}), 401)
    # Writes without a login are refused before the body is read.
    _problem(anonymous.post("/api/v1/contacts", data="junk", content_type="text/plain"), 401)


def test_the_api_description_needs_no_login(world, api) -> None:  # type: ignore[no-untyped-def]
    response = api(None).get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.get_json()["openapi"].startswith("3.1")


def test_an_unexpected_failure_is_a_500_problem(make_app, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    app: Flask = make_app(PROPAGATE_TEST_ERRORS=False)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("database fell over")

    monkeypatch.setattr(views.policy, "current_team_id", broken)
    with app.app_context():
        _, token = create_token(make_user(Role.OFFICER), name="t", by=None)
        db.session.commit()
        data = _problem(ApiClient(app.test_client(), token).get("/api/v1/me"), 500)
        assert "database fell over" not in data["detail"]
        # Pages keep their HTML error page.
        page = app.test_client().get("/no-such-page")
        assert page.status_code == 404 and page.mimetype == "text/html"


# Unbounded input (privacy review, part 8) ------------------------------------------

ONE_MIB = 1024 * 1024  # the default MAX_CONTENT_LENGTH
DEPTH_LIMIT = 32  # how deep a JSON body may nest, as the API document says


def _stored_contacts() -> int:
    return db.session.scalar(select(func.count()).select_from(Contact))


def test_a_body_over_the_size_limit_is_a_413_problem_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    app: Flask, world, api
) -> None:
    body = json.dumps(contact_body(world.case, operational_note="")).encode()
    padding = b"x" * (ONE_MIB + 1 - len(body))
    padded = body.replace(b'"operational_note": ""', b'"operational_note": "' + padding + b'"')
    assert len(padded) == ONE_MIB + 1
    response = api(world.clinician).post(
        "/api/v1/contacts", data=padded, content_type="application/json"
    )
    data = _problem(response, 413)
    assert "1 MiB" in data["detail"]
    assert_documented(app, response, "/api/v1/contacts", "POST")
    assert _stored_contacts() == 0


def test_malformed_json_and_lone_surrogates_are_4xx_naming_the_field(world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    for broken in ('{"case_id": ', '{"a": "\\ud800', '"\\x"', "[1,]", "NaN-ish"):
        _problem(client.post("/api/v1/contacts", data=broken, content_type="application/json"), 400)
    # json.dumps writes the lone surrogate as the escape "\ud800", as a client would.
    for field in ("operational_note", "location"):
        body = json.dumps(contact_body(world.case, **{field: "Lobby \ud800"}))
        data = _problem(
            client.post("/api/v1/contacts", data=body, content_type="application/json"), 422
        )
        assert [e["field"] for e in data["errors"]] == [field]
        assert "U+D800" in data["errors"][0]["message"]
    # A surrogate in a name or a choice is refused too, never a 500.
    body = json.dumps({**contact_body(world.case), "\ud800": 1, "type": "\udfff"})
    data = _problem(
        client.post("/api/v1/contacts", data=body, content_type="application/json"), 422
    )
    assert {e["field"] for e in data["errors"]} == {"\ud800", "type"}
    assert _stored_contacts() == 0


def test_deeply_nested_json_is_a_400_problem_never_a_500(world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    for deep in ("[" * 100_000 + "]" * 100_000, '{"a":' * 100_000 + "1" + "}" * 100_000):
        data = _problem(
            client.post("/api/v1/contacts", data=deep, content_type="application/json"), 400
        )
        assert f"{DEPTH_LIMIT} levels" in data["detail"]

    def nested(levels: int) -> str:
        """A contact whose participants field holds lists `levels` deep, counting the body."""
        body = json.dumps(contact_body(world.case, participants="HOLE"))
        return body.replace('"HOLE"', "[" * (levels - 1) + "]" * (levels - 1))

    # Brackets inside strings do not count, nor do wide but shallow ones; the limit
    # itself is read (and refused field by field), one level more is not.
    in_a_string = nested(DEPTH_LIMIT).replace('"Lobby"', '"\\"' + "[{" * 40 + '"')
    wide = nested(3).replace("[[]]", "[" + ",".join(["[]"] * 100) + "]")
    for readable in (in_a_string, wide):
        data = _problem(
            client.post("/api/v1/contacts", data=readable, content_type="application/json"), 422
        )
        assert [e["field"] for e in data["errors"]] == ["participants"]
    _problem(
        client.post(
            "/api/v1/contacts", data=nested(DEPTH_LIMIT + 1), content_type="application/json"
        ),
        400,
    )
    assert _stored_contacts() == 0


@pytest.mark.parametrize("character", ["\x03", "\x1b", "\x7f", "\x82", "\x9f"])
def test_control_characters_are_refused_naming_the_field_and_nothing_is_stored(  # type: ignore[no-untyped-def]
    world, api, character: str
) -> None:
    client = api(world.clinician)
    body = contact_body(
        world.case, operational_note=f"Door{character}bell", clinical_note="Calm.\r\n\tSlept."
    )
    data = _problem(client.post("/api/v1/contacts", json=body), 422)
    assert [e["field"] for e in data["errors"]] == ["operational_note"]
    assert f"U+{ord(character):04X}" in data["errors"][0]["message"]
    assert _stored_contacts() == 0
    # Tabs, newlines and carriage returns are ordinary text.
    body["operational_note"] = "Door\tbell\r\nrang."
    assert client.post("/api/v1/contacts", json=body).status_code == 201
    assert _stored_contacts() == 1


def test_control_characters_in_a_referral_name_the_nested_field(world, api) -> None:  # type: ignore[no-untyped-def]
    body = {
        "person": {"first_name": "Al\x03ex", "last_name": "Rivera", "aliases": ["A\x85R"]},
        "source": "call_911",
        "received_at": "2026-03-14T15:30:00-04:00",
        "reason": "Neighbours worried.",
    }
    data = _problem(api(world.clinician).post("/api/v1/referrals", json=body), 422)
    assert {e["field"] for e in data["errors"]} == {"person.first_name", "person.aliases"}


def test_empty_parameters_and_null_lists_are_refused_naming_the_field(world, api) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)
    person = world.case.person_id
    for url, field in ((f"/api/v1/people/{person}/timeline?before=", "before"),
                       (f"/api/v1/people/{person}/timeline?kind=", "kind"),
                       (f"/api/v1/people/{person}/timeline?before=0.5", "before"),
                       ("/api/v1/cases?cursor=", "cursor"), ("/api/v1/cases?limit=", "limit"),
                       ("/api/v1/cases?cursor=not%20a%20link", "cursor")):  # fmt: skip
        data = _problem(client.get(url), 422)
        assert [e["field"] for e in data["errors"]] == [field], url
    referral = {"person_id": person, "source": "hospital", "received_at": "2026-03-14T15:30:00-04:00",
                "reason": "ER discharge", "risk_indicators": None}  # fmt: skip
    data = _problem(client.post("/api/v1/referrals", json=referral), 422)
    assert data["errors"] == [{"field": "risk_indicators", "message": "Give a list."}]
    for field in ("risk_factors", "participants"):
        data = _problem(
            client.post("/api/v1/contacts", json=contact_body(world.case, **{field: None})), 422
        )
        assert [e["field"] for e in data["errors"]] == [field]
    data = _problem(
        client.post("/api/v1/contacts", json=contact_body(world.case, occurred_at=1773516600)), 422
    )
    assert [e["field"] for e in data["errors"]] == ["occurred_at"]
    assert _stored_contacts() == 0

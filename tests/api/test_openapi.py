"""The OpenAPI document is true: it lists every route, and real responses match it."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask

from coresponse.api.openapi import document
from coresponse.clock import utcnow
from coresponse.contacts.limits import OTHERS_PRESENT_MAX
from coresponse.contacts.models import Contact, ContactOutcome, ContactType, RiskLevel
from coresponse.contacts.services import add_addendum, log_contact
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from tests.api.helpers import assert_documented, contact_body
from tests.linkages.helpers import make_provider

ROLES = ("officer", "clinician", "clinical_supervisor", "police_supervisor", "analyst",
         "other_clinician", "admin")  # fmt: skip


def test_every_api_route_is_documented_and_nothing_else(app: Flask) -> None:
    doc = document(app)
    documented = {(method.upper(), path) for path, ops in doc["paths"].items() for method in ops}
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routed |= {(m, path) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for ops in doc["paths"].values():
        for op in ops.values():
            assert op["summary"]
            assert {"200", "201"} & set(op["responses"])


def test_every_operation_has_an_id_a_tag_and_its_refusals(app: Flask) -> None:
    doc = document(app)
    tags = {tag["name"] for tag in doc["tags"]}
    ids = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            ids.append(op["operationId"])
            assert len(op["tags"]) == 1 and op["tags"][0] in tags, (method, path)
            statuses = set(op["responses"])
            if op.get("security") != []:
                assert {"401", "403"} <= statuses, (method, path)
            if "{" in path:
                assert "404" in statuses, (method, path)
            if "requestBody" in op:
                assert {"400", "413", "415", "422"} <= statuses, (method, path)
            for status, answer in op["responses"].items():
                if status >= "400":
                    assert answer["content"]["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
    assert len(ids) == len(set(ids))
    assert doc["paths"]["/contacts"]["post"]["operationId"] == "create_contact"
    assert {"404", "409"} <= set(doc["paths"]["/contacts"]["post"]["responses"])


def test_each_enum_is_one_component_and_nullable_ones_refer_to_it(app: Flask) -> None:
    schemas = document(app)["components"]["schemas"]
    inline_enums = []

    def walk(node: object, where: str) -> None:
        if isinstance(node, dict):
            if "enum" in node and where.count("/") > 1:
                inline_enums.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for name, schema in schemas.items():
        walk(schema, f"/{name}")
    assert inline_enums == []
    assert schemas["RiskLevel"]["enum"] == [level.value for level in RiskLevel]
    assert schemas["Contact"]["properties"]["risk_level"]["anyOf"] == [
        {"$ref": "#/components/schemas/RiskLevel"},
        {"type": "null"},
    ]


def test_field_limits_come_from_the_domain(app: Flask) -> None:
    schemas = document(app)["components"]["schemas"]
    others = schemas["ContactInput"]["properties"]["others_present"]["anyOf"][0]
    assert others["maxLength"] == OTHERS_PRESENT_MAX
    assert Contact.__table__.c.others_present.type.length == OTHERS_PRESENT_MAX


@pytest.fixture
def records(world):  # type: ignore[no-untyped-def]
    contact = log_contact(
        world.case, by=world.clinician, type=ContactType.IN_PERSON_HOME,
        occurred_at=utcnow() - timedelta(hours=3), outcome=ContactOutcome.ENGAGED,
        participants=[world.officer], clinical_note="Tearful.", risk_level=RiskLevel.HIGH,
        risk_factors=["recent_loss"], next_contact_planned_at=utcnow() + timedelta(days=1),
        latitude=40.67, longitude=-73.89,
    )  # fmt: skip
    add_addendum(contact, by=world.clinician, reason="Detail", operational_text="Brother there.",
                 clinical_text="Hopeless.")  # fmt: skip
    linkage = create_linkage(
        world.case, by=world.clinician, kind=LinkageKind.OUTPATIENT_CLINIC,
        provider=make_provider(LinkageKind.OUTPATIENT_CLINIC),
    )  # fmt: skip
    db.session.commit()
    return {"contact": contact, "linkage": linkage}


@pytest.mark.parametrize("role", ROLES)
def test_real_responses_match_the_document(app: Flask, world, records, api, role: str) -> None:  # type: ignore[no-untyped-def]
    user = getattr(world, role)
    client = api(user)
    case, person = world.case.id, world.case.person_id
    contact_uuid = str(records["contact"].uuid)
    linkage = records["linkage"].id
    reads = [
        "/api/v1/me", "/api/v1/cases", "/api/v1/cases?limit=1", f"/api/v1/cases/{case}",
        f"/api/v1/cases/{case}/linkages", f"/api/v1/people/{person}",
        f"/api/v1/people/{person}/timeline", f"/api/v1/contacts/{contact_uuid}",
        f"/api/v1/linkages/{linkage}", "/api/v1/openapi.json",
    ]  # fmt: skip
    statuses = {}
    for url in reads:
        response = client.get(url)
        assert_documented(app, response, url)
        statuses[url] = response.status_code
    writes = [
        ("/api/v1/contacts", "POST", contact_body(world.case)),
        (f"/api/v1/contacts/{contact_uuid}/addenda", "POST", {"reason": "Typo", "operational_text": "Fixed."}),
        (f"/api/v1/linkages/{linkage}/status", "PATCH", {"to_status": "referred"}),
        ("/api/v1/referrals", "POST", {"person_id": person, "source": "hospital",
                                       "received_at": utcnow().isoformat(), "reason": "ER discharge"}),
    ]  # fmt: skip
    for url, method, body in writes:
        response = client.open(url, method, json=body)
        assert_documented(app, response, url, method)
        statuses[url] = response.status_code
    # The roles really exercise different answers: the team reads, outsiders are refused.
    if role in ("officer", "clinician", "clinical_supervisor"):
        assert statuses[f"/api/v1/people/{person}"] == 200
    if role in ("other_clinician", "analyst", "admin"):
        assert statuses[f"/api/v1/cases/{case}"] == 404
    if role == "clinician":
        assert statuses["/api/v1/contacts"] == 201 and statuses["/api/v1/referrals"] == 201
    if role == "other_clinician":
        # Another team's person: refused like an unknown id, as the document says.
        assert statuses["/api/v1/referrals"] == 422

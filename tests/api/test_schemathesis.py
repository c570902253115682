"""schemathesis fuzzes the API from its own OpenAPI document, in process (no network).

Every generated request, valid or not, must answer without a 5xx, with a documented
status, content type, headers and body. Deterministic and bounded: a fixed number of
examples per operation, derandomized.
"""

from __future__ import annotations

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from coresponse import create_app
from coresponse.api.openapi import document
from coresponse.api.services import create_token
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from tests.linkages.helpers import make_provider

MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


# Loaded once from the document the app serves (it needs no database to build).
schema = schemathesis.openapi.from_dict(document(create_app("test")))
schema.config.generation.update(
    modes=["positive", "negative"],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)
schema.config.phases.update(phases=["examples", "fuzzing"])


@pytest.fixture
def token(world) -> str:  # type: ignore[no-untyped-def]
    # Small generated ids hit real rows: the case, person, contact and linkage 1 exist.
    create_linkage(
        world.case, by=world.clinician, kind=LinkageKind.OUTPATIENT_CLINIC,
        provider=make_provider(LinkageKind.OUTPATIENT_CLINIC),
    )  # fmt: skip
    _, value = create_token(world.clinician, name="schemathesis", by=world.clinician)
    db.session.commit()
    return value


@schema.parametrize()
@settings(
    deadline=None,
    derandomize=True,
    # The app and its data are made once per operation, on purpose: requests build on them.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.filter_too_much],
)  # fmt: skip
def test_the_api_answers_every_generated_request_as_documented(
    case, app: Flask, token: str
) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

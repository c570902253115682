"""schemathesis fuzzes the API from its generated OpenAPI document, in process, with every check.

Every generated request, valid or not, must answer without a 5xx, with a documented
status, content type, headers and body; invalid input must be refused, valid input
accepted, calls without credentials refused, other methods answered 405 with `Allow`.
Deterministic and bounded: a fixed number of examples per operation, derandomized.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import PositiveDataAcceptanceConfig

from coresponse import create_app
from coresponse.api.inputs import load
from coresponse.api.openapi import OPERATIONS, Operation, document
from coresponse.api.problems import ApiProblem
from coresponse.auth.tokens import create_token
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from coresponse.linkages.services import create_linkage
from tests.api.helpers import as_served
from tests.linkages.helpers import make_provider

MAX_EXAMPLES = 20

# Loaded once from the document the app serves (it needs no database to build).
_app = create_app("test")
schema = schemathesis.openapi.from_dict(document(_app))
schema.config.checks.update(included_check_names=["all"])
# Some refusals of a schema-valid request are rules no schema can state: a contact dated
# before its referral, a case closed meanwhile, a page link (`cursor`) the server did not
# make. They answer 422, which positive_data_acceptance would count as a failure, so it
# accepts a 422, and `input_models_accept_schema_valid_input` below proves that such a
# 422 never comes from the API's own models: they accept every schema-valid input.
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=[*PositiveDataAcceptanceConfig().expected_statuses, "422"]
)
schema.config.generation.update(
    modes=["positive", "negative"],
    max_examples=MAX_EXAMPLES,
    deterministic=True,
    database="none",
)
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])


def _operations(app: Flask) -> dict[tuple[str, str], Operation]:
    """Each documented (method, path template) and what its view declared."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPERATIONS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                found[(method, path)] = OPERATIONS[rule.endpoint]
    return found


DECLARED = _operations(_app)


def input_models_accept_schema_valid_input(ctx: Any, response: Any, case: Any) -> None:
    """A request generated as valid from the document passes the models it was generated from."""
    if case.meta is None or not case.meta.generation.mode.is_positive:
        return
    op = DECLARED[(case.method.upper(), case.path)]
    try:
        if op.body is not None and isinstance(case.body, dict):
            load(op.body, case.body)
        if op.query is not None:
            load(op.query, {k: str(v) for k, v in (case.query or {}).items()})
    except ApiProblem as refused:
        raise AssertionError(
            f"The API's models refuse schema-valid input: {refused.errors}"
        ) from None


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
    # Checks that send requests of their own (ignored_auth, unsupported_method...) send
    # them to this test's app too, with its database.
    case.operation.app = case.operation.schema.app = as_served(app)
    # Given as the caller's headers, the token is known as real credentials: ignored_auth
    # sends each operation again without it, and with a forged one, expecting 401.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        additional_checks=[input_models_accept_schema_valid_input],
    )

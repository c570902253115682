"""Checking real API responses against the OpenAPI document the API serves."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timedelta
from typing import Any

from flask import Flask
from jsonschema import Draft202012Validator, FormatChecker

from coresponse.api.openapi import document
from coresponse.cases.models import Case
from coresponse.clock import utcnow

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _moment(value: object) -> bool:
    """ISO 8601 with an offset, as the contract promises."""
    if not isinstance(value, str):
        return True
    return datetime.fromisoformat(value).utcoffset() is not None


@FORMATS.checks("date", raises=ValueError)
def _day(value: object) -> bool:
    return not isinstance(value, str) or bool(date.fromisoformat(value))


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(value: object) -> bool:
    return not isinstance(value, str) or bool(uuid.UUID(value))


def _operation(doc: dict[str, Any], path: str, method: str) -> tuple[str, dict[str, Any]]:
    """The documented operation whose path template matches this URL path."""
    path = path.split("?")[0].removeprefix("/api/v1")
    for template, operations in doc["paths"].items():
        pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$"
        if re.match(pattern, path) and method.lower() in operations:
            return template, operations[method.lower()]
    raise AssertionError(f"{method} {path} is not in the OpenAPI document")


def assert_documented(app: Flask, response, path: str, method: str = "GET") -> None:  # type: ignore[no-untyped-def]
    """The response's status, content type and body are the ones the document describes."""
    doc = document(app)
    template, operation = _operation(doc, path, method)
    status = str(response.status_code)
    assert status in operation["responses"], f"{method} {template}: {status} is not documented"
    content = operation["responses"][status]["content"]
    media_type = response.mimetype
    assert media_type in content, f"{method} {template} {status}: {media_type} not documented"
    schema = {**content[media_type]["schema"], "components": doc["components"]}
    Draft202012Validator(schema, format_checker=FORMATS).validate(response.get_json())


def contact_body(case: Case, **overrides: Any) -> dict[str, Any]:
    """A valid new contact for the case, as a tablet would send it."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "case_id": case.id,
        "type": "in_person_home",
        "occurred_at": (utcnow() - timedelta(minutes=30)).isoformat(),
        "outcome": "engaged",
        "operational_note": "Met at the door; agreed to a clinic visit.",
        "location": "Lobby",
    }
    body.update(overrides)
    return body


def as_served(app: Flask) -> Any:
    """The app as a server runs it: each request in an app context of its own.

    The test's pushed context would otherwise be shared by every request, `g` included,
    so a call without a token would find the user the call before it authenticated.
    """

    def serve(environ: Any, start_response: Any) -> Any:
        with app.app_context():
            return app(environ, start_response)

    return serve

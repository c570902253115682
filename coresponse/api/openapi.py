"""The OpenAPI 3.1 document of API v1, generated, served at /api/v1/openapi.json.

Nothing here restates a field: schemas come from the Pydantic models (api/inputs.py,
api/outputs.py, the problem in api/problems.py), paths from the app's routes, and each
operation from the `@operation(...)` its view declares (its tag, answers and refusals).
Its id is the view's name and its summary the first line of the view's docstring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask, Response, current_app, jsonify
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import models_json_schema

from coresponse.api import bp
from coresponse.api.fields import Id
from coresponse.api.inputs import MAX_JSON_DEPTH
from coresponse.api.problems import PROBLEM_JSON, Problem
from coresponse.privacy.routes import Permission, public
from coresponse.text import describe_bytes

F = TypeVar("F", bound=Callable[..., Any])
REF = "#/components/schemas/{model}"
SECURED = (401, 403)
ID_SCHEMA = TypeAdapter(Id).json_schema()

TAGS = {
    "account": "Who is calling.",
    "cases": "Open cases and their connections to care.",
    "people": "A person's card and timeline.",
    "contacts": "Outreach contacts and their addenda.",
    "linkages": "Connections to care (clinical readers only).",
    "referrals": "New referrals.",
    "reports": "Outcome indicators: aggregates only, small cells suppressed.",
    "meta": "This document.",
}
PATH_PARAMETERS = {
    "case_id": "The case's id.",
    "person_id": "The person's id.",
    "linkage_id": "The connection's id.",
    "contact_uuid": "The contact's id: the UUID its client gave it.",
}
ERRORS = {
    400: (
        "A parameter or the body holds a NUL character, or the body is not valid JSON "
        f"(UTF-8) or nests deeper than {MAX_JSON_DEPTH} levels."
    ),
    401: "No valid token or session: none sent, or the token is unknown, revoked or expired.",
    403: (
        "The caller's role does not allow this, or their account has a step left to do first "
        "(`urn:coresponse:problem:account-step`: change the password, or set up the "
        "two-factor login the role requires), or a session write lacks its CSRF header."
    ),
    404: "No such record, or the caller may not see it.",
    409: "It collides with what is stored (see `detail`).",
    413: "The body is larger than the server reads.",
    415: "The body is not JSON (`Content-Type: application/json`).",
    422: "Invalid input, or a rule refused it; `errors` names each field.",
}


@dataclass(frozen=True)
class Operation:
    """What an API view answers, beyond what its route and models already say."""

    tag: str
    ok: dict[int, tuple[str, type[BaseModel] | None]]
    errors: tuple[int, ...] = ()
    body: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    location: bool = False  # a 201 names the new resource in `Location`


OPERATIONS: dict[str, Operation] = {}


def operation(
    tag: str,
    ok: dict[int, tuple[str, type[BaseModel] | None]],
    errors: tuple[int, ...] = (),
    **options: Any,
) -> Callable[[F], F]:
    """Declare a view's place in the document; views without one fail the document's test."""

    def register(view: F) -> F:
        OPERATIONS[f"{bp.name}.{view.__name__}"] = Operation(tag, ok, errors, **options)
        return view

    return register


def _is_public(view: Callable[..., Any]) -> bool:
    """Whether the route needs no login, as it declares (coresponse/privacy/routes.py)."""
    declared: Permission | None = getattr(view, "permission", None)
    return declared is not None and declared.public


def _statuses(op: Operation, path: str, *, public: bool) -> list[int]:
    """Every refusal a client can receive from this operation."""
    # Any request may be refused 400 for a NUL character (coresponse/security.py).
    codes = {400, *op.errors}
    if not public:
        codes |= set(SECURED)
    if "{" in path:
        codes.add(404)
    if op.query is not None:
        codes.add(422)
    if op.body is not None:
        codes |= {400, 413, 415, 422}
    return sorted(codes)


def _problem(status: int, app: Flask) -> dict[str, Any]:
    description = ERRORS[status]
    if status == 413:
        limit = describe_bytes(app.config["MAX_CONTENT_LENGTH"])
        description = f"The body is larger than {limit}, the most this server reads."
    answer: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": REF.format(model="Problem")}}},
    }
    if status == 401:
        answer["headers"] = {
            "WWW-Authenticate": {
                "description": "How to authenticate: `Bearer`.",
                "schema": {"type": "string"},
            }
        }
    return answer


def _parameters(path: str, op: Operation, schemas: dict[str, Any]) -> list[dict[str, Any]]:
    parameters = []
    for name in re.findall(r"\{(\w+)\}", path):
        schema = {"type": "string", "format": "uuid"} if name == "contact_uuid" else ID_SCHEMA
        parameters.append(
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": PATH_PARAMETERS[name],
                "schema": schema,
            }
        )
    if op.query is not None:
        # Its properties become parameters; the model itself is no component.
        model = schemas[op.query.__name__]
        for name, schema in model["properties"].items():
            schema = _not_null(dict(schema))
            schema.pop("title", None)
            description = schema.pop("description", None)
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in model.get("required", []),
                    "description": description,
                    "schema": schema,
                }
            )
    return parameters


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without its `null` choice: a parameter left out is
    None to the model, and a query string cannot say null."""
    choices = [c for c in schema.get("anyOf", []) if c != {"type": "null"}]
    if "anyOf" not in schema or len(choices) != 1:
        return schema
    # (A default of None is "left out", which the parameter's being optional says.)
    rest = {k: v for k, v in schema.items() if k != "anyOf" and (k, v) != ("default", None)}
    return {**choices[0], **rest}


def _operation(
    view: Callable[..., Any],
    operation_id: str,
    path: str,
    op: Operation,
    app: Flask,
    schemas: dict[str, Any],
) -> dict[str, Any]:
    doc = (view.__doc__ or "").strip()
    summary, _, rest = doc.partition("\n")
    responses: dict[str, Any] = {}
    for status, (description, model) in sorted(op.ok.items()):
        content_schema = (
            {"$ref": REF.format(model=model.__name__)} if model is not None else {"type": "object"}
        )
        responses[str(status)] = {
            "description": description,
            "content": {"application/json": {"schema": content_schema}},
        }
        if op.location and status == 201:
            responses[str(status)]["headers"] = {
                "Location": {"description": "The new resource's URL.", "schema": {"type": "string"}}
            }
    public = _is_public(view)
    for status in _statuses(op, path, public=public):
        responses[str(status)] = _problem(status, app)
    result: dict[str, Any] = {
        "operationId": operation_id,
        "tags": [op.tag],
        "summary": summary.strip(),
    }
    if rest.strip():
        result["description"] = " ".join(rest.split())
    parameters = _parameters(path, op, schemas)
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {
                "application/json": {"schema": {"$ref": REF.format(model=op.body.__name__)}}
            },
        }
    result["responses"] = responses
    if public:
        result["security"] = []
    return result


# A route answering several methods: the first of these keeps the view's name as its id.
METHOD_ORDER = ("GET", "PUT", "PATCH", "POST", "DELETE")


def _components(models: list[type[BaseModel]]) -> dict[str, Any]:
    _, top = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    schemas: dict[str, Any] = top["$defs"]
    for schema in schemas.values():
        for prop in schema.get("properties", {}).values():
            # A key that may be left out but is never null: its default is "absent", not null.
            if prop.get("default", 0) is None and not _allows_null(prop):
                del prop["default"]
    return schemas


def _allows_null(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    if kinds == "null" or (isinstance(kinds, list) and "null" in kinds):
        return True
    return any(_allows_null(option) for option in schema.get("anyOf", []))


def document(app: Flask) -> dict[str, Any]:
    """The whole OpenAPI document, built once per app from the routes and the models."""
    cached = app.extensions.get("api_openapi")
    if cached is not None:
        return cached
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{bp.name}.") and rule.endpoint in OPERATIONS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(bp.url_prefix or ""))
            routes.append((path, rule, OPERATIONS[rule.endpoint]))
    models: list[type[BaseModel]] = [Problem]
    for _, _, op in routes:
        models += [m for _, m in op.ok.values() if m is not None]
        models += [m for m in (op.body, op.query) if m is not None]
    schemas = _components(list(dict.fromkeys(models)))
    paths: dict[str, Any] = {}
    for path, rule, op in sorted(routes, key=lambda r: r[0]):
        view = app.view_functions[rule.endpoint]
        methods = sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}, key=METHOD_ORDER.index)
        for n, method in enumerate(methods):
            operation_id = view.__name__ if n == 0 else f"{view.__name__}_{method.lower()}"
            paths.setdefault(path, {})[method.lower()] = _operation(
                view, operation_id, path, op, app, schemas
            )
    for _, _, op in routes:
        if op.query is not None:
            schemas.pop(op.query.__name__, None)
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": f"{app.config.get('PROGRAM_NAME', 'CoResponse')} API",
            "version": "1",
            "description": (
                "JSON API of CoResponse. Authenticate with a personal API token "
                "(`Authorization: Bearer <token>`, made on the API tokens page or with "
                "`flask tokens create`) or the browser session (writes then need the "
                "header `X-CSRFToken`). The same access rules as the pages apply: clinical "
                "fields are absent from responses to non-clinical readers. Errors are RFC 9457 "
                "problem details (`application/problem+json`). A body may hold at most "
                f"{describe_bytes(app.config['MAX_CONTENT_LENGTH'])} (413) and nest at most "
                f"{MAX_JSON_DEPTH} levels (400); text refuses control characters other than "
                "tab, line feed and carriage return, and unpaired surrogates (422 on the field). "
                "Generated from the API's Pydantic models (coresponse/api/inputs.py, outputs.py)."
            ),
        },
        "servers": [{"url": bp.url_prefix}],
        "tags": [{"name": name, "description": text} for name, text in TAGS.items()],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (crt_...).",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The browser session; writes also need the X-CSRFToken header.",
                },
            },
            "schemas": schemas,
        },
        "paths": paths,
    }
    app.extensions["api_openapi"] = doc
    return doc


@operation("meta", {200: ("The OpenAPI document.", None)})
@bp.get("/openapi.json")
@public
def openapi() -> Response:
    """This document (no login needed)."""
    return jsonify(document(current_app))

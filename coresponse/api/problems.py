"""RFC 9457 problem details: every error under /api/ answers JSON, never an HTML page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Response, current_app, json, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from werkzeug.exceptions import HTTPException

from coresponse import unit_of_work
from coresponse.errors import DomainError
from coresponse.text import describe_bytes

PROBLEM_JSON = "application/problem+json"
API_PREFIX = "/api/"

# Short, stable titles per status; `detail` says what to do about this occurrence.
TITLES = {
    400: "Bad request",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    500: "Internal server error",
}
DETAILS = {
    400: "The request could not be read.",
    401: "Send `Authorization: Bearer <token>` with a personal API token, or log in.",
    403: "Your role does not allow this.",
    404: "Nothing here, or you do not have access to it.",
    405: "This URL does not accept that method.",
    413: "What you sent is too large.",
    415: "Send a JSON body with `Content-Type: application/json`.",
    422: "Some of what you sent could not be accepted.",
    429: "Wait a few minutes and try again.",
    500: "Nothing was saved. Try again; if it keeps happening, tell your administrator.",
}


class FieldError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    field: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details: every error under /api/ has this shape."""

    model_config = ConfigDict(extra="forbid")

    type: str
    title: str
    status: int
    detail: str
    # Left out when there are none; never null (SkipJsonSchema keeps null out of the schema).
    errors: list[FieldError] | SkipJsonSchema[None] = Field(
        default=None, description="One message per field that was refused (422)."
    )


class ApiProblem(Exception):
    """Stop an API request with a problem response."""

    def __init__(
        self,
        status: int,
        detail: str | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        type: str = "about:blank",
        title: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or DETAILS.get(status, ""))
        self.status = status
        self.detail = detail or DETAILS.get(status, "")
        self.errors = errors
        self.type = type
        self.title = title or TITLES.get(status, "Error")
        self.headers = headers or {}


def field_error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def validation_problem(errors: list[dict[str, str]], detail: str | None = None) -> ApiProblem:
    """A 422 listing each field's message."""
    return ApiProblem(
        422,
        detail or "; ".join(f"{e['field']}: {e['message']}" for e in errors),
        errors=errors,
        type="urn:coresponse:problem:validation",
    )


def problem_response(problem: ApiProblem) -> Response:
    body = Problem(
        type=problem.type, title=problem.title, status=problem.status, detail=problem.detail
    )
    if problem.errors:
        body.errors = [FieldError(**error) for error in problem.errors]
    response = current_app.response_class(
        json.dumps(body.model_dump(exclude_unset=True)),
        status=problem.status,
        mimetype=PROBLEM_JSON,
    )
    for name, value in problem.headers.items():
        response.headers[name] = value
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="coresponse"'
    return response


def from_domain_error(error: DomainError) -> ApiProblem:
    """A refused change: its status and message, on its field when it names one."""
    errors = [field_error(error.field, error.message)] if error.field else None
    slug = {409: "conflict", 422: "validation", 404: "not-found"}.get(error.status_code)
    return ApiProblem(
        error.status_code,
        error.message,
        errors=errors,
        type=f"urn:coresponse:problem:{slug}" if slug else "about:blank",
    )


def from_http_exception(error: HTTPException) -> ApiProblem:
    code = error.code or 500
    detail = DETAILS.get(code, error.description or "")
    # abort(400, description="...") carries a message meant for the caller.
    if error.description and error.description != type(error).description:
        detail = error.description
    elif code == 413:
        limit = describe_bytes(current_app.config["MAX_CONTENT_LENGTH"])
        detail = f"The body is larger than {limit}, the most this server reads: send less."
    headers = {}
    valid_methods = getattr(error, "valid_methods", None)  # MethodNotAllowed's
    if code == 405 and valid_methods:
        headers["Allow"] = ", ".join(sorted(valid_methods))
    return ApiProblem(code, detail, title=TITLES.get(code, error.name), headers=headers)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def init_app(app: Flask) -> None:
    """Answer errors under /api/ with problem details; pages keep their HTML error pages.

    Routing errors (unknown URL, wrong method) happen before any blueprint is chosen,
    so the handlers are app-wide and pass everything outside /api/ to the handlers
    registered before them.
    """
    spec = app.error_handler_spec[None]
    page_http = spec[None][HTTPException]
    page_csrf = spec[400][CSRFError]
    page_unexpected = spec[None][Exception]

    def either(
        page_handler: Callable[[Any], Any], api_handler: Callable[[Any], Response]
    ) -> Callable[[Exception], ResponseReturnValue]:
        def handler(error: Exception) -> ResponseReturnValue:
            if is_api_request():
                return api_handler(error)
            return page_handler(error)

        return handler

    def api_http(error: HTTPException) -> Response:
        unit_of_work.discard()
        return problem_response(from_http_exception(error))

    def api_csrf(error: CSRFError) -> Response:
        unit_of_work.discard()
        return problem_response(
            ApiProblem(
                403,
                "Writes with a browser session need the header X-CSRFToken with the page's "
                f"csrf token ({error.description}); or use a personal API token.",
                type="urn:coresponse:problem:csrf",
                title="CSRF token missing or invalid",
            )
        )

    def api_unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return api_http(error)
        if isinstance(error, ApiProblem):
            unit_of_work.discard()
            return problem_response(error)
        unit_of_work.discard()
        app.logger.exception("Unhandled error in the API")
        if app.testing and app.config.get("PROPAGATE_TEST_ERRORS", True):
            raise error
        return problem_response(ApiProblem(500))

    app.register_error_handler(HTTPException, either(page_http, api_http))
    app.register_error_handler(CSRFError, either(page_csrf, api_csrf))
    app.register_error_handler(Exception, either(page_unexpected, api_unexpected))

"""Helpers shared by the HTML views of every domain."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from flask import abort, flash, request
from flask_wtf import FlaskForm

from coresponse.audit.services import RequestInfo
from coresponse.errors import DomainError
from coresponse.extensions import db

M = TypeVar("M")
# A path (with any query) in printable ASCII, without spaces or backslashes.
_LOCAL_LINK = re.compile(r"/[!-\[\]-~]*")


def request_info() -> RequestInfo:
    """The caller's address and browser, for the audit trail."""
    return RequestInfo(
        ip_address=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
    )


def get_or_404(model: type[M], ident: int, *, options: list[Any] | None = None) -> M:
    """The row with this primary key, or a 404 page."""
    obj = db.session.get(model, ident, options=options or [])
    if obj is None:
        abort(404)
    return obj


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths are followed after login: never another host, nothing odd.

    A link url_for or a browser writes is printable ASCII. Anything else is ignored and
    the login goes home: CR/LF (no header may hold them: the review's 500), tabs and
    spaces (browsers drop a tab, so "/<tab>/evil" would become "//evil"), backslashes,
    and non-ASCII characters decoded from the query string.
    """
    return (
        target is not None
        and _LOCAL_LINK.fullmatch(target) is not None
        and not target.startswith("//")
    )


def refuse(form: FlaskForm | None, error: DomainError) -> int:
    """Show a refused change: on its field if the form has one, else as a flash.

    Returns the status code the view should answer with.
    """
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
    db.session.rollback()
    return error.status_code

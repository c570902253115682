"""Helpers shared by the HTML views of every domain."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeGuard, TypeVar

from flask import abort, flash, request
from flask_wtf import FlaskForm

from coresponse import unit_of_work
from coresponse.audit.models import RequestInfo
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.locking import StaleRecord

M = TypeVar("M")
T = TypeVar("T")
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


def is_safe_next(target: str | None) -> TypeGuard[str]:
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

    The refused change is undone at once (unless the refusal is its own record: see
    unit_of_work.undo_refused), so the page shown again shows what is stored, and
    nothing a service half did can be kept with that page's audit event. Objects the
    view loaded are expired by the rollback: a view that shows them again loads them
    again. Returns the status code the view should answer with.
    """
    field = getattr(form, error.field, None) if (form is not None and error.field) else None
    if field is not None:
        field.errors = [*field.errors, error.message]
    else:
        flash(error.message, "error")
    unit_of_work.undo_refused(error)
    return error.status_code


@dataclass(frozen=True)
class Submission(Generic[T]):
    """What became of a submitted form (see submit)."""

    status: int = 200
    done: bool = False
    # The service's return value, once done.
    result: T | None = None
    # The domain error the service raised, when it refused.
    refused: DomainError | None = None

    @property
    def stale(self) -> bool:
        """Refused because someone saved the record after the form was shown (a 409 page)."""
        return isinstance(self.refused, StaleRecord)


def submit(form: FlaskForm, change: Callable[[], T]) -> Submission[T]:
    """The form flow: validate, call the service, or show why not.

    Not submitted: status 200, nothing done. Invalid: 422, the fields say why. The
    service refused (a DomainError): its message on its field or flashed, the change
    undone (refuse), its status (a StaleRecord is `stale`: the view shows its conflict
    page). Otherwise `done`, with the service's `result`: the view flashes and
    redirects, and the request commits (coresponse/unit_of_work.py). Views whose flow
    differs (several steps, choices checked by hand) call refuse() themselves.
    """
    if not form.is_submitted():
        return Submission()
    if not form.validate():
        return Submission(status=422)
    try:
        result = change()
    except DomainError as error:
        return Submission(status=refuse(form, error), refused=error)
    return Submission(status=200, done=True, result=result)

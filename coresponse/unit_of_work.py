"""One unit of work per request: the request commits once, or rolls back, here.

Services change state and flush; views and the API call them and never commit. When
the response is ready (a view's, or an error handler's), `_finish` settles the request:

- **a response under 400** (a page, a redirect, a created resource) commits everything
  the request did, including the audit events of what it showed;
- **an error status (400 and over) rolls everything back**, so a refused or failed
  request leaves nothing half-saved;
- **an exception rolls back** before its error page is drawn (the error handlers call
  `discard()`); teardown rolls back whatever an exception no handler took left.

The exception to the rule is explicit and has one name: `keep_on_error()`. Some records
exist because a request was refused, or record a read of someone's record on a page
answered with an error status, and must stand whatever the status:

- a wrong password or code (it counts toward the lockout) and its audit event, and the
  audit event of a login refused because the account awaits approval: the service that
  records such a refusal raises an error whose class says so (`DomainError.recorded`),
  and `web.refuse()` keeps it instead of rolling it back;
- the audit event of a page that shows a person's record with a 4xx: a form shown
  again with its errors, a 409 conflict page, the break-glass prompt (403) and its
  refusals (422, 429);
- what a page must store to be of use when shown again with errors (the two-factor
  page's new key).

A view calls it after the refused change has been undone (`web.refuse()` undoes it), so
only what it means to keep is kept. An exception still discards everything.

Writes that are no part of the request's work take their own short transaction already:
a login session's last-seen time (auth.sessions) and an API token's last use
(auth.tokens) survive whatever the request answers.

Pages record their reads last, after rendering: the audit append takes the chain's lock
(PostgreSQL) or the database's write lock (SQLite) until the commit, so it should not
be held while a template renders.

As Indico's request handler commits after the handler and rolls back on an error, and
warehouse's pyramid_tm aborts on a 4xx or 5xx unless the response asks to commit.
Command-line commands have no request: they commit themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, session
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from coresponse import request_state
from coresponse.errors import DomainError
from coresponse.extensions import db

T = TypeVar("T")
# Flask keeps flashed messages here until the next page shows them.
_FLASHES = "_flashes"


def init_app(app: Flask) -> None:
    """Settle every request's transaction when its response is ready.

    Register it after every other after_request function: Flask calls them last
    registered first, so a response put in place of one whose commit failed still
    gets the security headers.
    """
    app.after_request(_finish)
    app.teardown_request(_teardown)


def keep_on_error() -> None:
    """Keep what this request recorded even if it answers with an error status.

    Call it once the request holds nothing else: after a refused change was undone
    (web.refuse() does that). An exception still rolls everything back.
    """
    request_state.here().keep_on_error = True


def discard() -> None:
    """Roll the request's work back now; nothing of it is kept, keep_on_error() or not.

    For error handlers (the page they draw reads from a clean session) and for a
    refused change, so a page shown again shows what is stored.
    """
    _reset_keep()
    db.session.rollback()


def undo_refused(error: DomainError) -> None:
    """A service refused a change: undo it, unless the refusal is itself the record.

    A refusal that records itself (a wrong password counts toward the lockout) says so
    with `recorded`; its service changed nothing else, so the record is kept.
    """
    if error.recorded:
        keep_on_error()
    else:
        discard()


def store_once(save: Callable[[], T], *, stored: Callable[[], bool]) -> T | None:
    """Run a save keyed by the client's own id; None when a copy of it was stored first.

    Two copies of one submission (a tablet retrying after a lost response, a double
    tap) can both find nothing under the id and race to insert it: the unique
    constraint lets one in and fails the other. The loser's work is rolled back and
    None returned, and the caller answers as it answers a retry. An integrity error
    with nothing stored under the id (`stored()` says) is a real one and propagates.
    """
    try:
        return save()
    except IntegrityError:
        discard()
        if not stored():
            raise
        return None


def _finish(response: Response) -> Response:
    state = request_state.current()
    keep = state is not None and state.keep_on_error
    _reset_keep()
    if not db.session.registry.has():
        return response  # no session was opened (a static file): nothing to settle
    if response.status_code >= 400 and not keep:
        db.session.rollback()
        return response
    try:
        db.session.commit()
    except Exception as error:
        # As if the view had raised it: the error handlers answer (a lost race inside
        # the ORM is a 409, anything else a 500), and a "Saved." flashed is not shown.
        db.session.rollback()
        session.pop(_FLASHES, None)
        return current_app.make_response(current_app.handle_user_exception(error))
    return response


def _reset_keep() -> None:
    state = request_state.current()
    if state is not None:
        state.keep_on_error = False


def _teardown(error: BaseException | None) -> None:
    _reset_keep()
    if error is not None:
        db.session.rollback()

"""What one request has learned so far, in one typed place instead of loose `flask.g` keys.

A page asks the same few questions many times (the viewer's team, their break-glass
grants, whether their team has this person); the login query answers the first two in
passing, and the answers are kept here for the rest of the request. Outside a request
(the command line, a service called from a test) there is no state: every reader asks
the database, and writers keep nothing.

An answer kept here lives for the rest of its request, so a change made in that request
which alters it must update or drop it (`policy.forget_break_glass`,
`contacts.queries.remember_contact_uuid`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from flask import g, has_request_context

if TYPE_CHECKING:
    from sqlalchemy.orm import SessionTransaction

    from coresponse.auth.models import UserSession
    from coresponse.contacts.models import Contact


@dataclass
class RequestState:
    # The login: the session row the cookie named, whether the page already said why a
    # session ended, and how an API call logged in ("token" or "session").
    user_session: UserSession | None = None
    session_end_flashed: bool = False
    api_auth: str | None = None
    # Access (coresponse/privacy/policy.py), by user id: their current team, the people
    # of their unexpired break-glass grants; by (user id, person id): their team has a
    # case of the person.
    team_id: dict[int, int | None] = field(default_factory=dict)
    break_glass: dict[int, frozenset[int]] = field(default_factory=dict)
    on_person_team: dict[tuple[int, int], bool] = field(default_factory=dict)
    # Reminders: the user's open notifications, counted by the login session's query.
    open_notifications: dict[int, int] = field(default_factory=dict)
    # Contacts: a team's current member ids; the contact saved under a uuid, with the
    # transaction it was read in (a rollback makes the answer stale).
    member_ids: dict[int, frozenset[int]] = field(default_factory=dict)
    contact_by_uuid: dict[uuid.UUID, tuple[SessionTransaction | None, Contact | None]] = field(
        default_factory=dict
    )
    # The unit of work (coresponse/unit_of_work.py): keep what was recorded even though
    # the response is an error.
    keep_on_error: bool = False
    # Templates: a route's URL split around its id, per (endpoint, argument).
    id_urls: dict[tuple[str, str], tuple[str, str] | None] = field(default_factory=dict)


def current() -> RequestState | None:
    """This request's state (made on first use), or None outside a request."""
    if not has_request_context():
        return None
    state = g.get("coresponse_state")
    if state is None:
        state = g.coresponse_state = RequestState()
    return state


def here() -> RequestState:
    """This request's state, for code that runs only inside a request (login, the API's)."""
    state = current()
    if state is None:
        raise RuntimeError("request_state.here() outside a request")
    return state


def session_row() -> UserSession | None:
    """The login session row the request's cookie named (None for an API token, or none)."""
    state = current()
    return None if state is None else state.user_session


K = TypeVar("K")
V = TypeVar("V")


def kept(table: Callable[[RequestState], dict[K, V]], key: K, compute: Callable[[], V]) -> V:
    """table(state)[key], computed once per request; compute() every time outside one."""
    state = current()
    if state is None:
        return compute()
    answers = table(state)
    if key not in answers:
        answers[key] = compute()
    return answers[key]


def keep(table: Callable[[RequestState], dict[K, V]], key: K, value: V) -> None:
    """Set table(state)[key] for the rest of the request (nothing outside one)."""
    state = current()
    if state is not None:
        table(state)[key] = value

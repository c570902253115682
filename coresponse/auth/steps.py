"""Steps an account must take before anything else: a new password after a reset, and
two-factor login where the role requires it.

One rule for every way in: a login session is sent to the page that does the step
(auth.require_account_steps), an API call with a session or a personal token is
refused with a problem naming it (api.auth).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from coresponse.auth import two_factor
from coresponse.auth.models import User, UserSession


@dataclass(frozen=True)
class AccountStep:
    """One thing the person has to do, and where."""

    endpoint: str  # the page that does it
    open_endpoints: frozenset[str]  # the pages still reachable until it is done
    api_detail: str  # what an API caller is told instead


CHANGE_PASSWORD = AccountStep(
    endpoint="auth.change_password",
    open_endpoints=frozenset({"auth.change_password", "auth.logout", "static"}),
    api_detail=(
        "Change your password in CoResponse (/account/password) before using the API, "
        "then make a new API token: a password change revokes the old ones."
    ),
)
SET_UP_TWO_FACTOR = AccountStep(
    endpoint="auth.two_factor",
    open_endpoints=frozenset(
        {"auth.two_factor", "auth.two_factor_confirm", "auth.logout", "static"}
    ),
    api_detail=(
        "Set up two-factor login in CoResponse (/account/two-factor) before using the API: "
        "your role requires it."
    ),
)


def for_session(user: User, row: UserSession | None) -> AccountStep | None:
    """The step a login session has to take next, if any.

    Two-factor counts as done when this session's login proved a code.
    """
    return _next(user, lambda: row is not None and row.two_factor_verified)


def for_token(user: User) -> AccountStep | None:
    """The step left before the user's personal API tokens may be used, if any.

    A token proves no second factor by itself: where the role requires one, the
    account must have it set up (and so log in with it).
    """
    return _next(user, lambda: two_factor.has_two_factor(user))


def _next(user: User, two_factor_done: Callable[[], bool]) -> AccountStep | None:
    # One step at a time, the password first: were both enforced at once, each page
    # would send the person to the other.
    if user.must_change_password:
        return CHANGE_PASSWORD
    # Only when required: for tokens it costs a query.
    if two_factor.required_for(user) and not two_factor_done():
        return SET_UP_TWO_FACTOR
    return None

"""Who is calling the API: a personal token (`Authorization: Bearer`), or the browser session.

Either way the account's pending steps (a new password, a required second factor)
refuse the call, as they hold a login session to those pages. Token calls are exempt
from CSRF (a token is not sent by the browser on its own); writes with the session
cookie need the header `X-CSRFToken`.
"""

from __future__ import annotations

from flask import current_app, g, request
from flask_login import current_user

from coresponse import request_state
from coresponse.api.problems import ApiProblem
from coresponse.auth import steps, tokens
from coresponse.extensions import csrf

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_AUTH, SESSION_AUTH = "token", "session"


def authenticate() -> None:
    """Log the request in by its bearer token or session, or stop it with 401."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, value = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise ApiProblem(401, "Send the token as `Authorization: Bearer <token>`.")
        try:
            found = tokens.find_token(value.strip())
        except tokens.TokenExpired as error:
            raise ApiProblem(401, error.message) from None
        if found is None:
            raise ApiProblem(
                401,
                "This API token is not valid: it may have been revoked, or its account "
                "disabled, not yet approved or held after a reset.",
            )
        token, user = found
        _refuse_pending_step(steps.for_token(user))
        tokens.record_token_use(token)
        # Flask-Login's current_user for this request only; no session cookie is set.
        g._login_user = user
        request_state.here().api_auth = TOKEN_AUTH
        return
    if not current_user.is_authenticated:
        raise ApiProblem(401)
    _refuse_pending_step(steps.for_session(current_user, request_state.here().user_session))
    request_state.here().api_auth = SESSION_AUTH
    if request.method in WRITE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()


def _refuse_pending_step(step: steps.AccountStep | None) -> None:
    """A 403 naming the step the account has to take next, as the pages would redirect."""
    if step is not None:
        raise ApiProblem(
            403,
            step.api_detail,
            type="urn:coresponse:problem:account-step",
            title="Account step required",
        )


def is_session_auth() -> bool:
    state = request_state.current()
    return state is not None and state.api_auth == SESSION_AUTH

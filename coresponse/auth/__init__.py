"""Accounts, roles, login and sessions."""

from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_login.utils import login_url

from coresponse import request_state
from coresponse.auth.models import SessionEndReason, User
from coresponse.extensions import login_manager

bp = Blueprint("auth", __name__)

# Flask-Login's keys in the session cookie, plus ours; cleared when a session ends.
_LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds")


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the server-side sessions, and the forced password change
    and two-factor enrolment."""
    from coresponse.auth import sessions, steps

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        """The user of this request's session row, if that session is still good."""
        ident, _, version = user_id.partition(":")
        token = session.get(sessions.TOKEN_KEY)
        if not (
            ident.isascii() and ident.isdigit() and version.isascii() and version.isdigit()
        ) or not isinstance(token, str):
            _session_ended(None)
            return None
        found = sessions.find_session(token)
        if found is None:
            _session_ended(None)
            return None
        row, user = found
        if user.id != int(ident):
            _session_ended(None)
            return None
        reason = sessions.end_reason(row, user, session_version=int(version))
        if reason is not None:
            if row.ended_at is None:
                sessions.close_quietly(row, reason)
            _session_ended(reason)
            return None
        sessions.record_activity(row)
        request_state.here().user_session = row
        return user

    def _session_ended(reason: SessionEndReason | None) -> None:
        """Forget the login in this browser and say why, once."""
        for key in (*_LOGIN_KEYS, sessions.TOKEN_KEY):
            session.pop(key, None)
        if reason is SessionEndReason.IDLE:
            minutes = app.config["SESSION_IDLE_MINUTES"]
            message = f"Your session ended after {minutes} minutes without activity. Log in again."
        elif reason is SessionEndReason.EXPIRED:
            hours = app.config["SESSION_ABSOLUTE_HOURS"]
            message = f"Your session ended after {hours} hours. Log in again."
        else:
            message = "You were logged out."
        flash(message, "info")
        request_state.here().session_end_flashed = True
        return None

    @login_manager.unauthorized_handler
    def unauthorized() -> ResponseReturnValue:
        """Send the visitor to the login page, saying why only once."""
        if not request_state.here().session_end_flashed:
            flash(login_manager.login_message, login_manager.login_message_category)
        return redirect(login_url("auth.login", next_url=request.url))

    @app.before_request
    def require_account_steps() -> ResponseReturnValue | None:
        """A reset password must be changed, and a required second factor set up,
        before anything else (auth.steps says which)."""
        # The API answers a problem instead, once it knows the caller (session or token).
        if request.path.startswith("/api/") or not current_user.is_authenticated:
            return None
        step = steps.for_session(current_user, request_state.here().user_session)
        if step is not None and request.endpoint not in step.open_endpoints:
            return redirect(url_for(step.endpoint))
        return None

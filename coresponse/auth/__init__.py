"""Accounts, roles, login and sessions."""

from __future__ import annotations

from flask import Blueprint, Flask, redirect, request, url_for
from flask_login import current_user

from coresponse.auth.models import User
from coresponse.extensions import db, login_manager

bp = Blueprint("auth", __name__)

# Pages a user who must change their password may still reach.
_OPEN_WHEN_PASSWORD_EXPIRED = {"auth.change_password", "auth.logout", "static"}


def init_app(app: Flask) -> None:
    """Wire Flask-Login to the User table and the forced password change."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to continue."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        ident, _, version = user_id.partition(":")
        if not ident.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(ident))
        # A disabled account or a newer session version ends this session at once.
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    @app.before_request
    def require_password_change():  # type: ignore[no-untyped-def]
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in _OPEN_WHEN_PASSWORD_EXPIRED
        ):
            return redirect(url_for("auth.change_password"))
        return None

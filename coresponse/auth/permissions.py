"""Who may do what with accounts; and the deny-by-default helpers every domain uses."""

from __future__ import annotations

from flask import abort

from coresponse.auth.models import Role, User


def require(allowed: bool) -> None:
    """Stop the request with 403 unless the rule allowed it."""
    if not allowed:
        abort(403)


def can_manage_users(user: User) -> bool:
    """Administrators create, edit and disable accounts."""
    return user.is_authenticated and user.active and user.role is Role.ADMIN

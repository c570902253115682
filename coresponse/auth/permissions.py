"""Who may do what with accounts; and the deny-by-default helpers every domain uses."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from coresponse.auth.models import Role, User

F = TypeVar("F", bound=Callable[..., Any])


def require(allowed: bool) -> None:
    """Stop the request with 403 unless the rule allowed it."""
    if not allowed:
        abort(403)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """A view only these roles may open (logged-out users go to the login page)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            require(current_user.role in roles)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def can_manage_users(user: User) -> bool:
    """Administrators create, edit and disable accounts."""
    return user.is_authenticated and user.active and user.role is Role.ADMIN

"""Who may see and change teams."""

from __future__ import annotations

from coresponse.auth.models import Role, User


def can_view_teams(user: User) -> bool:
    """Everyone in the program may see which teams exist and who is on them."""
    return user.is_authenticated and user.active


def can_manage_teams(user: User) -> bool:
    """Supervisors (and administrators) create teams and change their membership."""
    return user.is_authenticated and user.active and user.role in (Role.SUPERVISOR, Role.ADMIN)

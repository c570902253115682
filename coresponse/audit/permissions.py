"""Who may read the audit trail. Deny by default."""

from __future__ import annotations

from coresponse.auth.models import Role, User
from coresponse.privacy import policy


def can_view_audit_report(user: User) -> bool:
    """The program-wide audit report and its CSV export: administrators."""
    return user.is_authenticated and user.active and user.role is Role.ADMIN


def can_view_access_log(user: User) -> bool:
    """A person's access log (who opened their record): supervisors, who see every case."""
    return policy.sees_all_cases(user)

"""Shared by the access-approval tests: a user's pending request, and audit events."""

from __future__ import annotations

from sqlalchemy import select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth import services
from coresponse.auth.models import AccessRequest, User
from coresponse.auth.queries import pending_access_request
from coresponse.extensions import db


def pending_request(user: User) -> AccessRequest:
    """The user's pending request, loaded as the approvals page loads it."""
    pending = pending_access_request(user)
    assert pending is not None, f"{user.username} has no pending access request"
    return services.get_access_request(pending.id)


def events(action: AuditAction) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))

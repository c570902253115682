"""Every change to staff training: recording a completion (audited like other account
changes; nothing is edited or deleted, a renewal is a new completion)."""

from __future__ import annotations

from datetime import date

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change
from coresponse.auth.models import User
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.training.models import Training, TrainingKind


def record_training(
    user: User,
    kind: TrainingKind,
    *,
    completed_on: date,
    expires_on: date | None,
    by: User,
    today: date,
    request_info: RequestInfo | None = None,
) -> Training:
    """Record that a staff member completed a course (and until when it counts)."""
    if completed_on > today:
        raise DomainError("The completion date cannot be in the future.", field="completed_on")
    if expires_on is not None and expires_on < completed_on:
        raise DomainError(
            "The expiry date cannot be before the completion date.", field="expires_on"
        )
    training = Training(
        user_id=user.id,
        kind=kind,
        completed_on=completed_on,
        expires_on=expires_on,
        recorded_by_id=by.id,
    )
    db.session.add(training)
    until = f", expires {expires_on.isoformat()}" if expires_on else ", no expiry"
    record_change(
        AuditAction.CREATE,
        training,
        by=by,
        detail=f"{user.username}: {kind.label} completed {completed_on.isoformat()}{until}",
        category=DataCategory.ACCOUNT,
        request_info=request_info,
    )
    return training

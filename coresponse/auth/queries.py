"""Read paths for accounts: the access requests waiting for a supervisor."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from coresponse.auth.models import AccessRequest, AccessRequestStatus, User
from coresponse.extensions import db
from coresponse.pagination import Page, keyset_page
from coresponse.privacy import policy


def pending_access_request(user: User) -> AccessRequest | None:
    """The request for the user's access that waits for a supervisor, if any, with who
    asked for it."""
    return db.session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.user_id == user.id,
            AccessRequest.status == AccessRequestStatus.PENDING,
        )
        .options(joinedload(AccessRequest.requested_by))
    )


def waiting_access_requests(*, cursor: str | None, size: int) -> Page[AccessRequest]:
    """Every access request waiting for a decision, oldest first, with the account and
    who asked (the supervisors' page shows those another supervisor must decide too)."""
    stmt = (
        select(AccessRequest)
        .where(AccessRequest.status == AccessRequestStatus.PENDING)
        .options(joinedload(AccessRequest.user), joinedload(AccessRequest.requested_by))
    )
    return keyset_page(stmt, [AccessRequest.id], cursor=cursor, size=size)


def access_requests_for(approver: User) -> Select[int]:
    """The ids of the waiting requests `approver` may decide (for a count)."""
    return (
        select(AccessRequest.id)
        .join(User, User.id == AccessRequest.user_id)
        .where(policy.access_requests_for(approver))
    )


def last_access_decision(user: User) -> AccessRequest | None:
    """The user's most recent decided or withdrawn request, with who decided it."""
    return db.session.scalar(
        select(AccessRequest)
        .where(
            AccessRequest.user_id == user.id,
            AccessRequest.status != AccessRequestStatus.PENDING,
        )
        .options(joinedload(AccessRequest.decided_by))
        .order_by(AccessRequest.id.desc())
        .limit(1)
    )

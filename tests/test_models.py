"""Model-level guarantees every domain relies on."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError, StatementError

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.audit.services import GENESIS_HASH, event_hash, record_event
from coresponse.auth.models import Role, User
from coresponse.extensions import db
from coresponse.teams.models import Team
from tests.factories import make_staffed_team, make_user


def test_lazy_loading_raises_so_n_plus_one_fails_tests(app: Flask) -> None:
    team_id = make_staffed_team()[0].id
    db.session.commit()
    db.session.expunge_all()
    fresh = db.session.scalar(select(Team).where(Team.id == team_id))
    with pytest.raises(InvalidRequestError, match="raise_on_sql"):
        _ = fresh.memberships


def test_timestamps_are_utc_aware_and_naive_ones_are_refused(app: Flask) -> None:
    user = make_user()
    db.session.commit()
    db.session.expire_all()
    loaded = db.session.get(User, user.id)
    assert loaded.created_at.utcoffset().total_seconds() == 0
    loaded.last_login_at = datetime(2026, 1, 1, 12, 0)  # naive: whose noon?
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()


def test_audit_events_form_a_hash_chain(app: Flask) -> None:
    actor = make_user(Role.ADMIN)
    first = record_event(AuditAction.VIEW, by=actor, record_type="person", record_id=1,
                         category=DataCategory.IDENTITY, person_id=None)  # fmt: skip
    second = record_event(AuditAction.UPDATE, by=None, record_type="team", record_id=2,
                          category=DataCategory.ACCOUNT)  # fmt: skip
    db.session.commit()
    db.session.expire_all()
    rows = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [r.id for r in rows] == [first.id, second.id]
    assert rows[0].prev_hash == GENESIS_HASH
    assert rows[1].prev_hash == rows[0].row_hash
    # The stored row hashes to what it says, so a changed column would show.
    assert all(event_hash(r) == r.row_hash for r in rows)
    assert rows[0].username == actor.username and rows[0].role == "admin"

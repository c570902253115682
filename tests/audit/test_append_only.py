"""The database itself refuses to change or remove audit events, however it is asked."""

from __future__ import annotations

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from coresponse import create_app
from coresponse.audit.models import AuditEvent
from coresponse.extensions import db
from tests.audit.helpers import record
from tests.conftest import POSTGRES_URL

REFUSED = "audit events are append-only"


def _run(statement) -> None:  # type: ignore[no-untyped-def]
    db.session.execute(statement)
    db.session.flush()


def _refused(statement) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DBAPIError, match=REFUSED):
        _run(statement)
    db.session.rollback()


def test_the_orm_cannot_change_or_delete_an_event(app: Flask) -> None:
    event = record(2)[0]
    event.detail = "rewritten"
    with pytest.raises(DBAPIError, match=REFUSED):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, event.id))
    with pytest.raises(DBAPIError, match=REFUSED):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEvent, event.id).detail == "test event 0"


def test_raw_sql_cannot_change_or_delete_events(app: Flask) -> None:
    record(3)
    _refused(text("UPDATE audit_event SET detail = 'x' WHERE id = 2"))
    _refused(text("DELETE FROM audit_event WHERE id = 2"))
    _refused(update(AuditEvent).values(ip_address="10.0.0.1"))
    _refused(delete(AuditEvent))
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 3


@pytest.mark.skipif(POSTGRES_URL is None, reason="TRUNCATE is PostgreSQL's")
def test_postgres_refuses_truncate_unless_the_session_allows_it(app: Flask) -> None:
    record(1)
    # audit_event_person refers to audit_event: the two are truncated together or not at all.
    both = "TRUNCATE audit_event, audit_event_person"
    _refused(text(both))
    _refused(text("TRUNCATE audit_event_person"))
    _refused(text('TRUNCATE "user" CASCADE'))  # cascades to the audit tables
    # Only for emptying a test database: the setting lasts to the end of the transaction.
    db.session.execute(text("SET LOCAL coresponse.allow_audit_truncate = 'on'"))
    db.session.execute(text(both))
    db.session.commit()
    _refused(text(both))


def test_the_migration_adds_the_triggers_and_its_downgrade_removes_them(
    empty_database_url: str,
) -> None:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        record(2)
        _refused(text("UPDATE audit_event SET detail = 'x'"))
        _refused(text("DELETE FROM audit_event"))
        downgrade(revision="0003")
        db.session.execute(text("UPDATE audit_event SET detail = 'x' WHERE id = 1"))
        db.session.commit()
        upgrade()
        _refused(text("DELETE FROM audit_event"))
        db.session.remove()
        db.engine.dispose()

"""Helpers for the audit tests: switching the append-only triggers off to play the attacker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from coresponse.audit.ddl import SQLITE_DROP, SQLITE_TRIGGERS
from coresponse.extensions import db


@contextmanager
def triggers_off() -> Iterator[None]:
    """Let raw SQL change audit_event, as someone with direct database access could."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(text("ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only"))
    else:
        for statement in SQLITE_DROP:
            db.session.execute(text(statement))
    db.session.commit()
    try:
        yield
    finally:
        db.session.rollback()
        if dialect == "postgresql":
            db.session.execute(
                text("ALTER TABLE audit_event ENABLE TRIGGER audit_event_append_only")
            )
        else:
            for statement in SQLITE_TRIGGERS:
                db.session.execute(text(statement))
        db.session.commit()

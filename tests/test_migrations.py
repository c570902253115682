"""The migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import inspect

from coresponse import create_app
from coresponse.db_types import include_for
from coresponse.extensions import db


def test_migrations_match_the_models(empty_database_url: str) -> None:
    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            options = {"compare_type": True, "include_object": include_for(conn.dialect.name)}
            diff = compare_metadata(MigrationContext.configure(conn, opts=options), db.metadata)
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert {"user", "team", "team_membership", "person", "case", "contact", "audit_event"} <= tables
    assert diff == [], "models changed without a migration: run `flask db migrate`"


def test_a_migrated_database_appends_to_the_audit_chain(empty_database_url: str) -> None:
    """The append path relies on database functions (audit_chain_head() on PostgreSQL)
    that only the migrations create outside the tests' create_all()."""
    from coresponse.audit.categories import DataCategory
    from coresponse.audit.models import AuditAction
    from coresponse.audit.services import record_event
    from coresponse.audit.verify import verify_chain

    app = create_app("test", SQLALCHEMY_DATABASE_URI=empty_database_url)
    with app.app_context():
        upgrade()
        for n in range(3):
            record_event(
                AuditAction.VIEW, by=None, record_type="test", record_id=n,
                category=DataCategory.OPERATIONAL,
            )  # fmt: skip
            db.session.commit()
        result = verify_chain()
        db.session.remove()
        db.engine.dispose()
    assert result.checked == 3
    assert result.intact

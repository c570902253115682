"""Audit events are append-only: triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 09:00:00.000000

Hand-written: autogenerate does not see triggers. The SQL is a frozen copy of
coresponse/audit/ddl.py (which builds the same triggers for `db.create_all()`), so
this migration never imports the app.

Note for later migrations: on SQLite, a batch operation that rebuilds audit_event
(copy, drop, rename) drops these triggers with the old table; such a migration must
create them again.
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

MESSAGE = "audit events are append-only"

SQLITE_UP = (
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
)

# TRUNCATE is allowed only to a transaction that first ran
# SET LOCAL coresponse.allow_audit_truncate = 'on' (the test suite, emptying its tables).
POSTGRES_UP = (
    f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('coresponse.allow_audit_truncate', true) IS NOT DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '{MESSAGE}: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
""",
    "CREATE TRIGGER audit_event_append_only "
    "BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)


def _statements(up):
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return POSTGRES_UP if up else POSTGRES_DOWN
    return ()


def upgrade():
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade():
    for statement in _statements(up=False):
        op.execute(statement)

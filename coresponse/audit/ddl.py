"""The database refuses to change or remove audit events: triggers on audit_event.

Attached to the table so `db.create_all()` (the tests) builds them; migration 0004
holds its own copy of the same SQL for databases built by `flask db upgrade`.

PostgreSQL also refuses TRUNCATE, unless the transaction first ran
`SET LOCAL coresponse.allow_audit_truncate = 'on'` - the test suite does that to
empty its tables between tests; a production role must never do it (and should not
hold the TRUNCATE privilege at all: see the README's grants).
"""

from __future__ import annotations

from sqlalchemy import DDL, Table, event

APPEND_ONLY_MESSAGE = "audit events are append-only"
TRUNCATE_SETTING = "coresponse.allow_audit_truncate"

SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_update BEFORE UPDATE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_no_delete BEFORE DELETE ON audit_event "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
)

POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND current_setting('{TRUNCATE_SETTING}', true) IS NOT DISTINCT FROM 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '{APPEND_ONLY_MESSAGE}: % refused on %', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""
# Statement level: refuses even an UPDATE or DELETE that would match no row.
POSTGRES_TRIGGER = (
    "CREATE TRIGGER audit_event_append_only "
    "BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()"
)
POSTGRES_DROP = (
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
)


def attach_append_only_triggers(table: Table) -> None:
    """Create the triggers whenever metadata creates the table."""
    for statement in SQLITE_TRIGGERS:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in (POSTGRES_FUNCTION, POSTGRES_TRIGGER):
        # DDL() formats its text with %: the function's own % placeholders are doubled.
        ddl = DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql")
        event.listen(table, "after_create", ddl)

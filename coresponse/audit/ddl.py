"""The database refuses to change or remove audit events: triggers on audit_event.
On PostgreSQL also the function that hands the next append the chain's last hash.

Attached to the table so `db.create_all()` (the tests) builds them; migrations hold
their own copy of the same SQL for databases built by `flask db upgrade` (0004 the
triggers, 0006 audit_chain_head()).

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

# The chain's newest hash, read only once this transaction holds the chain's lock.
# VOLATILE matters: each query in a volatile function takes a fresh snapshot, so the
# read sees the row the previous lock holder committed while this one waited. (A read
# in the calling statement itself would not: its snapshot predates the wait.)
POSTGRES_CHAIN_HEAD = """
CREATE OR REPLACE FUNCTION audit_chain_head() RETURNS varchar
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    -- Any constant works: it names the lock that serialises chain appends.
    PERFORM pg_advisory_xact_lock(1129271877);
    RETURN (SELECT row_hash FROM audit_event ORDER BY id DESC LIMIT 1);
END
$$
"""
POSTGRES_CHAIN_HEAD_DROP = "DROP FUNCTION IF EXISTS audit_chain_head()"


def attach_append_only_triggers(table: Table) -> None:
    """Create the triggers whenever metadata creates the table."""
    for statement in SQLITE_TRIGGERS:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in (POSTGRES_FUNCTION, POSTGRES_TRIGGER, POSTGRES_CHAIN_HEAD):
        # DDL() formats its text with %: the function's own % placeholders are doubled.
        ddl = DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql")
        event.listen(table, "after_create", ddl)

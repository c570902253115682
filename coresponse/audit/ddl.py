"""The database refuses to change or remove audit events: triggers on audit_event.
On PostgreSQL also the function that hands the next append the chain's last hash.
And the trigger that fills audit_event_person, the index of the people each event
names, as the event is inserted (the same append-only triggers guard that table).

Attached to the tables so `db.create_all()` (the tests) builds them; migrations hold
their own copy of the same SQL for databases built by `flask db upgrade` (0004 the
triggers, 0006 audit_chain_head(), 0014 the people index, 0026 its check of the people
named in place of foreign keys on PostgreSQL).

PostgreSQL also refuses TRUNCATE, unless the transaction first ran
`SET LOCAL coresponse.allow_audit_truncate = 'on'` - the test suite does that to
empty its tables between tests; a production role must never do it (and should not
hold the TRUNCATE privilege at all: see the grants in docs/security.md).
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


# The people an event names: its person_id and the ids of its person_ids (a JSON array),
# each once. In the inserting statement itself, so an append stays one statement.
SQLITE_PERSON_INDEX = (
    "CREATE TRIGGER IF NOT EXISTS audit_event_index_people AFTER INSERT ON audit_event "
    "BEGIN INSERT INTO audit_event_person (event_id, person_id, at) "
    "SELECT NEW.id, NEW.person_id, NEW.at WHERE NEW.person_id IS NOT NULL "
    "UNION SELECT NEW.id, value, NEW.at FROM json_each(NEW.person_ids); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_person_no_update "
    "BEFORE UPDATE ON audit_event_person "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_person_no_delete "
    "BEFORE DELETE ON audit_event_person "
    f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
)
SQLITE_PERSON_INDEX_DROP = (
    "DROP TRIGGER IF EXISTS audit_event_index_people",
    "DROP TRIGGER IF EXISTS audit_event_person_no_update",
    "DROP TRIGGER IF EXISTS audit_event_person_no_delete",
)

# On PostgreSQL audit_event_person has no foreign keys (see AuditEventPerson): a foreign
# key is a trigger per row that locks the parent row, and a list names thousands. Here
# one anti-join checks every person the event names (`foreign_key_violation`, as the
# foreign key would) before the one INSERT; the event is NEW itself.
POSTGRES_PERSON_INDEX_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_index_people() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    people integer[];
    unknown integer;
BEGIN
    people := ARRAY(
        SELECT NEW.person_id WHERE NEW.person_id IS NOT NULL
        UNION
        SELECT value::integer FROM jsonb_array_elements_text(NEW.person_ids::jsonb)
    );
    SELECT named.person_id INTO unknown FROM unnest(people) AS named (person_id)
    WHERE NOT EXISTS (SELECT FROM person WHERE person.id = named.person_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'audit event % names person %, who is not on record', NEW.id, unknown
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    INSERT INTO audit_event_person (event_id, person_id, at)
    SELECT NEW.id, named.person_id, NEW.at FROM unnest(people) AS named (person_id);
    RETURN NULL;
END
$$
"""
POSTGRES_PERSON_INDEX = (
    POSTGRES_PERSON_INDEX_FUNCTION,
    "CREATE TRIGGER audit_event_index_people AFTER INSERT ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_index_people()",
    # The same refusal as audit_event's (the function names the table it refused).
    "CREATE TRIGGER audit_event_person_append_only "
    "BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event_person "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
POSTGRES_PERSON_INDEX_DROP = (
    "DROP TRIGGER IF EXISTS audit_event_person_append_only ON audit_event_person",
    "DROP TRIGGER IF EXISTS audit_event_index_people ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_index_people()",
)


def attach_append_only_triggers(table: Table) -> None:
    """Create the triggers whenever metadata creates the table."""
    for statement in SQLITE_TRIGGERS:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in (POSTGRES_FUNCTION, POSTGRES_TRIGGER, POSTGRES_CHAIN_HEAD):
        # DDL() formats its text with %: the function's own % placeholders are doubled.
        ddl = DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql")
        event.listen(table, "after_create", ddl)


def attach_person_index_triggers(table: Table) -> None:
    """Create audit_event_person's triggers (and audit_event's that fills it) with it."""
    for statement in SQLITE_PERSON_INDEX:
        event.listen(table, "after_create", DDL(statement).execute_if(dialect="sqlite"))
    for statement in POSTGRES_PERSON_INDEX:
        ddl = DDL(statement.replace("%", "%%")).execute_if(dialect="postgresql")
        event.listen(table, "after_create", ddl)

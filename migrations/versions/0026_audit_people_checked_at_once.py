"""The people an audit event names are checked at once on PostgreSQL, not by foreign key

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 23:10:00

A list's audit event names every person it showed; the trigger of 0014 indexes each in
audit_event_person. The supervisor's map names 7,065 people at 100,000 (bench data), and
on PostgreSQL that table's two foreign keys made the insert the largest cost of the view:
a foreign key there is a trigger per row that looks up the parent row and locks it
(FOR KEY SHARE), 14,130 calls and 7,065 person rows locked per map.

PostgreSQL only: audit_event_person loses its two foreign keys, and the trigger that
fills it checks every person the event names against `person` in one query first
(refusing an unknown one with foreign_key_violation, as the key did). The event's own
id needs no check: the trigger inserts NEW.id, the event it fires for, and events are
never removed. SQLite keeps its foreign keys: there a check is a key lookup, no lock.

Hand-written SQL: a frozen copy of coresponse/audit/ddl.py's
POSTGRES_PERSON_INDEX_FUNCTION; the downgrade restores 0014's function and the keys.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

FOREIGN_KEYS = (
    ("fk_audit_event_person_event_id_audit_event", "audit_event", "event_id"),
    ("fk_audit_event_person_person_id_person", "person", "person_id"),
)

CHECKED_FUNCTION = """
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

# 0014's.
UNCHECKED_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_event_index_people() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_event_person (event_id, person_id, at)
    SELECT NEW.id, named.person_id, NEW.at
    FROM (
        SELECT NEW.person_id AS person_id WHERE NEW.person_id IS NOT NULL
        UNION
        SELECT value::integer FROM jsonb_array_elements_text(NEW.person_ids::jsonb)
    ) AS named;
    RETURN NULL;
END
$$
"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, _table, _column in FOREIGN_KEYS:
        op.drop_constraint(name, "audit_event_person", type_="foreignkey")
    op.execute(CHECKED_FUNCTION)


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(UNCHECKED_FUNCTION)
    for name, table, column in FOREIGN_KEYS:
        op.create_foreign_key(name, "audit_event_person", table, [column], ["id"])

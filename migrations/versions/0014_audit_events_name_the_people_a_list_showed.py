"""Audit events name the people a list showed; an index of the people each event names

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-09 09:00:00

audit_event gets person_ids: the people a list read showed (a caseload, a queue, a
search, an API page), as a JSON array of ids. It is part of the row's hash only when
present, so every event written before this revision still verifies.

audit_event_person holds each person an event names (its person_id and each of its
person_ids), with the event's time: a person's access log reads it as one index range.
A trigger on audit_event INSERT fills it, so the app still appends an event in one
statement; it is append-only like audit_event. Events already on record are indexed
here by their person_id.

Hand-written SQL: a frozen copy of coresponse/audit/ddl.py's SQLITE_PERSON_INDEX and
POSTGRES_PERSON_INDEX (autogenerate does not see triggers). audit_event is altered in
place (ALTER TABLE ADD COLUMN), never rebuilt, so its append-only triggers stay.

The downgrade refuses while any event names a list of people: dropping the column would
leave those events' hashes unverifiable.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

MESSAGE = "audit events are append-only"

SQLITE_UP = (
    "CREATE TRIGGER IF NOT EXISTS audit_event_index_people AFTER INSERT ON audit_event "
    "BEGIN INSERT INTO audit_event_person (event_id, person_id, at) "
    "SELECT NEW.id, NEW.person_id, NEW.at WHERE NEW.person_id IS NOT NULL "
    "UNION SELECT NEW.id, value, NEW.at FROM json_each(NEW.person_ids); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_person_no_update "
    "BEFORE UPDATE ON audit_event_person "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    "CREATE TRIGGER IF NOT EXISTS audit_event_person_no_delete "
    "BEFORE DELETE ON audit_event_person "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_index_people",
    "DROP TRIGGER IF EXISTS audit_event_person_no_update",
    "DROP TRIGGER IF EXISTS audit_event_person_no_delete",
)

POSTGRES_UP = (
    """
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
""",
    "CREATE TRIGGER audit_event_index_people AFTER INSERT ON audit_event "
    "FOR EACH ROW EXECUTE FUNCTION audit_event_index_people()",
    # audit_event_append_only() is 0004's: it names the table it refused.
    "CREATE TRIGGER audit_event_person_append_only "
    "BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event_person "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()",
)
POSTGRES_DOWN = (
    "DROP TRIGGER IF EXISTS audit_event_person_append_only ON audit_event_person",
    "DROP TRIGGER IF EXISTS audit_event_index_people ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_index_people()",
)


def _statements(up):
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        return SQLITE_UP if up else SQLITE_DOWN
    if dialect == "postgresql":
        return POSTGRES_UP if up else POSTGRES_DOWN
    return ()


def upgrade():
    op.add_column("audit_event", sa.Column("person_ids", sa.Text(), nullable=True))
    op.create_table(
        "audit_event_person",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["audit_event.id"],
            name=op.f("fk_audit_event_person_event_id_audit_event"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_audit_event_person_person_id_person")
        ),
        sa.PrimaryKeyConstraint("event_id", "person_id", name=op.f("pk_audit_event_person")),
    )
    op.create_index(
        "ix_audit_event_person_by_person",
        "audit_event_person",
        ["person_id", "at", "event_id"],
        unique=False,
    )
    # The events already on record name one person each, if any.
    op.execute(
        "INSERT INTO audit_event_person (event_id, person_id, at) "
        "SELECT id, person_id, at FROM audit_event WHERE person_id IS NOT NULL"
    )
    for statement in _statements(up=True):
        op.execute(statement)


def downgrade():
    listed = op.get_bind().execute(
        sa.text("SELECT count(*) FROM audit_event WHERE person_ids IS NOT NULL")
    ).scalar()
    if listed:
        raise RuntimeError(
            f"{listed} audit events name a list of people: without person_ids their hashes "
            "no longer verify. Not downgraded; restore a backup from before 0014 instead."
        )
    for statement in _statements(up=False):
        op.execute(statement)
    op.drop_index("ix_audit_event_person_by_person", table_name="audit_event_person")
    op.drop_table("audit_event_person")
    # In place (SQLite 3.35+ drops a column itself): a rebuild would lose audit_event's
    # append-only triggers.
    op.drop_column("audit_event", "person_ids")

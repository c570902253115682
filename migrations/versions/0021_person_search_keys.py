"""Search keys: one matcher for people search and the duplicate check

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-20 12:00:00

person_search_key holds the normalised keys people search and the intake's duplicate
check find a person by (coresponse/people/matching.py): each name, middle, preferred
name and alias folded (lower case, no accents, hyphens or spaces) whole and part by
part, with its phonetic code (NYSIIS less its vowels); each phone's digits reversed
(so "ends with 4321" is a prefix); each address line folded with and without its house
number; the birth date.
Two covering indexes read candidates by key (equality or prefix) and by sound.

Every person on record gets their keys here, 5,000 people at a time, made by the app's
own `person_keys` so that they are exactly those the people services write from now
on (a later change to how keys are made would come with a migration that rebuilds them
the same way). The indexes are built after the rows are in.

Search no longer looks for a word inside aliases with LIKE '%word%' (each alias is a key,
whole and word by word), so PostgreSQL's trigram index on person_alias.name_key (0008)
goes; the pg_trgm extension stays, as other objects may use it.
"""

from alembic import op
import sqlalchemy as sa

from coresponse.people.matching import person_keys


# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

BATCH = 5000

person = sa.table(
    "person", sa.column("id", sa.Integer()), sa.column("first_name", sa.String()),
    sa.column("middle_name", sa.String()), sa.column("last_name", sa.String()),
    sa.column("preferred_name", sa.String()), sa.column("date_of_birth", sa.Date()),
)  # fmt: skip
alias = sa.table("person_alias", sa.column("person_id", sa.Integer()), sa.column("name", sa.String()))
phone = sa.table("person_phone", sa.column("person_id", sa.Integer()), sa.column("digits", sa.String()))
address = sa.table(
    "person_address", sa.column("person_id", sa.Integer()), sa.column("line1", sa.String())
)
search_key = sa.table(
    "person_search_key", sa.column("person_id", sa.Integer()), sa.column("kind", sa.String()),
    sa.column("key", sa.String()), sa.column("phonetic", sa.String()),
)  # fmt: skip


def _by_person(conn, table, column, low, high):
    found = {}
    rows = conn.execute(
        sa.select(table.c.person_id, table.c[column]).where(
            table.c.person_id.between(low, high)
        )
    )
    for person_id, value in rows:
        found.setdefault(person_id, []).append(value)
    return found


def _backfill(conn):
    last = 0
    while True:
        people = conn.execute(
            sa.select(person).where(person.c.id > last).order_by(person.c.id).limit(BATCH)
        ).all()
        if not people:
            return
        low, high = people[0].id, people[-1].id
        aliases = _by_person(conn, alias, "name", low, high)
        phones = _by_person(conn, phone, "digits", low, high)
        lines = _by_person(conn, address, "line1", low, high)
        rows = [
            {"person_id": p.id, "kind": key.kind.value, "key": key.key, "phonetic": key.phonetic}
            for p in people
            for key in person_keys(
                first_name=p.first_name, last_name=p.last_name, middle_name=p.middle_name,
                preferred_name=p.preferred_name, date_of_birth=p.date_of_birth,
                aliases=aliases.get(p.id, ()), phones=phones.get(p.id, ()),
                address_lines=lines.get(p.id, ()),
            )  # fmt: skip
        ]
        if rows:
            conn.execute(search_key.insert(), rows)
        last = high


def upgrade():
    op.create_table(
        "person_search_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=160), nullable=False),
        sa.Column("phonetic", sa.String(length=160), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_search_key_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_search_key")),
    )
    _backfill(op.get_bind())
    op.create_index(
        op.f("ix_person_search_key_person_id"), "person_search_key", ["person_id"], unique=False
    )
    op.create_index(
        "ix_person_search_key_key", "person_search_key", ["key", "kind", "person_id"], unique=False
    )
    op.create_index(
        "ix_person_search_key_phonetic",
        "person_search_key",
        ["phonetic", "kind", "person_id"],
        unique=False,
    )
    # The planners' statistics for the new table (both databases spell it the same).
    op.execute("ANALYZE person_search_key")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_person_alias_name_key_trgm", table_name="person_alias")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.create_index(
            "ix_person_alias_name_key_trgm",
            "person_alias",
            ["name_key"],
            unique=False,
            postgresql_using="gin",
            postgresql_ops={"name_key": "gin_trgm_ops"},
        )
    op.drop_index("ix_person_search_key_phonetic", table_name="person_search_key")
    op.drop_index("ix_person_search_key_key", table_name="person_search_key")
    op.drop_index(op.f("ix_person_search_key_person_id"), table_name="person_search_key")
    op.drop_table("person_search_key")

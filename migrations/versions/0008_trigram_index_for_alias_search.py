"""Trigram index for finding a word anywhere in an alias (PostgreSQL only)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 16:10:00

People search matches a word anywhere in an alias (LIKE '%word%'). On PostgreSQL a
GIN trigram index answers that without reading every alias; it needs the pg_trgm
extension, which is trusted: the database owner may create it (README, PostgreSQL).
SQLite has no such index and needs none.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_index(
        "ix_person_alias_name_key_trgm",
        "person_alias",
        ["name_key"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"name_key": "gin_trgm_ops"},
    )


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # The extension stays: other objects may have come to use it.
    op.drop_index("ix_person_alias_name_key_trgm", table_name="person_alias")

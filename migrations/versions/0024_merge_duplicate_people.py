"""Merge duplicate people, with undo

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 19:00:00

A person merged into another stays as a tombstone (person.merged_into_id); person_merge
keeps what the merge changed and moved, so an unmerge restores both records exactly.
Nothing on record changes: no one has been merged yet.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        # A plain ADD COLUMN: a rebuild of "person" would drop a table that other
        # tables' foreign keys point at (SQLite takes a REFERENCES on a NULL column).
        op.execute(
            "ALTER TABLE person ADD COLUMN merged_into_id INTEGER "
            "CONSTRAINT fk_person_merged_into_id_person REFERENCES person (id)"
        )
    else:
        op.add_column("person", sa.Column("merged_into_id", sa.Integer(), nullable=True))
        op.create_foreign_key(
            op.f("fk_person_merged_into_id_person"), "person", "person",
            ["merged_into_id"], ["id"],
        )  # fmt: skip
    op.create_index(op.f("ix_person_merged_into_id"), "person", ["merged_into_id"])

    op.create_table(
        "person_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survivor_id", sa.Integer(), nullable=False),
        sa.Column("merged_id", sa.Integer(), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by_id", sa.Integer(), nullable=True),
        sa.Column("survivor_before", sa.JSON(), nullable=False),
        sa.Column("survivor_after", sa.JSON(), nullable=False),
        sa.Column("merged_before", sa.JSON(), nullable=False),
        sa.Column("moved", sa.JSON(), nullable=False),
        sa.Column("survivor_rows", sa.JSON(), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["survivor_id"], ["person.id"], name=op.f("fk_person_merge_survivor_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["merged_id"], ["person.id"], name=op.f("fk_person_merge_merged_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["merged_by_id"], ["user.id"], name=op.f("fk_person_merge_merged_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["user.id"], name=op.f("fk_person_merge_undone_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_merge")),
    )
    with op.batch_alter_table("person_merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merge_survivor_id"), ["survivor_id"])
        batch_op.create_index(batch_op.f("ix_person_merge_merged_id"), ["merged_id"])
        batch_op.create_index(batch_op.f("ix_person_merge_merged_by_id"), ["merged_by_id"])
        batch_op.create_index(batch_op.f("ix_person_merge_undone_by_id"), ["undone_by_id"])
        batch_op.create_index("ix_person_merge_merged_at", ["merged_at"])


def downgrade():
    # A tombstone would come back as a second live record of its person: refuse while
    # any merge stands (unmerge first).
    standing = op.get_bind().scalar(
        sa.text("SELECT count(*) FROM person WHERE merged_into_id IS NOT NULL")
    )
    if standing:
        raise RuntimeError(
            f"{standing} merged record(s) stand: unmerge them before downgrading below 0024."
        )
    with op.batch_alter_table("person_merge", schema=None) as batch_op:
        batch_op.drop_index("ix_person_merge_merged_at")
        batch_op.drop_index(batch_op.f("ix_person_merge_undone_by_id"))
        batch_op.drop_index(batch_op.f("ix_person_merge_merged_by_id"))
        batch_op.drop_index(batch_op.f("ix_person_merge_merged_id"))
        batch_op.drop_index(batch_op.f("ix_person_merge_survivor_id"))
    op.drop_table("person_merge")
    op.drop_index(op.f("ix_person_merged_into_id"), table_name="person")
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops no column a foreign key is declared on, and rebuilding "person"
        # needs the foreign keys of the tables pointing at it off meanwhile.
        op.execute("PRAGMA foreign_keys=OFF")
        with op.batch_alter_table("person", schema=None, recreate="always") as batch_op:
            batch_op.drop_column("merged_into_id")
        op.execute("PRAGMA foreign_keys=ON")
    else:
        op.drop_constraint(
            op.f("fk_person_merged_into_id_person"), "person", type_="foreignkey"
        )
        op.drop_column("person", "merged_into_id")

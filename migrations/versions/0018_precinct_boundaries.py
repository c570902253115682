"""Precinct boundaries imported by `flask geo import-precincts`

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-18 12:00:00

The police precinct boundaries decide each point's precinct and borough
(coresponse/geo/precincts.py). The file shipped with the code is the default; a newer
GeoJSON file loaded with `flask geo import-precincts FILE` is stored here and used instead,
without a code change: precinct_boundary_set is one import (its file's name, a digest of
the boundaries, when), precinct_boundary one precinct of it as GeoJSON text at full
precision (text, so SQLite and PostgreSQL store it alike). The newest set is the one in
force.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "precinct_boundary_set",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("precinct_count", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_precinct_boundary_set")),
    )
    op.create_table(
        "precinct_boundary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("set_id", sa.Integer(), nullable=False),
        sa.Column("precinct", sa.String(length=10), nullable=False),
        sa.Column("borough", sa.String(length=2), nullable=False),
        sa.Column("sort_key", sa.Integer(), nullable=False),
        sa.Column("geometry", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["set_id"],
            ["precinct_boundary_set.id"],
            name=op.f("fk_precinct_boundary_set_id_precinct_boundary_set"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_precinct_boundary")),
        sa.UniqueConstraint("set_id", "precinct", name=op.f("uq_precinct_boundary_set_id")),
    )
    op.create_index(
        op.f("ix_precinct_boundary_set_id"), "precinct_boundary", ["set_id"], unique=False
    )


def downgrade():
    # Imported boundaries go; lookups fall back to the file shipped with the code.
    op.drop_index(op.f("ix_precinct_boundary_set_id"), table_name="precinct_boundary")
    op.drop_table("precinct_boundary")
    op.drop_table("precinct_boundary_set")

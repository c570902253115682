"""Outcome tallies: the reports' counts kept as the records change

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 23:00:00

outcome_tally holds, for each measure (the contacts, by type and outcome), each grouping
of the reports and each New York day and month, the count the records give
(coresponse/reports/models.py). The app keeps it in step from now on
(coresponse/reports/tallies.py); here it is filled from the records on file by the
app's own `rebuild`, so that the cells are exactly those the app keeps (a later change
to what is tallied comes with a migration that rebuilds them the same way).
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.orm import Session

from coresponse.reports import tallies

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "outcome_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=24), nullable=False),
        sa.Column("grouping", sa.String(length=24), nullable=False),
        sa.Column("grain", sa.String(length=5), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("group_key", sa.String(length=64), nullable=False),
        sa.Column("row_key", sa.String(length=96), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outcome_tally")),
        sa.UniqueConstraint(
            "measure", "grouping", "grain", "period", "group_key", "row_key",
            name="uq_outcome_tally_cell",
        ),
    )  # fmt: skip
    op.create_index(
        "ix_outcome_tally_read", "outcome_tally",
        ["measure", "grouping", "grain", "period", "group_key", "row_key", "n"],
    )  # fmt: skip
    session = Session(bind=op.get_bind())
    tallies.rebuild(session)
    session.flush()


def downgrade():
    op.drop_index("ix_outcome_tally_read", table_name="outcome_tally")
    op.drop_table("outcome_tally")

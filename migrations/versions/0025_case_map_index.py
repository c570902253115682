"""The case map at city scale: its open cases from one index

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 23:00:00

The supervisor's map (GET /cases/map.json) reads every open case (7,065 at 100,000
people). ix_case_open_map is a partial index of the open cases holding every column of
the case the map reads (SQLite needs the status too), so both databases read the open
cases from the index alone, in person order, rather than some 3,000 pages of the table.
The table is analysed afterwards, as 0021 does for its new table.
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

MAP_COLUMNS = [
    "person_id", "team_id", "first_contact_at", "first_contact_due_at", "last_contact_at",
    "id", "status",
]  # fmt: skip
OPEN = sa.text("status = 'open'")


def upgrade():
    op.create_index(
        "ix_case_open_map",
        "case",
        MAP_COLUMNS,
        unique=False,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    # The planners' statistics with the new index: on a table never analysed SQLite
    # guesses, and reads the open cases by the status index and the table, as before.
    op.execute('ANALYZE "case"')


def downgrade():
    op.drop_index("ix_case_open_map", table_name="case")

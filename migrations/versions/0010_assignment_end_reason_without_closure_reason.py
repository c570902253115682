"""An assignment ended by a closure no longer names the closure reason

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 06:00:00

Closing a case wrote "case closed: connected to care" on the assignment it ended, and
police supervisors read assignment histories: a reason that tells of treatment reached
them there. The case's history keeps the reason (case_event.closure_reason), shown to
each reader as the privacy policy allows, so the assignment says only "case closed".
Not reversible: the downgrade leaves the shorter text.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    assignment = sa.table("assignment", sa.column("end_reason", sa.String()))
    op.execute(
        assignment.update()
        .where(assignment.c.end_reason.like("case closed: %"))
        .values(end_reason="case closed")
    )


def downgrade():
    pass

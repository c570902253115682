"""Break-glass is an exception: a coded reason, a verdict that can end it, a flag

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 09:00:00

break_glass_access gets a coded reason (reason_code), the review's verdict, and
ended_at (a review of "not justified" ends the grant at once); an index on
(user_id, at) serves the daily limit. user gets break_glass_flagged_at.

Grants made before this revision had only free text: they get the code "other"
(their text is kept as written). Accesses already acknowledged keep no verdict:
the reviews of the time did not record one, and none is invented here.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("break_glass_access", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("verdict", sa.String(length=40), nullable=True))

    access = sa.table("break_glass_access", sa.column("reason_code", sa.String()))
    op.execute(access.update().values(reason_code="other"))

    with op.batch_alter_table("break_glass_access", schema=None) as batch_op:
        batch_op.alter_column("reason_code", existing_type=sa.String(length=40), nullable=False)
        batch_op.create_index("ix_break_glass_user_at", ["user_id", "at"], unique=False)

    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("break_glass_flagged_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("break_glass_flagged_at")

    with op.batch_alter_table("break_glass_access", schema=None) as batch_op:
        batch_op.drop_index("ix_break_glass_user_at")
        batch_op.drop_column("verdict")
        batch_op.drop_column("ended_at")
        batch_op.drop_column("reason_code")

"""Staff training: Crisis Intervention Training and Mental Health First Aid

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 16:00:01

A completion per row (never edited or deleted; a renewal is a new row). Dispatch needs
both officers of a team to hold current Crisis Intervention Training unless
CORESPONSE_REQUIRE_CIT=off.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_training_user_id_user")),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["user.id"], name=op.f("fk_training_recorded_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_training")),
    )
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_training_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_training_recorded_by_id"), ["recorded_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_training_user_kind_completed", ["user_id", "kind", "completed_on"], unique=False
        )
        batch_op.create_index("ix_training_kind_expires", ["kind", "expires_on"], unique=False)


def downgrade():
    with op.batch_alter_table("training", schema=None) as batch_op:
        batch_op.drop_index("ix_training_kind_expires")
        batch_op.drop_index("ix_training_user_kind_completed")
        batch_op.drop_index(batch_op.f("ix_training_recorded_by_id"))
        batch_op.drop_index(batch_op.f("ix_training_user_id"))
    op.drop_table("training")

"""Notifications: reminders delivered in the app (and by e-mail digest)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 16:00:00

One row per user, rule, subject and window (uq_notification_once), so `flask reminders
run` inserts each reminder once however often, and however concurrently, it runs.
Rows are never deleted: dismissed and resolved ones keep their times.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("period_key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("dismissed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_notification_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint(
            "user_id", "rule", "subject_type", "subject_id", "period_key",
            name="uq_notification_once",
        ),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "ix_notification_user_open",
            ["user_id", "dismissed_at", "resolved_at", "due_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_notification_mail_pending",
            ["emailed_at", "dismissed_at", "resolved_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_mail_pending")
        batch_op.drop_index("ix_notification_user_open")
        batch_op.drop_index(batch_op.f("ix_notification_user_id"))
    op.drop_table("notification")

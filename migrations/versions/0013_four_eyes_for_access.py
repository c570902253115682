"""Four eyes for access: a role that reads people's records waits for a supervisor

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-08 12:00:00

access_request holds each role asked for by an administrator that lets an account read
people's records (a new account, or a change of role), and the supervisor's decision.
At most one per account is pending (a partial unique index); (status,
approver_discipline) serves the supervisors' count. user gets access_approved: false
while a new account waits for approval (it is inactive meanwhile) or was rejected.

Accounts made before this revision had no approval to wait for: the column's default
marks them all approved, so nobody loses access by the upgrade.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("discipline", sa.String(length=40), nullable=True),
        sa.Column("previous_role", sa.String(length=40), nullable=True),
        sa.Column("previous_discipline", sa.String(length=40), nullable=True),
        sa.Column("approver_discipline", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["user.id"], name=op.f("fk_access_request_decided_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["user.id"], name=op.f("fk_access_request_requested_by_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_access_request_user_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_request")),
    )
    with op.batch_alter_table("access_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_request_decided_by_id"), ["decided_by_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_access_request_requested_by_id"), ["requested_by_id"], unique=False
        )
        batch_op.create_index(
            "ix_access_request_status_discipline", ["status", "approver_discipline"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_access_request_user_id"), ["user_id"], unique=False)
        batch_op.create_index(
            "uq_access_request_pending_user",
            ["user_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    # Every account made before this revision keeps its access: the default marks it
    # approved (and a plain ADD COLUMN keeps SQLite from rebuilding the user table).
    op.add_column(
        "user",
        sa.Column("access_approved", sa.Boolean(), server_default=sa.true(), nullable=False),
    )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("access_approved")

    with op.batch_alter_table("access_request", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_access_request_pending_user",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )
        batch_op.drop_index(batch_op.f("ix_access_request_user_id"))
        batch_op.drop_index("ix_access_request_status_discipline")
        batch_op.drop_index(batch_op.f("ix_access_request_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_access_request_decided_by_id"))

    op.drop_table("access_request")

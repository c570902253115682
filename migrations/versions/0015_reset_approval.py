"""Four eyes for resets: an administrator's reset of a password or two-factor login waits

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-09 12:00:00

access_request gets kind: "role" (a new account or a change of role, every request
made before this revision), "password_reset" or "two_factor_reset". user gets
held_after_reset: true from an administrator's reset of an account that reads people's
records until a supervisor approves it; the account cannot log in meanwhile.

Both columns are added with a server default (plain ADD COLUMN, no table rebuild on
SQLite): existing requests are role requests, and no account is held by the upgrade.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "access_request",
        sa.Column("kind", sa.String(length=40), server_default="role", nullable=False),
    )
    op.add_column(
        "user",
        sa.Column("held_after_reset", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade():
    # Requests for resets would read as role requests for the account's own role, and a
    # held account would log in: refuse while any reset waits or holds an account.
    bind = op.get_bind()
    waiting = bind.execute(
        sa.text(
            "SELECT count(*) FROM access_request WHERE kind != 'role' AND status = 'pending'"
        )
    ).scalar()
    held = bind.execute(sa.text('SELECT count(*) FROM "user" WHERE held_after_reset')).scalar()
    if waiting or held:
        raise RuntimeError(
            f"Accounts held after a reset: {held} (resets waiting for approval: {waiting}). "
            "Have a supervisor decide them, or reset those passwords on the server (flask "
            "users reset-password), before downgrading: 0014 would let them log in."
        )
    # Plain DROP COLUMN (SQLite 3.35+): a batch rebuild of "user" would drop a table that
    # other tables' foreign keys point at.
    op.drop_column("user", "held_after_reset")
    op.drop_column("access_request", "kind")

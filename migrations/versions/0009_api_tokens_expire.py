"""API tokens expire

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 10:00:00

New tokens expire API_TOKEN_DAYS (90 by default) after they are made. Tokens made
before this revision get an expiry too: 90 days after they were made, but not sooner
than 14 days after the upgrade, so whoever uses an old token has time to make a new
one instead of finding their integration stopped on the morning of the upgrade.
Both numbers are frozen here: a later change of the setting does not change history.
"""

from datetime import timedelta

from alembic import op
import sqlalchemy as sa

from coresponse.clock import utcnow
from coresponse.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

LIFETIME = timedelta(days=90)
GRACE = timedelta(days=14)


def upgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))

    # Row by row in Python: the same on SQLite and PostgreSQL, and the table is small.
    api_token = sa.table(
        "api_token",
        sa.column("id", sa.Integer()),
        sa.column("created_at", UTCDateTime()),
        sa.column("expires_at", UTCDateTime()),
    )
    bind = op.get_bind()
    earliest = utcnow() + GRACE
    for token_id, created_at in bind.execute(sa.select(api_token.c.id, api_token.c.created_at)):
        bind.execute(
            api_token.update()
            .where(api_token.c.id == token_id)
            .values(expires_at=max(created_at + LIFETIME, earliest))
        )

    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.alter_column(
            "expires_at", existing_type=sa.DateTime(timezone=True), nullable=False
        )


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_column("expires_at")

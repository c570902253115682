"""Funnel tallies: how far each referral got, counted by the day it was received

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 02:30:00

The funnel read every referral of the range with its case, contacts and connections.
Now each referral is counted in "funnel" (accepted, assigned, contacted, engaged: one
row per combination) and "funnel_connected" (engaged with a verified connection), for
the whole program, by the New York day received; the app keeps them as contacts,
cases and connections change. Filled here by the app's own `rebuild`.
"""

from alembic import op
from sqlalchemy.orm import Session

from coresponse.reports import queries, tallies

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    session = Session(bind=op.get_bind())
    tallies.rebuild(session, measures=queries.FUNNEL_TALLIES)
    session.flush()


def downgrade():
    session = Session(bind=op.get_bind())
    tallies.forget(session, measures=queries.FUNNEL_TALLIES)
    session.flush()

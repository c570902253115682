"""Closure tallies compressed: reason, days open and the headline as rows of their own

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 02:00:00

A closure was one row in the "closures" tally (its case, its instant, ...), so every
closure of a year was read one by one. Now it is counted as rows many closures share
(the reason; the days open; connected or not, with the day the case next closed), its
re-referral in "re_referrals", and its instant only in "closure_times", which a report
reads for one day. The three are rebuilt from the records by the app's own `rebuild`.
"""

from alembic import op
from sqlalchemy.orm import Session

from coresponse.reports import queries, tallies

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    session = Session(bind=op.get_bind())
    tallies.rebuild(session, measures=queries.CLOSURE_TALLIES)
    session.flush()


def downgrade():
    # The code of revision 0027 counts closures as it did: rebuild there with
    # `flask reports rebuild`. Until then the old code would misread these rows.
    session = Session(bind=op.get_bind())
    tallies.forget(session, measures=queries.CLOSURE_TALLIES)
    session.flush()

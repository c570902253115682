"""Indexes for a year of outcomes: ranges by time, each person's current address

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-17 12:00:00

The outcome reports (coresponse/reports/queries.py) read a range of contacts, referral
decisions, closures, connections and first assignments by time, and each unit's group
from its person's current address or preferred language. At 100,000 people and
1,000,000 contacts these read whole tables without them:

- contact (occurred_at, type, outcome, person_id): a year of contacts counted by type,
  outcome and person from the index alone;
- contact (case_id, outcome, type, occurred_at): a case's first engagement (and the
  funnel's "engaged") from a few index entries instead of every contact of the case;
- person_address (person_id, current, recorded_at, id, borough, precinct) and
  person_language (person_id, position, id, language): the current address or the
  preferred language in one index lookup, already in the order the query takes the first;
- case_event (kind, at) and (case_id, kind, at): closures in a range, and whether a
  case was closed throughout it;
- referral (triaged_at), linkage (created_at), case (first_assigned_at): the ranges.
"""

from alembic import op


# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_contact_occurred_report", "contact", ["occurred_at", "type", "outcome", "person_id"]),
    ("ix_contact_case_outcome", "contact", ["case_id", "outcome", "type", "occurred_at"]),
    (
        "ix_person_address_current",
        "person_address",
        ["person_id", "current", "recorded_at", "id", "borough", "precinct"],
    ),
    ("ix_person_language_preferred", "person_language", ["person_id", "position", "id", "language"]),
    ("ix_case_event_kind_at", "case_event", ["kind", "at"]),
    ("ix_case_event_case_kind_at", "case_event", ["case_id", "kind", "at"]),
    ("ix_referral_triaged_at", "referral", ["triaged_at"]),
    ("ix_linkage_created_at", "linkage", ["created_at"]),
    ("ix_case_first_assigned_at", "case", ["first_assigned_at"]),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)

"""One open case per person: repeat referrals join the open case

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-20 12:00:00

A referral of someone who already has an open case now joins that case instead of
opening a second one (referrals.services.accept_referral):

- case_event.referral_id names the repeat referral a "new referral" event added;
- case.new_referral_at says a repeat referral joined and nobody on the case's team has
  opened the case since (their home page lists it), with a partial index by team;
- uq_case_open_person: a partial unique index on case (person_id) WHERE closed_at IS
  NULL, on SQLite and PostgreSQL alike. closed_at is set by a closure and cleared by a
  reopening, so it is NULL exactly while a case is awaiting a team or open.

Nothing stopped a second open case before this revision (issue 18 found one), so
existing data may hold them, and the index could not be built over them. For each
person with more than one case without closed_at, the upgrade keeps one open: the one
the team works from (open on a team before awaiting one, then the latest contact, then
the first opened). Each other one is closed as a supervisor would close it, with
nothing deleted: status closed, closure reason "other", a closing note for the whole
team naming the case kept, its current assignment ended ("case closed"), and a
"closed" entry in its history (by nobody: the upgrade). The case kept gets a "new
referral" entry naming the closed case's referral, and its team sees it on their home
page. Contacts and connections stay on the case they were logged on. The upgrade
prints one line per case it closes. It writes no audit event: the audit chain is the
application's, and the cases' histories say who did it and why.

The downgrade drops the index and the columns; the cases the upgrade closed stay
closed (reopen them by hand if that is wanted).
"""

from alembic import op
import sqlalchemy as sa

from coresponse.clock import utcnow
from coresponse.db_types import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

OPEN_CASES = sa.text("closed_at IS NULL")
NEW_REFERRALS = sa.text("new_referral_at IS NOT NULL")

case = sa.table(
    "case",
    sa.column("id", sa.Integer()),
    sa.column("person_id", sa.Integer()),
    sa.column("referral_id", sa.Integer()),
    sa.column("status", sa.String()),
    sa.column("accepted_at", UTCDateTime()),
    sa.column("last_contact_at", UTCDateTime()),
    sa.column("closed_at", UTCDateTime()),
    sa.column("closure_reason", sa.String()),
    sa.column("closure_operational_note", sa.Text()),
    sa.column("new_referral_at", UTCDateTime()),
    sa.column("updated_at", UTCDateTime()),
    sa.column("version", sa.Integer()),
)
assignment = sa.table(
    "assignment",
    sa.column("case_id", sa.Integer()),
    sa.column("ended_at", UTCDateTime()),
    sa.column("end_reason", sa.Text()),
)
case_event = sa.table(
    "case_event",
    sa.column("case_id", sa.Integer()),
    sa.column("kind", sa.String()),
    sa.column("at", UTCDateTime()),
    sa.column("by_id", sa.Integer()),
    sa.column("closure_reason", sa.String()),
    sa.column("operational_note", sa.Text()),
    sa.column("summary", sa.String()),
    sa.column("referral_id", sa.Integer()),
)


def upgrade():
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_case_event_referral_id"), ["referral_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_case_event_referral_id_referral"), "referral", ["referral_id"], ["id"]
        )
    # A plain ADD COLUMN: SQLite need not rebuild the case table.
    op.add_column("case", sa.Column("new_referral_at", sa.DateTime(timezone=True), nullable=True))

    _close_second_open_cases(op.get_bind())

    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            "uq_case_open_person",
            ["person_id"],
            unique=True,
            sqlite_where=OPEN_CASES,
            postgresql_where=OPEN_CASES,
        )
        batch_op.create_index(
            "ix_case_team_new_referral",
            ["team_id", "new_referral_at"],
            sqlite_where=NEW_REFERRALS,
            postgresql_where=NEW_REFERRALS,
        )


def _kept_first(row):
    """Sort key: the case the team works from first (see the module's docstring)."""
    last = row.last_contact_at
    return (
        row.status != "open",
        last is None,
        -last.timestamp() if last is not None else 0,
        row.accepted_at,
        row.id,
    )


def _close_second_open_cases(bind):
    """Close every open case of a person but one (row by row: the same on both engines,
    and there are few)."""
    doubled = (
        sa.select(case.c.person_id)
        .where(OPEN_CASES)
        .group_by(case.c.person_id)
        .having(sa.func.count() > 1)
    )
    rows = bind.execute(
        sa.select(
            case.c.id, case.c.person_id, case.c.referral_id, case.c.status,
            case.c.accepted_at, case.c.last_contact_at,
        )
        .where(OPEN_CASES, case.c.person_id.in_(doubled))
        .order_by(case.c.person_id, case.c.id)
    ).all()  # fmt: skip
    by_person = {}
    for row in rows:
        by_person.setdefault(row.person_id, []).append(row)
    now = utcnow()
    for person_id, open_cases in by_person.items():
        kept, *others = sorted(open_cases, key=_kept_first)
        for other in others:
            note = (
                f"Closed on upgrade: a person has one open case now, and case #{kept.id} "
                "stays open. This case's contacts and connections stay here."
            )
            bind.execute(
                case.update()
                .where(case.c.id == other.id)
                .values(
                    status="closed", closed_at=now, closure_reason="other",
                    closure_operational_note=note, new_referral_at=None, updated_at=now,
                    version=case.c.version + 1,
                )
            )  # fmt: skip
            bind.execute(
                assignment.update()
                .where(assignment.c.case_id == other.id, assignment.c.ended_at.is_(None))
                .values(ended_at=now, end_reason="case closed")
            )
            bind.execute(
                case_event.insert().values(
                    case_id=other.id, kind="closed", at=now, by_id=None,
                    closure_reason="other", operational_note=note,
                )
            )  # fmt: skip
            bind.execute(
                case_event.insert().values(
                    case_id=kept.id, kind="new_referral", at=now, by_id=None,
                    referral_id=other.referral_id,
                    summary=f"#{other.referral_id}, from case #{other.id}",
                    operational_note=(
                        f"Case #{other.id} of the same person was closed on upgrade "
                        "(one open case per person); its referral joins this case."
                    ),
                )
            )  # fmt: skip
            bind.execute(case.update().where(case.c.id == kept.id).values(new_referral_at=now))
            print(
                f"0020: person {person_id} had more than one open case: closed case "
                f"#{other.id}, case #{kept.id} stays open"
            )


def downgrade():
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_case_team_new_referral",
            sqlite_where=NEW_REFERRALS,
            postgresql_where=NEW_REFERRALS,
        )
        batch_op.drop_index(
            "uq_case_open_person",
            sqlite_where=OPEN_CASES,
            postgresql_where=OPEN_CASES,
        )
    # A plain DROP COLUMN (SQLite 3.35 and later): rebuilding the case table would drop a
    # table that others' foreign keys name.
    op.drop_column("case", "new_referral_at")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_event_referral_id_referral"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_case_event_referral_id"))
        batch_op.drop_column("referral_id")

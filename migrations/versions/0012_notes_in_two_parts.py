"""Notes in two parts: an operational part beside each clinical note

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 09:00:00

Triage notes (referral_event), case history notes (case_event), closing notes (case)
and addendum reasons each get an operational part the whole team reads:
referral_event.operational_note, case_event.operational_note,
case.closure_operational_note and addendum.operational_reason. The existing columns
keep their text and are now the clinical part: every note written before this
revision stays with clinical readers (safe by default; nothing is guessed to be
operational). addendum.reason becomes nullable: an officer's addendum has only the
operational reason.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operational_note", sa.Text(), nullable=True))
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operational_note", sa.Text(), nullable=True))
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closure_operational_note", sa.Text(), nullable=True))
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.add_column(sa.Column("operational_reason", sa.String(length=200), nullable=True))
        batch_op.alter_column("reason", existing_type=sa.String(length=200), nullable=True)


def downgrade():
    # A downgrade drops the operational parts. An addendum with only an operational reason keeps it as its (clinical) reason:
    # the downgraded schema has one reason, and clinical is the safe side.
    addendum = sa.table(
        "addendum",
        sa.column("reason", sa.String()),
        sa.column("operational_reason", sa.String()),
    )
    op.execute(
        addendum.update()
        .where(addendum.c.reason.is_(None))
        .values(reason=addendum.c.operational_reason)
    )
    with op.batch_alter_table("addendum", schema=None) as batch_op:
        batch_op.alter_column("reason", existing_type=sa.String(length=200), nullable=False)
        batch_op.drop_column("operational_reason")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_column("closure_operational_note")
    with op.batch_alter_table("case_event", schema=None) as batch_op:
        batch_op.drop_column("operational_note")
    with op.batch_alter_table("referral_event", schema=None) as batch_op:
        batch_op.drop_column("operational_note")

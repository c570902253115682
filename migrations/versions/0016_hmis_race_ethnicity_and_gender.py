"""HMIS race and ethnicity and gender: answers of their own, several per person

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-16 12:00:00

person_race_ethnicity and person_gender hold a person's answers to the HUD HMIS FY2024
data standards' elements 3.04 and 3.06, one row per answer (several may be chosen; the
"client doesn't know", "prefers not to answer" and "data not collected" answers stand
alone). person.gender, free text until now, becomes person.gender_description: the
person's own words beside those answers. No answer is inferred from the free text (the
standard's answers are the person's own): everyone starts with none recorded, which
reports count as "Data not collected".

The rename is ALTER TABLE ... RENAME COLUMN on both databases (SQLite 3.25+): a batch
rebuild of "person" would drop a table that other tables' foreign keys point at.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def _answers_table(name: str, column: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column(column, sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f(f"fk_{name}_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sa.UniqueConstraint("person_id", column, name=op.f(f"uq_{name}_person_id")),
    )
    op.create_index(op.f(f"ix_{name}_person_id"), name, ["person_id"], unique=False)
    op.create_index(op.f(f"ix_{name}_{column}"), name, [column], unique=False)


def upgrade():
    _answers_table("person_race_ethnicity", "race_ethnicity")
    _answers_table("person_gender", "gender")
    op.alter_column("person", "gender", new_column_name="gender_description")


def downgrade():
    # The answers themselves have no column before 0016: they are lost on the way down.
    op.alter_column("person", "gender_description", new_column_name="gender")
    for name, column in (("person_gender", "gender"), ("person_race_ethnicity", "race_ethnicity")):
        op.drop_index(op.f(f"ix_{name}_{column}"), table_name=name)
        op.drop_index(op.f(f"ix_{name}_person_id"), table_name=name)
        op.drop_table(name)

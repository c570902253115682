"""Precincts from the point: team bases placed, coverage in precincts, addresses re-derived

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-18 12:30:00

A precinct and borough are no longer typed: they follow from the point an address or a
team's base is placed at, through the precinct boundaries (coresponse/geo/precincts.py).

- team.base_precinct and team.base_location_status: a base is placed like an address.
  A base that has a point already had it typed by hand ("manual"); one without is
  "needed" until the team is saved again (then it is placed from its address).
- A team covered precincts or whole boroughs; now it covers precincts: each borough row
  becomes the borough's precincts in the 2021 boundary file shipped with the code.
- Every address with a point gets the precinct and borough its point is in (an address
  without a point keeps what was typed: nothing better is known). A point in no precinct
  is outside the program's area: both become empty.

Downgrade drops the two columns; the coverage stays in precincts and the addresses keep
their derived precincts, both valid before this revision too.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

# The 77 precincts of the 2021 boundary file, by borough code, as teams covered them.
BOROUGH_PRECINCTS = {
    "MN": (1, 5, 6, 7, 9, 10, 13, 14, 17, 18, 19, 20, 22, 23, 24, 25, 26, 28, 30, 32, 33, 34),
    "BX": (40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 52),
    "BK": (60, 61, 62, 63, 66, 67, 68, 69, 70, 71, 72, 73, 75, 76, 77, 78, 79, 81, 83, 84, 88,
           90, 94),
    "QN": (100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115),
    "SI": (120, 121, 122, 123),
}


def upgrade():
    # Plain ALTER TABLE on both databases: a batch rebuild of "team" on SQLite would drop a
    # table that other tables' foreign keys point at.
    op.add_column("team", sa.Column("base_precinct", sa.String(length=10), nullable=True))
    op.add_column(
        "team",
        sa.Column(
            "base_location_status", sa.String(length=40), server_default="needed",
            nullable=False,
        ),
    )
    bind = op.get_bind()
    _coverage_in_precincts(bind)
    _derive_from_points(bind)


def _coverage_in_precincts(bind):
    rows = bind.execute(
        sa.text("SELECT id, team_id, area_code FROM team_coverage WHERE area_type = 'borough'")
    ).all()
    have = {
        (team_id, code)
        for team_id, code in bind.execute(
            sa.text("SELECT team_id, area_code FROM team_coverage WHERE area_type = 'precinct'")
        )
    }
    for row_id, team_id, borough in rows:
        for number in BOROUGH_PRECINCTS.get(borough, ()):
            if (team_id, str(number)) not in have:
                bind.execute(
                    sa.text(
                        "INSERT INTO team_coverage (team_id, area_type, area_code, sort_key) "
                        "VALUES (:team_id, 'precinct', :code, :number)"
                    ),
                    {"team_id": team_id, "code": str(number), "number": number},
                )
                have.add((team_id, str(number)))
        bind.execute(sa.text("DELETE FROM team_coverage WHERE id = :id"), {"id": row_id})


def _derive_from_points(bind):
    # The shipped boundaries (none can have been imported yet: 0018 made their table).
    from coresponse.geo.precincts import shipped_index

    index = shipped_index()
    addresses = bind.execute(
        sa.text(
            "SELECT id, latitude, longitude, precinct, borough FROM person_address "
            "WHERE latitude IS NOT NULL AND longitude IS NOT NULL"
        )
    ).all()
    for address_id, latitude, longitude, precinct, borough in addresses:
        area = index.locate(latitude, longitude)
        new_borough = area.borough.value if area.borough else None
        if (area.precinct, new_borough) != (precinct, borough):
            bind.execute(
                sa.text(
                    "UPDATE person_address SET precinct = :precinct, borough = :borough "
                    "WHERE id = :id"
                ),
                {"precinct": area.precinct, "borough": new_borough, "id": address_id},
            )
    bases = bind.execute(
        sa.text(
            "SELECT id, base_latitude, base_longitude FROM team "
            "WHERE base_latitude IS NOT NULL AND base_longitude IS NOT NULL"
        )
    ).all()
    for team_id, latitude, longitude in bases:
        bind.execute(
            sa.text(
                "UPDATE team SET base_precinct = :precinct, base_location_status = 'manual' "
                "WHERE id = :id"
            ),
            {"precinct": index.locate(latitude, longitude).precinct, "id": team_id},
        )


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+), for the reason given in upgrade().
    op.drop_column("team", "base_location_status")
    op.drop_column("team", "base_precinct")

"""`flask geo import-precincts FILE`: newer boundaries without a code change, and files
that cannot be used refused with a message (never a traceback)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from shapely.geometry import box, mapping
from sqlalchemy import func, select

from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.geo.models import PrecinctBoundarySet
from coresponse.geo.precincts import SHIPPED_FILE, Area, current_index, shipped_index
from coresponse.people.models import Borough, LocationStatus, PersonAddress
from coresponse.teams.models import Team
from tests.factories import make_person, make_team, make_user


def _run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["geo", *args])


def _shipped() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SHIPPED_FILE.read_text())
    return data


def _with_116() -> tuple[dict[str, Any], tuple[float, float]]:
    """The 2021 file with a 116th Precinct carved out of the south of the 105th (as the
    city did later), and a point in the part that moved."""
    data = _shipped()
    feature = next(f for f in data["features"] if f["properties"]["precinct"] == "105")
    whole = shipped_index().by_code["105"].geometry
    west, south, east, north = whole.bounds
    middle = (south + north) / 2
    kept = whole.intersection(box(west, middle, east, north))
    carved = whole.intersection(box(west, south, east, middle))
    feature["geometry"] = mapping(kept)
    data["features"].append(
        {"type": "Feature", "properties": {"precinct": "116"}, "geometry": mapping(carved)}
    )
    inside = carved.representative_point()
    return data, (inside.y, inside.x)


def _write(tmp_path: Path, content: object, name: str = "precincts.geojson") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_a_newer_file_is_used_from_then_on_and_moves_addresses_to_their_new_precinct(
    app: Flask, tmp_path: Path
) -> None:
    data, point = _with_116()
    person = make_person(
        address={"latitude": point[0], "longitude": point[1], "precinct": "105",
                 "borough": Borough.QUEENS, "location_status": LocationStatus.LOCATED}
    )  # fmt: skip
    elsewhere = make_person()  # the 75th: unchanged
    team = make_team(base_latitude=point[0], base_longitude=point[1], base_precinct="105")
    moving_id, staying_id = person.addresses[0].id, elsewhere.addresses[0].id
    db.session.commit()
    assert current_index().locate(*point) == Area("105", Borough.QUEENS)

    map_file = tmp_path / "map.geojson"
    result = _run(
        app, "import-precincts", str(_write(tmp_path, data)), "--map-output", str(map_file)
    )

    assert result.exit_code == 0, result.output
    assert "Imported 78 precincts from precincts.geojson" in result.output
    assert "Addresses whose precinct changed: 1. Team bases: 1." in result.output
    index = current_index()
    assert index is not shipped_index() and "116" in index.by_code
    assert index.locate(*point) == Area("116", Borough.QUEENS)
    db.session.expire_all()
    moved = db.session.get(PersonAddress, moving_id)
    assert (moved.precinct, moved.borough) == ("116", Borough.QUEENS)
    assert db.session.get(PersonAddress, staying_id).precinct == "75"
    assert db.session.get(Team, team.id).base_precinct == "116"
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.person_id == person.id, AuditEvent.action == AuditAction.UPDATE
        )
    )
    assert event.detail == (
        "precinct from new boundaries: the 105th Precinct → the 116th Precinct, Queens"
    )
    # The map's copy follows the boundaries in force.
    features = json.loads(map_file.read_text())["features"]
    assert [f["properties"]["precinct"] for f in features][-5:] == [
        "116",
        "120",
        "121",
        "122",
        "123",
    ]


def test_the_team_form_offers_the_precincts_of_the_imported_boundaries(
    app: Flask, tmp_path: Path, login: Any
) -> None:
    data, _ = _with_116()
    path = _write(tmp_path, data)
    assert (
        _run(app, "import-precincts", str(path), "--map-output", str(tmp_path / "m")).exit_code == 0
    )
    client = login(make_user(Role.SUPERVISOR))
    assert 'name="precincts" value="116"' in client.get("/teams/new").get_data(as_text=True)


def _feature(precinct: object = "1", geometry: object = None) -> dict[str, Any]:
    square = {"type": "Polygon", "coordinates": [[[-74.0, 40.7], [-73.99, 40.7], [-73.99, 40.71], [-74.0, 40.7]]]}  # fmt: skip
    return {
        "type": "Feature",
        "properties": {} if precinct is None else {"precinct": precinct},
        "geometry": square if geometry is None else geometry,
    }


def _collection(*features: object) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"type": "FeatureCollection", "features": [', "is not valid JSON: Expecting value at line 1"),
        ("", "is not valid JSON"),
        ([1, 2], "is not a GeoJSON FeatureCollection"),
        (_collection(), "has no features"),
        (_collection(_feature(), "x"), "Feature 2 of precincts.geojson is not a GeoJSON Feature"),
        (_collection(_feature(None)), "Feature 1 of precincts.geojson has no “precinct” property"),
        (_collection(_feature("abc")), "'abc' is not an NYPD precinct number"),
        (_collection(_feature("300")), "'300' is not an NYPD precinct number"),
        (_collection(_feature(geometry={"type": "Point", "coordinates": [-74.0, 40.7]})),
         "its geometry is Point; a precinct must be a Polygon or MultiPolygon"),
        (_collection({"type": "Feature", "properties": {"precinct": "1"}, "geometry": None}),
         "its geometry is missing"),
        (_collection(_feature(geometry={"type": "Polygon", "coordinates": [[1, 2]]})),
         "its coordinates are malformed"),
        (_collection(_feature(geometry={"type": "Polygon", "coordinates": [[[980000, 190000], [981000, 190000], [981000, 191000], [980000, 190000]]]})),
         "not longitude and latitude (WGS84"),
        (_collection(_feature("75"), _feature("075")), "precinct 75 is already feature 1"),
    ],
)  # fmt: skip
def test_a_file_that_cannot_be_used_is_refused_with_a_message_and_nothing_changes(
    app: Flask, tmp_path: Path, content: object, message: str
) -> None:
    result = _run(app, "import-precincts", str(_write(tmp_path, content)), "--map-output",
                  str(tmp_path / "map.geojson"))  # fmt: skip
    assert result.exit_code == 1
    assert result.output.startswith("Error: Nothing imported.")
    assert message in result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert db.session.scalar(select(func.count()).select_from(PrecinctBoundarySet)) == 0
    assert current_index() is shipped_index()
    assert not (tmp_path / "map.geojson").exists()


def test_a_missing_or_binary_file_is_refused_too(app: Flask, tmp_path: Path) -> None:
    missing = _run(app, "import-precincts", str(tmp_path / "nope.geojson"))
    assert missing.exit_code == 1 and "Cannot read" in missing.output
    binary = tmp_path / "shapes.zip"
    binary.write_bytes(b"PK\x03\x04\xff\xfe\x00")
    result = _run(app, "import-precincts", str(binary))
    assert result.exit_code == 1 and "is not a text file" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_simplify_precincts_writes_the_maps_copy(app: Flask, tmp_path: Path) -> None:
    target = tmp_path / "geo" / "precincts.geojson"
    result = _run(app, "simplify-precincts", "--output", str(target))
    assert result.exit_code == 0, result.output
    assert "77 precincts" in result.output
    committed = Path(app.static_folder or "static") / "geo" / "precincts.geojson"
    assert target.read_text() == committed.read_text()

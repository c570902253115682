"""Which precinct a point is in: the shipped boundaries, the map's copy, and the speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import shapely
from flask import Flask
from shapely.geometry import Point

from coresponse.geo.nyc import borough_for_precinct, normalise_precinct, precinct_label
from coresponse.geo.precincts import (
    OUTSIDE,
    SHIPPED_FILE,
    Area,
    current_index,
    locate,
    shipped_index,
    write_map_file,
)
from coresponse.people.models import Borough

MN, BX, BK, QN, SI = (Borough.MANHATTAN, Borough.BRONX, Borough.BROOKLYN, Borough.QUEENS,
                      Borough.STATEN_ISLAND)  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]

# Places whose precinct is known, checked against the 2021 boundary file.
KNOWN = [
    ("1 Police Plaza", 40.7112, -74.0016, "5", MN),
    ("55 Water St", 40.7034, -74.0096, "1", MN),
    ("the Statue of Liberty", 40.6892, -74.0445, "1", MN),
    ("Central Park, the Great Lawn", 40.7812, -73.9665, "22", MN),
    ("Washington Square Park", 40.7308, -73.9973, "6", MN),
    ("Grand Central", 40.7527, -73.9772, "14", MN),
    ("Roosevelt Island (patrolled from Queens)", 40.7614, -73.9496, "114", QN),
    ("Inwood Hill Park", 40.8722, -73.9259, "34", MN),
    ("Yankee Stadium", 40.8296, -73.9262, "44", BX),
    ("the Bronx Zoo", 40.8506, -73.8770, "52", BX),
    ("Pelham Bay Park", 40.8672, -73.8101, "45", BX),
    ("Rikers Island", 40.7930, -73.8860, "114", QN),
    ("Barclays Center", 40.6826, -73.9754, "78", BK),
    ("Coney Island boardwalk", 40.5733, -73.9776, "60", BK),
    ("Floyd Bennett Field", 40.5910, -73.8930, "63", BK),
    ("Flushing, Main St", 40.7596, -73.8303, "109", QN),
    ("Jamaica Center", 40.7020, -73.8010, "103", QN),
    ("JFK airport", 40.6413, -73.7781, "113", QN),
    ("Far Rockaway", 40.6054, -73.7554, "101", QN),
    ("St George ferry terminal", 40.6437, -74.0736, "120", SI),
    ("Tottenville", 40.5120, -74.2490, "123", SI),
]

# In the water or outside the city: in no precinct.
NOWHERE = [
    ("the Upper Bay (harbour)", 40.66, -74.05),
    ("the Hudson River", 40.75, -74.02),
    ("the Atlantic off Brooklyn", 40.55, -73.90),
    ("Jersey City", 40.7178, -74.0431),
    ("Yonkers, just north of the Bronx", 40.9312, -73.8988),
    ("Valley Stream, just east of Queens", 40.6643, -73.7085),
    ("Null Island", 0.0, 0.0),
]


@pytest.mark.parametrize(("place", "lat", "lon", "precinct", "borough"), KNOWN)
def test_known_places_are_in_their_precinct(
    place: str, lat: float, lon: float, precinct: str, borough: Borough
) -> None:
    assert shipped_index().locate(lat, lon) == Area(precinct, borough), place


@pytest.mark.parametrize(("place", "lat", "lon"), NOWHERE)
def test_water_and_places_outside_the_city_are_in_no_precinct(
    place: str, lat: float, lon: float
) -> None:
    area = shipped_index().locate(lat, lon)
    assert area == OUTSIDE and not area.inside, place


def test_every_precinct_of_the_file_is_found_from_a_point_inside_it() -> None:
    """77 points, one in each precinct of every borough (two of the file's own polygons
    cross themselves, 61 and 113: they are repaired, and still found)."""
    index = shipped_index()
    assert len(index.shapes) == 77 and "116" not in index.by_code
    for code, shape in index.by_code.items():
        inside = shape.geometry.representative_point()
        assert index.locate(inside.y, inside.x) == Area(code, borough_for_precinct(code))
    boroughs = {borough for _, borough in index.precincts}
    assert boroughs == set(Borough)


def test_a_point_that_is_not_a_number_is_in_no_precinct() -> None:
    assert shipped_index().locate(float("nan"), -73.9) == OUTSIDE
    assert shipped_index().locate(40.7, float("inf")) == OUTSIDE


def test_a_lookup_tests_a_few_precincts_exactly_never_all_of_them() -> None:
    # The speed (under 1 ms) is measured by `make bench`; here, the reason for it: the
    # tree narrows every point to the few precincts whose bounding boxes hold it, and
    # those are prepared for the exact test.
    index = shipped_index()
    tree = index._tree
    assert shapely.is_prepared(tree.geometries).all()
    points = [Point(-74.25 + i * 0.0005, 40.5 + i * 0.0004) for i in range(1000)]
    candidates = [len(tree.query(point)) for point in points]
    assert max(candidates) <= 6 < len(tree.geometries)


def test_without_an_import_the_shipped_boundaries_are_in_force(app: Flask) -> None:
    assert current_index() is shipped_index()
    assert locate(40.7812, -73.9665) == Area("22", MN)


def test_boroughs_follow_from_precinct_numbers() -> None:
    assert [borough_for_precinct(c) for c in ("1", "34", "52", "94", "116", "123")] == [
        MN, MN, BX, BK, QN, SI
    ]  # fmt: skip
    assert borough_for_precinct("200") is None and borough_for_precinct("x") is None
    assert normalise_precinct("075") == "75" and normalise_precinct("75th") == "75"
    assert normalise_precinct("999") is None and normalise_precinct("") is None
    assert precinct_label("1") == "1st Precinct" and precinct_label("113") == "113th Precinct"


def test_the_shipped_file_is_the_open_data_file_at_full_precision() -> None:
    data = json.loads(SHIPPED_FILE.read_text())
    assert len(data["features"]) == 77
    first = data["features"][0]["geometry"]["coordinates"][0][0][0]
    assert first == [-74.0438776157395, 40.69018767637665]  # not rounded


def test_the_maps_copy_is_small_and_regenerates_the_committed_file(tmp_path: Path) -> None:
    """static/geo/precincts.geojson is `flask geo simplify-precincts`' output, committed:
    the maps load it, so it must match the shipped boundaries and stay light."""
    written = tmp_path / "precincts.geojson"
    size = write_map_file(shipped_index(), written)
    committed = ROOT / "static" / "geo" / "precincts.geojson"
    assert written.read_text() == committed.read_text()
    assert 100_000 < size < 500_000
    data = json.loads(committed.read_text())
    features = data["features"]
    assert len(features) == 77
    by_code = {f["properties"]["precinct"]: f["properties"] for f in features}
    assert by_code["75"] == {"precinct": "75", "borough": "BK", "borough_name": "Brooklyn"}
    assert by_code["1"]["borough"] == "MN" and by_code["120"]["borough"] == "SI"
    ring = features[0]["geometry"]["coordinates"][0][0]
    assert all(len(str(value).split(".")[-1]) <= 5 for point in ring for value in point)

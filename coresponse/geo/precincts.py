"""Which police precinct, and so which borough, a point is in.

The boundaries are NYC's police precincts (NYC Open Data, "Police Precincts", 2021),
shipped with the code at full precision (`data/precincts-2021.geojson`). A newer file
loaded with `flask geo import-precincts` is stored in the database and used instead,
without a code change.

Each process builds a shapely STRtree of the prepared precinct polygons once per
boundary set (keyed by the set's digest), so a lookup is a tree query and one or two
point-in-polygon tests: tens of microseconds. Finding the current set is one short
query, so a worker notices a new import at its next lookup.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from threading import Lock
from typing import Any, NamedTuple

import shapely
from shapely import STRtree
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select

from coresponse.extensions import db
from coresponse.geo.models import PrecinctBoundary, PrecinctBoundarySet
from coresponse.geo.nyc import borough_for_precinct
from coresponse.people.models import Borough

SHIPPED_FILE = Path(__file__).parent / "data" / "precincts-2021.geojson"
SHIPPED_SOURCE = (
    "NYC Open Data, “Police Precincts” (78dh-3ptz), NYC Department of City Planning, 2021 release"
)
# The map's copy: simplified to about 10 m and rounded to 5 decimals (about 1 m).
MAP_TOLERANCE = 0.0001
MAP_DIGITS = 5


class Area(NamedTuple):
    """Where a point is: its precinct code ("75") and borough, or None for both when it is
    outside every precinct (the water, or outside the city)."""

    precinct: str | None
    borough: Borough | None

    @property
    def inside(self) -> bool:
        return self.precinct is not None


OUTSIDE = Area(None, None)


class BoundaryFileError(Exception):
    """A boundary file that cannot be used, with a message that says what to fix."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class PrecinctShape:
    """One precinct: its code, borough and area (valid, polygonal, WGS84)."""

    precinct: str
    borough: Borough
    geometry: BaseGeometry

    @property
    def sort_key(self) -> int:
        return int(self.precinct)


class PrecinctIndex:
    """The precincts of one boundary set, ready for lookups."""

    def __init__(self, shapes: Iterable[PrecinctShape], *, source: str) -> None:
        self.shapes: list[PrecinctShape] = sorted(shapes, key=lambda s: s.sort_key)
        self.source = source
        geometries = [s.geometry for s in self.shapes]
        shapely.prepare(geometries)
        self._tree = STRtree(geometries)
        self.by_code: dict[str, PrecinctShape] = {s.precinct: s for s in self.shapes}

    @property
    def precincts(self) -> list[tuple[str, Borough]]:
        """Every precinct code with its borough, in number order."""
        return [(s.precinct, s.borough) for s in self.shapes]

    def locate(self, latitude: float, longitude: float) -> Area:
        """The precinct and borough containing the point (on a shared edge: the lower
        number); OUTSIDE when none does."""
        if not (math.isfinite(latitude) and math.isfinite(longitude)):
            return OUTSIDE
        hits = self._tree.query(Point(longitude, latitude), predicate="intersects")
        if len(hits) == 0:
            return OUTSIDE
        found = self.shapes[int(min(hits))]  # shapes are in number order
        return Area(found.precinct, found.borough)

    def map_geojson(
        self, *, tolerance: float = MAP_TOLERANCE, digits: int = MAP_DIGITS
    ) -> dict[str, Any]:
        """A light copy for drawing: each precinct simplified (its topology kept) and its
        coordinates rounded; properties `precinct`, `borough` (the Borough value, "BK")
        and `borough_name`."""
        features = []
        for item in self.shapes:
            simple = item.geometry.simplify(tolerance, preserve_topology=True)
            geometry = mapping(simple)
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "precinct": item.precinct,
                        "borough": item.borough.value,
                        "borough_name": item.borough.label,
                    },
                    "geometry": {
                        "type": geometry["type"],
                        "coordinates": _rounded(geometry["coordinates"], digits),
                    },
                }
            )
        return {"type": "FeatureCollection", "features": features}


def _rounded(coordinates: Any, digits: int) -> Any:
    """Coordinates rounded, dropping a vertex that rounding made equal to the one before."""
    if isinstance(coordinates[0], (int, float)):
        return [round(coordinates[0], digits), round(coordinates[1], digits)]
    parts = [_rounded(part, digits) for part in coordinates]
    if parts and isinstance(parts[0][0], float):  # a ring: a list of positions
        ring = [parts[0]]
        for position in parts[1:]:
            if position != ring[-1]:
                ring.append(position)
        return ring
    return parts


def write_map_file(index: PrecinctIndex, path: Path) -> int:
    """Write the map's copy of the boundaries to `path`, one feature a line; returns bytes."""
    collection = index.map_geojson()
    lines = [json.dumps(f, separators=(",", ":")) for f in collection["features"]]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return len(text.encode("utf-8"))


# --- Reading a boundary file -------------------------------------------------------------


def parse_boundaries(raw: str | bytes, *, source: str) -> list[PrecinctShape]:
    """The precincts of a GeoJSON FeatureCollection, checked; BoundaryFileError says what is
    wrong (not JSON, no features, a feature without a `precinct` property, a precinct
    number outside NYPD numbering or given twice, a geometry that is not a polygon, or
    coordinates that are not longitude and latitude)."""
    try:
        data = json.loads(raw)
    except UnicodeDecodeError:
        raise BoundaryFileError(f"{source} is not a text file (UTF-8 GeoJSON expected).") from None
    except json.JSONDecodeError as error:
        raise BoundaryFileError(
            f"{source} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}."
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundaryFileError(f"{source} is not a GeoJSON FeatureCollection.")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundaryFileError(f"{source} has no features: it holds no precincts.")
    shapes: list[PrecinctShape] = []
    seen: dict[str, int] = {}
    for number, feature in enumerate(features, start=1):
        item = _precinct_shape(feature, f"Feature {number} of {source}")
        if item.precinct in seen:
            raise BoundaryFileError(
                f"Feature {number} of {source}: precinct {item.precinct} is already feature "
                f"{seen[item.precinct]}; give each precinct once (a MultiPolygon for several parts)."
            )
        seen[item.precinct] = number
        shapes.append(item)
    return shapes


def _precinct_shape(feature: Any, where: str) -> PrecinctShape:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise BoundaryFileError(f"{where} is not a GeoJSON Feature.")
    properties = feature.get("properties")
    raw_code = properties.get("precinct") if isinstance(properties, dict) else None
    if raw_code is None or raw_code == "":
        raise BoundaryFileError(f"{where} has no “precinct” property.")
    code = _precinct_code(raw_code)
    borough = borough_for_precinct(code) if code is not None else None
    if code is None or borough is None:
        raise BoundaryFileError(f"{where}: {raw_code!r} is not an NYPD precinct number (1–139).")
    geometry = feature.get("geometry")
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if not isinstance(geometry, dict) or kind not in ("Polygon", "MultiPolygon"):
        raise BoundaryFileError(
            f"{where} (precinct {code}): its geometry is {kind or 'missing'}; "
            "a precinct must be a Polygon or MultiPolygon."
        )
    try:
        area = shape(geometry)
    except (ValueError, TypeError, AttributeError, IndexError, shapely.errors.GEOSException):
        raise BoundaryFileError(
            f"{where} (precinct {code}): its coordinates are malformed."
        ) from None
    if area.is_empty:
        raise BoundaryFileError(f"{where} (precinct {code}): its geometry is empty.")
    west, south, east, north = area.bounds
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise BoundaryFileError(
            f"{where} (precinct {code}): its coordinates are not longitude and latitude "
            "(WGS84, EPSG:4326); convert the file first."
        )
    return PrecinctShape(code, borough, _valid(area, f"{where} (precinct {code})"))


def _precinct_code(raw: object) -> str | None:
    """ "75", 75, 75.0 or "075" → "75"; None for anything else."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, int):
        return str(raw) if raw > 0 else None
    if isinstance(raw, str) and raw.strip().isdigit():
        return str(int(raw.strip())) if int(raw.strip()) > 0 else None
    return None


def _valid(area: BaseGeometry, where: str) -> BaseGeometry:
    """The area itself, or repaired when its rings cross (two of the 2021 precincts' do):
    only its polygons are kept."""
    if area.is_valid:
        return area
    repaired = shapely.make_valid(area)
    polygons: list[Polygon] = []
    for part in getattr(repaired, "geoms", [repaired]):
        if isinstance(part, Polygon):
            polygons.append(part)
        elif isinstance(part, MultiPolygon):
            polygons.extend(part.geoms)
    if not polygons:
        raise BoundaryFileError(f"{where}: its geometry encloses no area.")
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def read_boundary_file(path: Path) -> list[PrecinctShape]:
    """The precincts of a GeoJSON file on disk, checked (BoundaryFileError)."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise BoundaryFileError(f"Cannot read {path}: {error.strerror or error}.") from None
    return parse_boundaries(raw, source=path.name)


def boundaries_digest(shapes: Sequence[PrecinctShape]) -> str:
    """SHA-256 of the boundaries as stored (precinct, borough, geometry)."""
    digest = hashlib.sha256()
    for item in sorted(shapes, key=lambda s: s.sort_key):
        digest.update(f"{item.precinct}|{item.borough.value}|".encode())
        digest.update(geometry_json(item.geometry).encode())
    return digest.hexdigest()


def geometry_json(geometry: BaseGeometry) -> str:
    """The geometry as compact GeoJSON, coordinates at full precision."""
    return json.dumps(mapping(geometry), separators=(",", ":"))


# --- The boundaries in force -------------------------------------------------------------


@cache
def shipped_index() -> PrecinctIndex:
    """The boundaries shipped with the code (read once per process)."""
    return PrecinctIndex(read_boundary_file(SHIPPED_FILE), source=SHIPPED_SOURCE)


_imported: dict[str, PrecinctIndex] = {}
_imported_lock = Lock()


def current_index() -> PrecinctIndex:
    """The newest imported boundary set, or the shipped one when none was imported.

    One query names the newest set; its index is built once per process and digest.
    """
    newest = db.session.execute(
        select(PrecinctBoundarySet.id, PrecinctBoundarySet.digest, PrecinctBoundarySet.source)
        .order_by(PrecinctBoundarySet.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        return shipped_index()
    set_id, digest, source = newest
    index = _imported.get(digest)
    if index is None:
        rows = db.session.scalars(
            select(PrecinctBoundary).where(PrecinctBoundary.set_id == set_id)
        ).all()
        index = PrecinctIndex(
            (
                PrecinctShape(row.precinct, row.borough, shape(json.loads(row.geometry)))
                for row in rows
            ),
            source=source,
        )
        with _imported_lock:
            _imported.clear()  # a process needs the newest set only
            _imported[digest] = index
    return index


def locate(latitude: float, longitude: float) -> Area:
    """The precinct and borough of a point, from the boundaries in force."""
    return current_index().locate(latitude, longitude)

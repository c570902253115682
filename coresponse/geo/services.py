"""Geocoding through geopy, with an offline ZIP-centroid default and a cache table; and
storing a newer set of precinct boundaries.

The provider is configurable (GEOCODER: "offline", "nominatim", or any geopy
service name, with GEOCODER_OPTIONS). A lookup that fails never blocks intake:
the caller gets None (or the ZIP centroid) and marks the address "location needed".
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import zipcodes
from flask import current_app
from geopy.exc import GeopyError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders import get_geocoder_for_service
from geopy.location import Location
from geopy.point import Point
from sqlalchemy import select

from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.models import GeocodeCache, PrecinctBoundary, PrecinctBoundarySet
from coresponse.geo.precincts import (
    PrecinctIndex,
    PrecinctShape,
    boundaries_digest,
    current_index,
    geometry_json,
)
from coresponse.people.models import Borough

log = logging.getLogger(__name__)

OFFLINE = "offline"
_ZIP_RE = re.compile(r"\b(\d{5})(?:-\d{4})?\b")
COUNTY_BOROUGH = {
    "New York County": Borough.MANHATTAN,
    "Bronx County": Borough.BRONX,
    "Kings County": Borough.BROOKLYN,
    "Queens County": Borough.QUEENS,
    "Richmond County": Borough.STATEN_ISLAND,
}


@dataclass(frozen=True)
class GeoResult:
    latitude: float
    longitude: float
    precision: str  # "address" or "zip"
    postal_code: str | None
    borough: Borough | None


class OfflineZipGeocoder:
    """Resolves the ZIP code in an address to its centroid, from the `zipcodes` package."""

    def geocode(self, query: str, **_: Any) -> Location | None:
        match = _ZIP_RE.search(query)
        if match is None:
            return None
        rows = zipcodes.matching(match.group(1))
        if not rows:
            return None
        row = rows[0]
        point = Point(float(row["lat"]), float(row["long"]))
        return Location(f"{row['city']}, {row['state']} {row['zip_code']}", point, row)


def check_point(
    latitude: float | None,
    longitude: float | None,
    *,
    error: type[DomainError],
    latitude_field: str,
    longitude_field: str,
) -> None:
    """Refuse half a point, or one off the globe: `error` (a 422) names the field at fault."""
    if (latitude is None) != (longitude is None):
        raise error("Give both latitude and longitude, or neither.", field=latitude_field)
    if latitude is not None and not -90 <= latitude <= 90:
        raise error("Latitude must be between -90 and 90.", field=latitude_field)
    if longitude is not None and not -180 <= longitude <= 180:
        raise error("Longitude must be between -180 and 180.", field=longitude_field)


def zip_info(postal_code: str | None) -> dict[str, Any] | None:
    """The `zipcodes` record for a US ZIP code, or None."""
    if not postal_code or not _ZIP_RE.fullmatch(postal_code.strip()):
        return None
    rows = zipcodes.matching(postal_code.strip()[:5])
    return rows[0] if rows else None


def borough_for_zip(postal_code: str | None) -> Borough | None:
    info = zip_info(postal_code)
    return COUNTY_BOROUGH.get(info["county"]) if info else None


def _query_key(query: str) -> str:
    return " ".join(query.lower().replace(",", " ").split())[:300]


def _provider_name() -> str:
    return str(current_app.config.get("GEOCODER", OFFLINE)).lower()


def _online_geocode() -> Callable[[str], Location | None]:
    """The configured geopy geocoder, rate limited as its usage policy asks."""
    cached = current_app.extensions.get("coresponse_geocoder")
    if cached is not None:
        return cached
    name = _provider_name()
    options = dict(current_app.config.get("GEOCODER_OPTIONS") or {})
    options.setdefault("user_agent", "CoResponse case management (self-hosted)")
    options.setdefault("timeout", 5)
    geocoder = get_geocoder_for_service(name)(**options)
    limited = RateLimiter(
        geocoder.geocode,
        min_delay_seconds=float(current_app.config.get("GEOCODER_MIN_DELAY", 1.0)),
        max_retries=1,
        swallow_exceptions=False,
    )
    current_app.extensions["coresponse_geocoder"] = limited
    return limited


def geocode_address(
    line1: str, *, city: str | None = None, state: str | None = None, postal_code: str | None = None
) -> GeoResult | None:
    """A point for the address: the provider's if it answers, else the ZIP centroid."""
    query = ", ".join(p for p in (line1, city, f"{state or ''} {postal_code or ''}".strip()) if p)
    provider = _provider_name()
    result = None
    if provider != OFFLINE:
        result = _cached_lookup(provider, query, "address")
    if result is None and postal_code:
        result = _cached_lookup(OFFLINE, postal_code.strip()[:5], "zip")
    return result


def geocode_line(text: str) -> GeoResult | None:
    """A point for an address written on one line ("1 Police Plaza, New York, NY 10038"):
    the provider's, else the centroid of the last ZIP code in it."""
    codes = _ZIP_RE.findall(text)
    return geocode_address(text, postal_code=codes[-1] if codes else None)


def import_precinct_boundaries(shapes: Sequence[PrecinctShape], *, source: str) -> PrecinctIndex:
    """Store a new set of precinct boundaries; from now on every lookup uses it."""
    digest = boundaries_digest(shapes)
    boundary_set = PrecinctBoundarySet(
        source=source[:300], digest=digest, precinct_count=len(shapes), boundaries=[]
    )
    for item in shapes:
        boundary_set.boundaries.append(
            PrecinctBoundary(
                precinct=item.precinct,
                borough=item.borough,
                sort_key=item.sort_key,
                geometry=geometry_json(item.geometry),
            )
        )
    db.session.add(boundary_set)
    db.session.flush()
    return current_index()


def _cached_lookup(provider: str, query: str, precision: str) -> GeoResult | None:
    key = _query_key(query)
    row = db.session.scalar(
        select(GeocodeCache).where(GeocodeCache.provider == provider, GeocodeCache.query_key == key)
    )
    if row is None:
        try:
            location = _lookup(provider, query)
        except _LookupFailed:
            return None  # not cached: the provider may answer next time
        postal = None
        county = None
        if location is not None and provider == OFFLINE:
            postal, county = location.raw["zip_code"], location.raw["county"]
        row = GeocodeCache(
            provider=provider,
            query_key=key,
            found=location is not None,
            latitude=location.latitude if location else None,
            longitude=location.longitude if location else None,
            precision=precision if location else None,
            postal_code=postal,
            county=county,
        )
        db.session.add(row)
        db.session.flush()
    if not row.found or row.latitude is None or row.longitude is None:
        return None
    return GeoResult(
        latitude=row.latitude,
        longitude=row.longitude,
        precision=row.precision or precision,
        postal_code=row.postal_code,
        borough=COUNTY_BOROUGH.get(row.county or ""),
    )


class _LookupFailed(Exception):
    """The provider did not answer (outage, timeout, quota): try again later."""


def _lookup(provider: str, query: str) -> Location | None:
    if provider == OFFLINE:
        return OfflineZipGeocoder().geocode(query)
    try:
        return _online_geocode()(query)
    except (GeopyError, OSError, ValueError) as error:
        # Field staff cannot fix a provider outage; intake goes on without the point.
        log.warning("Geocoding failed with %s: %s", provider, error)
        raise _LookupFailed from error

"""Distances between points on the map (teams' bases, people's addresses, providers).

Dispatch and the provider directory rank by them; they need no geocoder, so they
stay apart from services.py and below the queries that use them.
"""

from __future__ import annotations

from geopy.distance import geodesic


def distance_km(
    a: tuple[float | None, float | None] | None, b: tuple[float | None, float | None] | None
) -> float | None:
    """Geodesic distance between two (latitude, longitude) points, in kilometres."""
    if a is None or b is None or None in a or None in b:
        return None
    return geodesic(a, b).km

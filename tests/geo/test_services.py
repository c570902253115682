"""Geocoding: offline by default, cached, never blocking, never on the network in tests."""

from __future__ import annotations

import pytest
from flask import Flask
from geopy.exc import GeocoderUnavailable
from geopy.location import Location
from geopy.point import Point
from sqlalchemy import func, select

from coresponse.extensions import db
from coresponse.geo.distance import distance_km
from coresponse.geo.models import GeocodeCache
from coresponse.geo.services import borough_for_zip, geocode_address
from coresponse.people.models import Borough


def test_offline_default_places_an_address_at_its_zip_centroid(app: Flask) -> None:
    result = geocode_address(
        "127 Pennsylvania Ave", city="Brooklyn", state="NY", postal_code="11207"
    )
    assert result is not None
    assert result.precision == "zip"
    assert result.borough is Borough.BROOKLYN
    assert result.latitude == pytest.approx(40.67, abs=0.02)
    assert result.longitude == pytest.approx(-73.89, abs=0.02)


def test_lookups_are_cached(app: Flask) -> None:
    geocode_address("1 A St", postal_code="10451")
    geocode_address("2 B St", postal_code="10451")
    rows = db.session.scalar(select(func.count()).select_from(GeocodeCache))
    assert rows == 1


def test_unknown_zip_or_no_zip_gives_no_point(app: Flask) -> None:
    assert geocode_address("Under the bridge", postal_code=None) is None
    assert geocode_address("1 Main St", postal_code="00000") is None


class FakeGeocoder:
    """Stands in for a network geocoder: answers, or fails like one."""

    def __init__(self, answer: Location | None = None, fail: bool = False) -> None:
        self.answer, self.fail, self.calls = answer, fail, 0

    def __call__(self, query: str) -> Location | None:
        self.calls += 1
        if self.fail:
            raise GeocoderUnavailable("service down")
        return self.answer


def test_configured_provider_is_used_and_its_answers_cached(app: Flask) -> None:
    app.config["GEOCODER"] = "nominatim"
    fake = FakeGeocoder(Location("x", Point(40.7, -73.9), {}))
    app.extensions["coresponse_geocoder"] = fake
    first = geocode_address("450 Cross Bronx Expy", postal_code="10457")
    second = geocode_address("450 Cross Bronx Expy", postal_code="10457")
    assert first is not None and first.precision == "address"
    assert (second.latitude, second.longitude) == (40.7, -73.9)
    assert fake.calls == 1


def test_provider_outage_falls_back_to_zip_and_is_not_cached(app: Flask) -> None:
    app.config["GEOCODER"] = "nominatim"
    fake = FakeGeocoder(fail=True)
    app.extensions["coresponse_geocoder"] = fake
    result = geocode_address("450 Cross Bronx Expy", postal_code="10457")
    assert result is not None and result.precision == "zip"
    geocode_address("450 Cross Bronx Expy", postal_code="10457")
    assert fake.calls == 2  # the failure was not remembered as "no such address"


def test_borough_from_zip_and_geodesic_distance() -> None:
    assert borough_for_zip("10301") is Borough.STATEN_ISLAND
    assert borough_for_zip("90210") is None
    assert borough_for_zip("abc") is None
    # Times Square to the Brooklyn Bridge's Manhattan end: about 5.4 km.
    assert distance_km((40.758, -73.9855), (40.7115, -74.0036)) == pytest.approx(5.4, abs=0.3)
    assert distance_km(None, (40.7, -73.9)) is None

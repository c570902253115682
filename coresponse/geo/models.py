"""Cached geocoding results, and precinct boundaries imported to replace the shipped ones."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from coresponse.clock import utcnow
from coresponse.db_types import UTCDateTime, enum_type
from coresponse.extensions import Model
from coresponse.people.models import Borough


class GeocodeCache(Model):
    """One provider's answer for one normalised address (a miss is cached too)."""

    __tablename__ = "geocode_cache"
    __table_args__ = (UniqueConstraint("provider", "query_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    query_key: Mapped[str] = mapped_column(String(300))
    found: Mapped[bool] = mapped_column(default=False)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # "address" for a rooftop/street match, "zip" for a ZIP-code centroid.
    precision: Mapped[str | None] = mapped_column(String(20))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    county: Mapped[str | None] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PrecinctBoundarySet(Model):
    """A boundary file loaded by `flask geo import-precincts`: the newest one is used for
    every lookup, in place of the file shipped with the code (coresponse/geo/precincts.py)."""

    __tablename__ = "precinct_boundary_set"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The file's name as given to the command, for the record.
    source: Mapped[str] = mapped_column(String(300))
    # SHA-256 of the boundaries as stored: each process keeps one index per digest.
    digest: Mapped[str] = mapped_column(String(64))
    precinct_count: Mapped[int]
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    boundaries: Mapped[list[PrecinctBoundary]] = relationship(
        back_populates="boundary_set", order_by="PrecinctBoundary.sort_key", lazy="raise_on_sql"
    )


class PrecinctBoundary(Model):
    """One precinct's area in an imported set, as GeoJSON (WGS84) at full precision."""

    __tablename__ = "precinct_boundary"
    __table_args__ = (UniqueConstraint("set_id", "precinct"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[int] = mapped_column(ForeignKey("precinct_boundary_set.id"), index=True)
    precinct: Mapped[str] = mapped_column(String(10))
    borough: Mapped[Borough] = mapped_column(enum_type(Borough, length=2))
    sort_key: Mapped[int] = mapped_column(default=0)
    # A GeoJSON Polygon or MultiPolygon: text, so SQLite and PostgreSQL store it alike.
    geometry: Mapped[str] = mapped_column(Text)

    boundary_set: Mapped[PrecinctBoundarySet] = relationship(
        back_populates="boundaries", lazy="raise_on_sql"
    )

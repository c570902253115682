"""Cached geocoding results, so an address is looked up once per provider."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from coresponse.clock import utcnow
from coresponse.db_types import UTCDateTime
from coresponse.extensions import Model


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

"""Read paths for connections and the provider directory.

Connections are clinical: every path here that returns them is asked only after
`policy.can_view_linkages(viewer)`, and `get_visible_linkage` asks it itself.
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app
from sqlalchemy import ColumnElement, Select, select
from sqlalchemy.orm import joinedload

from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.extensions import db
from coresponse.geo.distance import distance_km
from coresponse.linkages.models import Linkage, LinkageKind, LinkageStatusChange, Provider
from coresponse.pagination import Page, keyset_page
from coresponse.people.models import SupportContact
from coresponse.privacy import policy
from coresponse.privacy.policy import case_visibility

# Joined: a connection has a handful of steps, so its path comes in the same query.
_LINKAGE_LOADS = (
    joinedload(Linkage.changes).joinedload(LinkageStatusChange.by),
    joinedload(Linkage.provider),
    joinedload(Linkage.support_contact),
)
_NEWEST_FIRST = (Linkage.created_at.desc(), Linkage.id.desc())


def case_linkages(case_id: int) -> list[Linkage]:
    """A case's connections, newest first, with their path, provider and contact loaded."""
    stmt = (
        select(Linkage)
        .options(*_LINKAGE_LOADS)
        .where(Linkage.case_id == case_id)
        .order_by(*_NEWEST_FIRST)
    )
    return list(db.session.scalars(stmt).unique())


def person_linkages(person_id: int, visible_case_filter: ColumnElement[bool]) -> list[Linkage]:
    """A person's connections on the cases the filter lets through (see case_visibility)."""
    stmt = (
        select(Linkage)
        .join(Case, Case.id == Linkage.case_id)
        .options(*_LINKAGE_LOADS)
        .where(Linkage.person_id == person_id, visible_case_filter)
        .order_by(*_NEWEST_FIRST)
    )
    return list(db.session.scalars(stmt).unique())


def get_visible_linkage(viewer: User, linkage_id: int) -> Linkage:
    """The connection with its path loaded, or a 404 unless the viewer may see it."""
    if not policy.can_view_linkages(viewer):
        abort(404)
    stmt = (
        select(Linkage)
        .join(Case, Case.id == Linkage.case_id)
        .options(*_LINKAGE_LOADS)
        .where(Linkage.id == linkage_id, case_visibility(viewer))
    )
    linkage = db.session.scalars(stmt).unique().one_or_none()
    if linkage is None:
        abort(404)
    return linkage


def list_providers(
    kind: LinkageKind | None = None,
    include_inactive: bool = False,
    cursor: str | None = None,
    *,
    accepting_only: bool = False,
    size: int | None = None,
) -> Page[Provider]:
    """One page of the directory in name order (raises BadCursor for a forged cursor)."""
    return keyset_page(
        _directory(kind, include_inactive, accepting_only),
        [Provider.name, Provider.id],
        cursor=cursor,
        size=size or int(current_app.config.get("PAGE_SIZE", 50)),
    )


# The directory's map draws at most this many providers (a city's directory has hundreds).
MAP_LIMIT = 2000


def _directory(
    kind: LinkageKind | None, include_inactive: bool, accepting_only: bool
) -> Select[Provider]:
    """The directory's filter: one kind, retired ones or not, only those taking referrals."""
    stmt = select(Provider)
    if kind is not None:
        stmt = stmt.where(Provider.kind == kind)
    if not include_inactive:
        stmt = stmt.where(Provider.active)
    if accepting_only:
        stmt = stmt.where(Provider.accepting_referrals)
    return stmt


def mapped_providers(
    kind: LinkageKind | None = None,
    include_inactive: bool = False,
    *,
    accepting_only: bool = False,
) -> list[Provider]:
    """Every provider the directory's filter finds that has a point, in name order (at
    most MAP_LIMIT): the directory's map, beside its pages."""
    stmt = (
        _directory(kind, include_inactive, accepting_only)
        .where(Provider.latitude.is_not(None), Provider.longitude.is_not(None))
        .order_by(Provider.name, Provider.id)
        .limit(MAP_LIMIT)
    )
    return list(db.session.scalars(stmt))


def providers_for(kinds: frozenset[LinkageKind]) -> list[Provider]:
    """Active providers of these kinds, by name: the choices on the connection form."""
    if not kinds:
        return []
    stmt = (
        select(Provider)
        .where(Provider.active, Provider.kind.in_(kinds))
        .order_by(Provider.name, Provider.id)
    )
    return list(db.session.scalars(stmt))


def nearest_providers(
    kind: LinkageKind,
    point: tuple[float, float] | None,
    *,
    limit: int = 5,
    accepting_only: bool = True,
) -> list[tuple[Provider, float | None]]:
    """Active providers of `kind` nearest the point (km by geodesic); unplaced ones last."""
    stmt = select(Provider).where(Provider.active, Provider.kind == kind)
    if accepting_only:
        stmt = stmt.where(Provider.accepting_referrals)
    ranked: list[tuple[Provider, float | None]] = []
    for provider in db.session.scalars(stmt):
        place = (
            (provider.latitude, provider.longitude)
            if provider.latitude is not None and provider.longitude is not None
            else None
        )
        ranked.append((provider, distance_km(point, place)))

    def order(item: tuple[Provider, float | None]) -> tuple[Any, ...]:
        provider, km = item
        return (km is None, km or 0.0, provider.name.lower(), provider.id)

    ranked.sort(key=order)
    return ranked[:limit]


def family_contacts(person_id: int) -> list[SupportContact]:
    """The person's active family and friends: who a family or friend connection can be to."""
    stmt = (
        select(SupportContact)
        .where(SupportContact.person_id == person_id, SupportContact.active)
        .order_by(SupportContact.name, SupportContact.id)
    )
    return [c for c in db.session.scalars(stmt) if c.relationship_type.is_family_or_friend]

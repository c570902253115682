"""Test data for connections: providers, support contacts and linkages."""

from __future__ import annotations

import itertools
from typing import Any

from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.extensions import db
from coresponse.linkages import services
from coresponse.linkages.models import Linkage, LinkageKind, Provider
from coresponse.people.models import Person, SupportContact, SupportRelationship

_counter = itertools.count(1)


def make_provider(kind: LinkageKind = LinkageKind.OUTPATIENT_CLINIC, **overrides: Any) -> Provider:
    """A saved, active provider taking referrals, placed in Brooklyn unless told otherwise."""
    n = next(_counter)
    fields: dict[str, Any] = {
        "name": f"Provider {n:03d}",
        "kind": kind,
        "address": f"{n} Atlantic Ave, Brooklyn, NY 11207",
        "latitude": 40.675,
        "longitude": -73.90,
        "phone": "(718) 555-0100",
        "languages": "English, Spanish",
    }
    fields.update(overrides)
    provider = Provider(**fields)
    db.session.add(provider)
    db.session.flush()
    return provider


def make_support_contact(
    person: Person,
    relationship: SupportRelationship = SupportRelationship.SIBLING,
    **overrides: Any,
) -> SupportContact:
    n = next(_counter)
    fields: dict[str, Any] = {
        "person_id": person.id,
        "name": f"Jordan Kin{n}",
        "relationship_type": relationship,
        "phone": "(347) 555-0199",
    }
    fields.update(overrides)
    contact = SupportContact(**fields)
    db.session.add(contact)
    db.session.flush()
    return contact


def make_linkage(
    case: Case, by: User, kind: LinkageKind = LinkageKind.OUTPATIENT_CLINIC, **kwargs: Any
) -> Linkage:
    """A linkage recorded through the service (identified), to a new provider by default."""
    if "provider" not in kwargs and "target_name" not in kwargs and "support_contact" not in kwargs:
        kwargs["provider"] = make_provider(kind)
    return services.create_linkage(case, by=by, kind=kind, **kwargs)

"""The provider directory, and a provider of a kind near a person."""

from __future__ import annotations

from datetime import timedelta

from coresponse.demo.dice import Dice
from coresponse.demo.reference import PROVIDERS
from coresponse.demo.world import TEAM_FOUNDED_DAYS, ProviderRef, World
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind, Provider
from coresponse.people.models import Borough


def create_providers(world: World) -> None:
    """The provider directory: at least one entry for every treatment and support kind."""
    founded = world.now - timedelta(days=TEAM_FOUNDED_DAYS)
    rows = [
        Provider(
            name=spec.name,
            kind=spec.kind,
            address=spec.address,
            latitude=spec.latitude,
            longitude=spec.longitude,
            phone=spec.phone,
            languages=spec.languages,
            accepting_referrals=spec.accepting,
            created_at=founded,
            updated_at=founded,
        )
        for spec in PROVIDERS
    ]
    db.session.add_all(rows)
    db.session.flush()
    world.providers = [ProviderRef(row.id, spec) for row, spec in zip(rows, PROVIDERS, strict=True)]
    world.tally.providers = len(rows)


def provider_for(world: World, dice: Dice, kind: LinkageKind, borough: Borough) -> ProviderRef:
    """A directory entry of this kind, usually in the person's borough."""
    of_kind = [p for p in world.providers if p.spec.kind is kind]
    nearby = [p for p in of_kind if p.spec.borough is borough]
    return dice.pick(nearby if nearby and dice.chance(0.8) else of_kind)

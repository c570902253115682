"""Test data for consent: a team's person with family on record and a provider."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.clock import program_today, utcnow
from coresponse.consent import services
from coresponse.consent.models import (
    Consent,
    ConsentMethod,
    Disclosure,
    DisclosureBasis,
    RecipientKind,
    ShareScope,
)
from coresponse.linkages.models import LinkageKind, Provider
from coresponse.people.models import Person, SupportContact, SupportRelationship
from coresponse.teams.models import Team
from tests.factories import make_case, make_person, make_staffed_team
from tests.linkages.helpers import make_provider, make_support_contact


@dataclass
class World:
    team: Team
    officer: User
    clinician: User
    person: Person
    case: Case
    mother: SupportContact
    brother: SupportContact
    hospital: Provider


def make_world() -> World:
    """A team with an open case of Ana Lopez, whose mother and brother are on record."""
    team, officer, _, clinician = make_staffed_team()
    person = make_person(first_name="Ana", last_name="Lopez")
    case = make_case(team, person)
    mother = make_support_contact(person, SupportRelationship.PARENT, name="Rosa Lopez")
    brother = make_support_contact(person, SupportRelationship.SIBLING, name="Luis Lopez")
    hospital = make_provider(LinkageKind.HOSPITAL, name="Kings County Hospital")
    return World(team, officer, clinician, person, case, mother, brother, hospital)


def to_contact(contact: SupportContact) -> services.Recipient:
    return services.Recipient(RecipientKind.SUPPORT_CONTACT, support_contact=contact)


def to_provider(provider: Provider) -> services.Recipient:
    return services.Recipient(RecipientKind.PROVIDER, provider=provider)


def a_month_ago() -> date:
    return program_today() - timedelta(days=30)


def give_consent(
    world: World,
    *,
    by: User | None = None,
    recipient: services.Recipient | None = None,
    scopes: tuple[ShareScope, ...] = (ShareScope.ATTENDANCE, ShareScope.TREATMENT),
    **overrides: Any,
) -> Consent:
    fields: dict[str, Any] = {
        "purpose": "So her mother can help her keep appointments.",
        "method": ConsentMethod.WRITTEN,
        "given_on": a_month_ago(),
    }
    fields.update(overrides)
    return services.record_consent(
        world.person,
        by=by or world.clinician,
        recipient=recipient or to_contact(world.mother),
        scopes=scopes,
        **fields,
    )


def disclose(
    world: World,
    *,
    by: User | None = None,
    recipient: services.Recipient | None = None,
    scopes: tuple[ShareScope, ...] = (ShareScope.ATTENDANCE,),
    disclosed_at: datetime | None = None,
    basis: DisclosureBasis = DisclosureBasis.CONSENT,
    **overrides: Any,
) -> Disclosure:
    fields: dict[str, Any] = {
        "description": "Told her she attended clinic twice this month.",
        "purpose": "Family asked how to help.",
    }
    fields.update(overrides)
    return services.record_disclosure(
        world.person,
        by=by or world.clinician,
        recipient=recipient or to_contact(world.mother),
        scopes=scopes,
        disclosed_at=disclosed_at or utcnow() - timedelta(hours=1),
        basis=basis,
        **fields,
    )

"""Contact rows: who recorded each contact, who was there, where, its notes and risk."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from coresponse.auth.models import Role
from coresponse.contacts.models import (
    Addendum,
    Contact,
    ContactOutcome,
    ContactParticipant,
    ContactRiskFactor,
    ContactType,
    RiskFactor,
    RiskLevel,
)
from coresponse.demo.cases import CaseStory
from coresponse.demo.dice import Dice
from coresponse.demo.people import Residence, words_for
from coresponse.demo.providers import provider_for
from coresponse.demo.reference import (
    ADDENDA,
    CLINICAL_COLLATERAL_FAMILY,
    CLINICAL_COLLATERAL_PROVIDER,
    CLINICAL_NOTES,
    CLOSING_NOTES,
    CRISIS_DESTINATIONS,
    OPERATIONAL_ADDENDA,
    OPERATIONAL_NOTES,
)
from coresponse.demo.schedules import ContactDraft
from coresponse.demo.world import Span, World
from coresponse.linkages.models import LinkageKind

_C = ContactOutcome


FACTOR_WEIGHTS = (
    (RiskFactor.SUICIDAL_IDEATION, 25),
    (RiskFactor.HOMICIDAL_IDEATION, 8),
    (RiskFactor.ACCESS_TO_MEANS, 8),
    (RiskFactor.PSYCHOSIS, 30),
    (RiskFactor.SUBSTANCE_INTOXICATION, 18),
    (RiskFactor.TREATMENT_NONADHERENCE, 35),
    (RiskFactor.RECENT_LOSS, 12),
    (RiskFactor.HOUSING_INSTABILITY, 25),
)

PERSON_SEEN = (
    ContactType.IN_PERSON_HOME,
    ContactType.IN_PERSON_OTHER,
    ContactType.PHONE,
    ContactType.VIDEO,
)


def write_contacts(world: World, story: CaseStory) -> None:
    """The contact rows of a case, recorded by whoever was on its team at the time."""
    for draft in story.contacts:
        _contact_row(world, story, draft)
    world.tally.contacts += len(story.contacts)


def _contact_row(world: World, story: CaseStory, draft: ContactDraft) -> None:
    person, dice = story.draft, story.draft.dice
    members = draft.team.members_at(draft.planned_at) or draft.team.spans
    recorder = _recorder(dice, members, draft.type, draft.outcome)
    present = _present(dice, members, recorder, draft.type)
    residence = person.residence_at(draft.planned_at)
    place = residence.place
    destination = (
        dice.pick(CRISIS_DESTINATIONS[place.borough]) if draft.outcome.is_transport else None
    )
    provider = story.care_provider or provider_for(
        world, dice, dice.pick(_COLLATERAL_KINDS), place.borough
    )
    relation = person.relation()
    fill = words_for(
        person,
        place,
        destination=destination or "",
        provider=provider.spec.name,
    )
    location, latitude, longitude = _contact_place(dice, draft.type, residence, fill)
    clinician = recorder.role is Role.CLINICIAN
    seen = draft.type in PERSON_SEEN and draft.outcome is not _C.NOT_FOUND
    level, factors = _risk(dice, draft.outcome) if clinician and seen else (None, [])
    recorded_at = min(draft.occurred_at + dice.hours(0.1, 3), world.now)
    contact = world.rows.add_keyed(
        Contact,
        "uuid",
        uuid=uuid.uuid4(),
        case_id=story.case.id,
        person_id=person.person.id,
        type=draft.type,
        occurred_at=draft.occurred_at,
        location=location,
        latitude=latitude,
        longitude=longitude,
        outcome=draft.outcome,
        transport_destination=destination,
        others_present=_others_present(dice, draft.type, relation),
        operational_note=_operational_note(dice, draft, fill),
        clinical_note=_clinical_note(dice, draft, fill) if clinician else None,
        risk_level=level,
        next_contact_planned_at=draft.next_planned,
        recorded_at=recorded_at,
        recorded_by_id=recorder.user_id,
    )
    for span in present:
        world.rows.add(ContactParticipant, contact, "contact_id", user_id=span.user_id)
    for factor in factors:
        world.rows.add(ContactRiskFactor, contact, "contact_id", factor=factor)
    if dice.chance(0.03):
        world.rows.add(
            Addendum, contact, "contact_id", **_addendum(world, dice, recorder, recorded_at)
        )


_COLLATERAL_KINDS = (
    LinkageKind.OUTPATIENT_CLINIC,
    LinkageKind.IMT,
    LinkageKind.SUBSTANCE_USE_PROGRAM,
    LinkageKind.SUPPORT_CONNECTION_CENTER,
    LinkageKind.HOUSING,
)


def _recorder(
    dice: Dice, members: list[Span], contact_type: ContactType, outcome: ContactOutcome
) -> Span:
    """Clinicians log most visits; officers log some, and most arrests."""
    clinicians = [m for m in members if m.role is Role.CLINICIAN]
    officers = [m for m in members if m.role is Role.OFFICER]
    share = 0.65
    if contact_type in (ContactType.VIDEO, ContactType.COLLATERAL_PROVIDER):
        share = 0.9
    elif outcome is _C.ARREST:
        share = 0.3
    use_clinician = (dice.chance(share) and clinicians) or not officers
    return dice.pick(clinicians if use_clinician else officers)


def _present(
    dice: Dice, members: list[Span], recorder: Span, contact_type: ContactType
) -> list[Span]:
    """Team members at the contact: usually the whole team in the field, one on the phone."""
    others = [m for m in members if m.user_id != recorder.user_id]
    in_field = contact_type in (
        ContactType.IN_PERSON_HOME,
        ContactType.IN_PERSON_OTHER,
        ContactType.ATTEMPT,
    )
    if not in_field:
        return [recorder, *dice.sample(others, int(dice.chance(0.2)))]
    extra = len(others) if dice.chance(0.7) else 1
    return [recorder, *dice.sample(others, extra)]


def _contact_place(
    dice: Dice, contact_type: ContactType, residence: Residence, fill: dict[str, str]
) -> tuple[str | None, float | None, float | None]:
    """Where the contact happened: the home, somewhere in the neighborhood, or nowhere (calls)."""
    at_home = contact_type is ContactType.IN_PERSON_HOME or (
        contact_type is ContactType.ATTEMPT and dice.chance(0.6)
    )
    if at_home and residence.latitude is not None:
        line = ", ".join(part for part in (residence.line1, residence.line2) if part)
        return line, residence.latitude, residence.longitude
    if at_home or contact_type in (ContactType.IN_PERSON_OTHER, ContactType.ATTEMPT):
        place = residence.place
        latitude = round(place.latitude + dice.between(-0.005, 0.005), 6)
        longitude = round(place.longitude + dice.between(-0.006, 0.006), 6)
        where = dice.pick((fill["landmark"], f"{fill['street']} and {fill['cross']}"))
        return where[0].upper() + where[1:], latitude, longitude
    return None, None, None


def _others_present(dice: Dice, contact_type: ContactType, relation: str) -> str | None:
    if contact_type is ContactType.IN_PERSON_HOME and dice.chance(0.35):
        return dice.pick(
            (relation.split(" ", 1)[-1].capitalize(), "Building super", "Home attendant")
        )
    if contact_type is ContactType.IN_PERSON_OTHER and dice.chance(0.25):
        return dice.pick(
            ("Shelter staff", "Transit officers", "Outreach worker (BRC)", "Store owner")
        )
    return None


def _operational_note(dice: Dice, draft: ContactDraft, fill: dict[str, str]) -> str:
    """What the whole team may read: times, access, safety; never clinical content."""
    if draft.closing in CLOSING_NOTES:
        return dice.pick(CLOSING_NOTES[draft.closing]).format_map(fill)
    templates = (
        OPERATIONAL_NOTES.get((draft.type, draft.outcome))
        or OPERATIONAL_NOTES[(draft.type, _C.ENGAGED)]
    )
    return dice.pick(templates).format_map(fill)


def _clinical_note(dice: Dice, draft: ContactDraft, fill: dict[str, str]) -> str | None:
    """The clinician's note; nothing clinical to say about an empty doorway."""
    if draft.type is ContactType.ATTEMPT or draft.outcome is _C.NOT_FOUND:
        return None
    if draft.type is ContactType.COLLATERAL_FAMILY:
        return dice.pick(CLINICAL_COLLATERAL_FAMILY).format_map(fill)
    if draft.type is ContactType.COLLATERAL_PROVIDER:
        return dice.pick(CLINICAL_COLLATERAL_PROVIDER).format_map(fill)
    return dice.pick(CLINICAL_NOTES[draft.outcome]).format_map(fill)


def _risk(dice: Dice, outcome: ContactOutcome) -> tuple[RiskLevel, list[RiskFactor]]:
    """A clinician-rated level with structured factors matching it."""
    if outcome.is_transport:
        level = RiskLevel.HIGH
    elif outcome is _C.ARREST:
        level = dice.pick((RiskLevel.MODERATE, RiskLevel.HIGH))
    else:
        level = dice.weighted(((RiskLevel.LOW, 45), (RiskLevel.MODERATE, 40), (RiskLevel.HIGH, 15)))
    low, high = {RiskLevel.LOW: (0, 1), RiskLevel.MODERATE: (1, 2), RiskLevel.HIGH: (2, 4)}[level]
    return level, dice.weighted_sample(FACTOR_WEIGHTS, dice.integer(low, high))


def _addendum(world: World, dice: Dice, recorder: Span, recorded_at: datetime) -> dict[str, Any]:
    """A correction to a saved contact: who, when, why; the contact stays as it was."""
    clinician = recorder.role is Role.CLINICIAN
    # Only clinicians write clinical additions.
    reason, operational, clinical = dice.pick(ADDENDA if clinician else OPERATIONAL_ADDENDA)
    return {
        "author_id": recorder.user_id,
        "created_at": min(recorded_at + dice.hours(1, 72), world.now),
        "reason": reason,
        "operational_text": operational,
        "clinical_text": clinical,
    }

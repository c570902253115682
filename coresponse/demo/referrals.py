"""Referrals: who sent them and why, their risk indicators and every triage step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from coresponse.demo.dice import Dice
from coresponse.demo.people import FEMININE_DETAILS, MASCULINE_DETAILS, PersonDraft, words_for
from coresponse.demo.plans import CASE_OUTCOMES, DECLINES
from coresponse.demo.reference import (
    ACCEPT_NOTES,
    BEHAVIOURS,
    COMMUNITIES,
    FAMILY_REFERRERS,
    HOSPITAL_EDS,
    INDICATOR_PHRASES,
    INFO_REQUESTS,
    NOT_ELIGIBLE_NOTES,
    OTHER_SERVICES,
    REASON_CONTEXTS,
    REASON_OPENINGS,
    SOURCE_DETAILS,
    Neighborhood,
)
from coresponse.demo.timelines import Episode
from coresponse.demo.world import World
from coresponse.extensions import db
from coresponse.geo.nyc import precinct_label
from coresponse.people.details import name_key
from coresponse.people.models import Borough
from coresponse.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralRiskIndicator,
    ReferralSource,
    ReferralStatus,
    RiskIndicator,
)

SOURCE_WEIGHTS = (
    (ReferralSource.NYPD_PRECINCT, 25),
    (ReferralSource.DOHMH, 11),
    (ReferralSource.NYC_WELL_988, 10),
    (ReferralSource.CALL_911, 8),
    (ReferralSource.HOSPITAL, 18),
    (ReferralSource.SHELTER, 10),
    (ReferralSource.FAMILY_COMMUNITY, 9),
    (ReferralSource.OTHER_PROVIDER, 7),
    (ReferralSource.OTHER, 2),
)

INDICATOR_WEIGHTS = (
    (RiskIndicator.HARM_TO_SELF, 45),
    (RiskIndicator.HARM_TO_OTHERS, 40),
    (RiskIndicator.WEAPONS_ACCESS, 15),
    (RiskIndicator.RECENT_HOSPITALIZATION, 35),
    (RiskIndicator.SUBSTANCE_USE, 35),
    (RiskIndicator.PRIOR_VIOLENCE, 25),
)


def write_referral(world: World, draft: PersonDraft, episode: Episode, index: int) -> Referral:
    """A referral with its risk indicators and every status change it went through."""
    dice, plan = draft.dice, episode.plan
    # The first referrals cycle through every source so even a small demo shows them all.
    sources = list(ReferralSource)
    source = sources[index] if index < len(sources) else dice.weighted(SOURCE_WEIGHTS)
    place = draft.residence_at(episode.received_at).place
    referrer = _referrer(dice, source, place, draft)
    indicators = dice.weighted_sample(
        INDICATOR_WEIGHTS, dice.weighted(((1, 30), (2, 40), (3, 20), (4, 10)))
    )
    fill = words_for(draft, place, hospital=dice.pick(HOSPITAL_EDS[place.borough]))
    creator = world.sergeant_id if source is ReferralSource.NYPD_PRECINCT else draft.intake_id
    triager = dice.pick((world.supervisor_id, world.supervisor_id, world.sergeant_id))
    referral = Referral(
        person_id=draft.person.id,
        source=source,
        source_detail=referrer.detail,
        received_at=episode.received_at,
        referrer_name=referrer.name,
        referrer_phone=referrer.phone,
        referrer_email=referrer.email,
        referrer_organization=referrer.organization,
        reason=referral_reason(dice, indicators, fill),
        status=ReferralStatus.RECEIVED,
        created_at=episode.received_at,
        created_by_id=creator,
    )
    events = [
        _event(
            None,
            ReferralStatus.RECEIVED,
            episode.received_at,
            creator,
            "referral received",
            for_the_team=True,
        )
    ]
    if episode.info_requested_at is not None:
        note = dice.pick(INFO_REQUESTS).format_map(dict(fill, referrer=referrer.short))
        _triage(
            referral,
            events,
            ReferralStatus.INFO_REQUESTED,
            episode.info_requested_at,
            triager,
            note,
            for_the_team=True,  # what the referrer is asked for: an address, a date
        )
        if episode.info_received_at is not None:
            # The referrer answered: back to awaiting triage, as the referral service does.
            referral.status = ReferralStatus.RECEIVED
            events.append(
                _event(
                    ReferralStatus.INFO_REQUESTED,
                    ReferralStatus.RECEIVED,
                    episode.info_received_at,
                    triager,
                    "information received",
                    for_the_team=True,
                )
            )
    if episode.decided_at is not None:
        if plan.outcome in CASE_OUTCOMES:
            note = dice.pick(ACCEPT_NOTES).format_map(fill)
            _triage(referral, events, ReferralStatus.ACCEPTED, episode.decided_at, triager, note)
        else:
            _decline(world, dice, referral, events, episode, triager, fill)
    for indicator in indicators:
        world.rows.add(ReferralRiskIndicator, referral, "referral_id", indicator=indicator)
    for event in events:
        world.rows.add(ReferralEvent, referral, "referral_id", **event)
    world.tally.referrals[referral.status] += 1
    db.session.add(referral)
    return referral


def _event(
    from_status: ReferralStatus | None,
    to_status: ReferralStatus,
    at: datetime,
    by_id: int,
    note: str | None,
    *,
    for_the_team: bool = False,
) -> dict[str, Any]:
    """A referral status change; its note is clinical unless `for_the_team`."""
    return {
        "from_status": from_status,
        "to_status": to_status,
        "at": at,
        "by_id": by_id,
        "operational_note": note if for_the_team else None,
        "note": None if for_the_team else note,
    }


def _triage(
    referral: Referral,
    events: list[dict[str, Any]],
    status: ReferralStatus,
    at: datetime,
    by_id: int,
    note: str,
    *,
    for_the_team: bool = False,
) -> None:
    """A triage decision, as the referral service records it."""
    events.append(_event(referral.status, status, at, by_id, note, for_the_team=for_the_team))
    referral.status = status
    referral.triaged_at = at
    referral.triaged_by_id = by_id
    if not for_the_team:
        referral.triage_note = note


def _decline(
    world: World,
    dice: Dice,
    referral: Referral,
    events: list[dict[str, Any]],
    episode: Episode,
    by_id: int,
    fill: dict[str, str],
) -> None:
    reason = DECLINES[episode.plan.outcome]
    detail = reason.label
    if reason is DeclineReason.REFERRED_ELSEWHERE:
        service = dice.pick(OTHER_SERVICES)
        note = f"Better served by {service}; referral forwarded with the referrer's agreement."
        referral.referred_to_service = service
        detail = f"{reason.label}: {service}"
    elif reason is DeclineReason.DUPLICATE:
        original = episode.duplicate_of.received_at if episode.duplicate_of else episode.received_at
        note = (
            f"Same person as the referral of {original.astimezone(world.tz):%d %b %Y}; the case "
            "is open and the team was told about this call."
        )
    else:
        note = dice.pick(NOT_ELIGIBLE_NOTES).format_map(fill)
    decided = episode.decided_at or episode.received_at
    _triage(referral, events, ReferralStatus.DECLINED, decided, by_id, note)
    referral.decline_reason = reason
    # The referral service writes the coded reason for the team, the rest as clinical.
    events[-1]["operational_note"] = reason.label
    events[-1]["note"] = f"{detail}; {note}"


@dataclass(frozen=True)
class Referrer:
    detail: str
    name: str
    short: str
    organization: str | None
    phone: str
    email: str | None


def _referrer(
    dice: Dice, source: ReferralSource, place: Neighborhood, draft: PersonDraft
) -> Referrer:
    """Who sent the referral, from where, and how to call them back."""
    community = dice.pick(COMMUNITIES)
    person = f"{dice.pick(community.female + community.male)} {dice.pick(community.surnames)}"
    area = ("212", "646") if place.borough is Borough.MANHATTAN else ("718", "347")
    phone = dice.phone(area)
    email = f"{name_key(person).replace(' ', '.')}@example.org" if dice.chance(0.35) else None
    if source is ReferralSource.NYPD_PRECINCT:
        label = precinct_label(place.precinct)
        rank = dice.pick(("P.O.", "Sgt.", "Det.", "Lt."))
        return Referrer(label, f"{rank} {person}", f"{rank} {person}", f"NYPD {label}", phone, None)
    if source is ReferralSource.HOSPITAL:
        ed = dice.pick(HOSPITAL_EDS[place.borough])
        return Referrer(ed, f"{person}, LCSW", "the ED social worker", ed, phone, email)
    if source is ReferralSource.FAMILY_COMMUNITY:
        detail = dice.pick(FAMILY_REFERRERS)
        if detail in FEMININE_DETAILS + MASCULINE_DETAILS:
            # Family comes from the person's community and usually shares the surname.
            names = draft.community.female if detail in FEMININE_DETAILS else draft.community.male
            person = f"{dice.pick(names)} {draft.person.last_name}"
        return Referrer(detail, person, person, None, phone, None)
    detail = dice.pick(SOURCE_DETAILS[source])
    short = f"{person} at {detail}"
    return Referrer(detail, person, short, detail, phone, email)


def referral_reason(dice: Dice, indicators: list[RiskIndicator], fill: dict[str, str]) -> str:
    """A short referral narrative that matches the risk indicators checked."""
    parts = [
        dice.pick(REASON_OPENINGS).format_map(
            dict(fill, behaviour=dice.pick(BEHAVIOURS).format_map(fill))
        )
    ]
    parts += [dice.pick(INDICATOR_PHRASES[i]).format_map(fill) for i in indicators[:3]]
    parts.append(dice.pick(REASON_CONTEXTS).format_map(fill))
    return " ".join(parts)

"""Connections to care, family and supports, each with the steps that led to its status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from coresponse.auth.models import Role
from coresponse.demo.cases import CaseStory
from coresponse.demo.dice import Dice
from coresponse.demo.people import PersonDraft
from coresponse.demo.providers import provider_for
from coresponse.demo.reference import (
    LINKAGE_NOTES,
    NOT_CONNECTED_REASONS,
    RESCHEDULE_NOTES,
    STEP_NOTES,
    TARGET_NAMES,
    VERIFIERS,
)
from coresponse.demo.schedules import ContactDraft
from coresponse.demo.timelines import chain_times
from coresponse.demo.world import ProviderRef, Span, World
from coresponse.linkages.models import (
    Linkage,
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    LinkageStatusChange,
    VerificationMethod,
)
from coresponse.people.models import Borough, SupportContact, SupportRelationship

_L = LinkageStatus

KIND_WEIGHTS = (
    (LinkageKind.OUTPATIENT_CLINIC, 18),
    (LinkageKind.IMT, 10),
    (LinkageKind.ACT, 6),
    (LinkageKind.SUBSTANCE_USE_PROGRAM, 9),
    (LinkageKind.HOSPITAL, 3),
    (LinkageKind.SUPPORT_CONNECTION_CENTER, 5),
    (LinkageKind.PRIMARY_CARE, 8),
    (LinkageKind.FAMILY, 9),
    (LinkageKind.FRIEND, 4),
    (LinkageKind.HOUSING, 11),
    (LinkageKind.BENEFITS, 9),
    (LinkageKind.PEER_SUPPORT, 5),
    (LinkageKind.LEGAL, 3),
)

# The showcase person's connections cover every status, family and friends included.
SHOWCASE_LINKAGES: tuple[tuple[LinkageKind, LinkageStatus], ...] = (
    (LinkageKind.OUTPATIENT_CLINIC, _L.NOT_CONNECTED),
    (LinkageKind.IMT, _L.WAITLISTED),
    (LinkageKind.FAMILY, _L.CONNECTED),
    (LinkageKind.FRIEND, _L.IDENTIFIED),
    (LinkageKind.HOUSING, _L.REFERRED),
    (LinkageKind.BENEFITS, _L.CONNECTED),
    (LinkageKind.PRIMARY_CARE, _L.APPOINTMENT_SCHEDULED),
)

_FAMILY_RELATIONS = (
    SupportRelationship.PARENT,
    SupportRelationship.SIBLING,
    SupportRelationship.PARTNER,
    SupportRelationship.CHILD,
    SupportRelationship.OTHER_FAMILY,
)

_FRIEND_RELATIONS = (SupportRelationship.FRIEND, SupportRelationship.NEIGHBOR)


@dataclass(frozen=True)
class LinkagePlan:
    kind: LinkageKind
    status: LinkageStatus
    anchor: ContactDraft


def write_linkages(world: World, story: CaseStory) -> list[Linkage]:
    """Connections made during the case, each with the chain of steps that led to its status."""
    if not story.contacts:
        return []
    rows = [_linkage_row(world, story, plan) for plan in _linkage_plans(story)]
    for row in rows:
        world.tally.linkages[row.status] += 1
    return rows


def _linkage_plans(story: CaseStory) -> list[LinkagePlan]:
    dice, plan = story.draft.dice, story.episode.plan
    early = story.contacts[: max(1, int(len(story.contacts) * 0.7))]
    if plan.showcase:
        return [
            LinkagePlan(k, s, early[min(i, len(early) - 1)])
            for i, (k, s) in enumerate(SHOWCASE_LINKAGES)
        ]
    plans = []
    if story.care_kind is not None:
        plans.append(LinkagePlan(story.care_kind, _L.CONNECTED, story.contacts[0]))
    kinds = [
        (k, w)
        for k, w in KIND_WEIGHTS
        if _support_for(story.draft, k, probe=True) or k.category is not LinkageCategory.FAMILY
    ]
    for _ in range(dice.weighted(((0, 20), (1, 35), (2, 30), (3, 15)))):
        kind = dice.weighted(kinds)
        if any(p.kind is kind for p in plans):
            continue
        anchor = dice.pick(early)
        plans.append(
            LinkagePlan(kind, _linkage_status(dice, kind, _ends_closed(story, anchor)), anchor)
        )
    return plans


def _ends_closed(story: CaseStory, anchor: ContactDraft) -> bool:
    """Whether the open period holding this contact ended with a closure."""
    closed_at = story.episode.closed_at
    return closed_at is not None and anchor.occurred_at < closed_at


def _period_end(world: World, story: CaseStory, anchor: ContactDraft) -> datetime:
    if _ends_closed(story, anchor) and story.episode.closed_at is not None:
        return story.episode.closed_at
    return world.now


def _linkage_status(dice: Dice, kind: LinkageKind, closing: bool) -> LinkageStatus:
    """How far a connection got; waitlists are for IMT and ACT (and housing)."""
    if kind.category is LinkageCategory.FAMILY:
        return dice.weighted(((_L.IDENTIFIED, 25), (_L.CONNECTED, 55), (_L.NOT_CONNECTED, 20)))
    waitlist = 45 if kind in (LinkageKind.IMT, LinkageKind.ACT) else 0
    if kind is LinkageKind.HOUSING:
        waitlist = 5  # supportive housing has waitlists too, but fewer people on them
    if closing:
        return dice.weighted(
            (
                (_L.REFERRED, 10),
                (_L.WAITLISTED, waitlist * 0.6),
                (_L.CONNECTED, 45),
                (_L.NOT_CONNECTED, 40),
            )
        )
    return dice.weighted(
        (
            (_L.IDENTIFIED, 14),
            (_L.REFERRED, 20),
            (_L.WAITLISTED, waitlist),
            (_L.APPOINTMENT_SCHEDULED, 16),
            (_L.CONNECTED, 26),
            (_L.NOT_CONNECTED, 18),
        )
    )


def _linkage_path(dice: Dice, kind: LinkageKind, status: LinkageStatus) -> list[LinkageStatus]:
    """The steps to `status` along the linkage service's allowed transitions.

    Some appointments are rescheduled (a second "appointment scheduled" step).
    """
    path = _direct_path(dice, kind, status)
    if _L.APPOINTMENT_SCHEDULED in path and dice.chance(0.15):
        index = path.index(_L.APPOINTMENT_SCHEDULED)
        path.insert(index, _L.APPOINTMENT_SCHEDULED)
    return path


def _direct_path(dice: Dice, kind: LinkageKind, status: LinkageStatus) -> list[LinkageStatus]:
    family = kind.category is LinkageCategory.FAMILY
    waitlisted = kind in (LinkageKind.IMT, LinkageKind.ACT)
    if status is _L.IDENTIFIED:
        return [_L.IDENTIFIED]
    if status is _L.REFERRED:
        return [_L.IDENTIFIED, _L.REFERRED]
    if status is _L.WAITLISTED:
        return [_L.IDENTIFIED, _L.REFERRED, _L.WAITLISTED]
    if status is _L.APPOINTMENT_SCHEDULED:
        if waitlisted and dice.chance(0.6):
            return [_L.IDENTIFIED, _L.REFERRED, _L.WAITLISTED, _L.APPOINTMENT_SCHEDULED]
        return [_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED]
    if status is _L.CONNECTED:
        if family:
            return [_L.IDENTIFIED, _L.REFERRED, _L.CONNECTED]
        if waitlisted:
            return [
                _L.IDENTIFIED,
                _L.REFERRED,
                _L.WAITLISTED,
                _L.APPOINTMENT_SCHEDULED,
                _L.CONNECTED,
            ]
        if dice.chance(0.7):
            return [_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED, _L.CONNECTED]
        return [_L.IDENTIFIED, _L.REFERRED, _L.CONNECTED]
    if family:
        return [_L.IDENTIFIED, _L.NOT_CONNECTED]
    return dice.weighted(
        (
            ([_L.IDENTIFIED, _L.NOT_CONNECTED], 20),
            ([_L.IDENTIFIED, _L.REFERRED, _L.NOT_CONNECTED], 40),
            ([_L.IDENTIFIED, _L.REFERRED, _L.APPOINTMENT_SCHEDULED, _L.NOT_CONNECTED], 40),
        )
    )


def _support_for(
    draft: PersonDraft, kind: LinkageKind, *, probe: bool = False
) -> SupportContact | None:
    """The support contact a family or friend connection is with."""
    wanted = _FAMILY_RELATIONS if kind is LinkageKind.FAMILY else _FRIEND_RELATIONS
    matches = [s for s in draft.supports if s.relationship_type in wanted]
    if not matches:
        return None
    return matches[0] if probe else draft.dice.pick(matches)


def _linkage_row(world: World, story: CaseStory, plan: LinkagePlan) -> Linkage:
    draft, dice = story.draft, story.draft.dice
    kind, status, anchor = plan.kind, plan.status, plan.anchor
    end = _period_end(world, story, anchor) - timedelta(minutes=30)
    start = min(anchor.occurred_at + dice.hours(0.2, 3), end - timedelta(hours=1))
    start = max(start, anchor.occurred_at)
    path = _linkage_path(dice, kind, status)
    moments = [start, *chain_times(start, [dice.days(1, 14) for _ in path[1:]], end)]
    clinician = _clinician_at(world, anchor)
    place = draft.residence_at(start).place
    support = _support_for(draft, kind) if kind.category is LinkageCategory.FAMILY else None
    provider, target_name = None, None
    if support is None:
        provider, target_name = _linkage_target(world, story, dice, kind, place.borough)
    target = (
        (support.name if support else None)
        or (provider.spec.name if provider else target_name)
        or kind.label
    )
    fill = dict(
        draft.words, target=target, weeks=str(dice.integer(3, 20)), relation=draft.relation()
    )
    linkage = Linkage(
        person_id=draft.person.id,
        case_id=story.case.id,
        kind=kind,
        provider_id=provider.id if provider else None,
        support_contact_id=support.id if support else None,
        target_name=target_name,
        status=status,
        status_changed_at=moments[-1],
        note=dice.pick(LINKAGE_NOTES).format_map(fill) if dice.chance(0.2) else None,
        created_at=start,
        created_by_id=clinician.user_id,
    )
    appointments = _appointments(world, dice, path, moments)
    linkage.appointment_at = next((a for a in reversed(appointments) if a), None)
    for i, step in enumerate(path):
        previous = path[i - 1] if i else None
        notes = RESCHEDULE_NOTES if step is previous else STEP_NOTES[step]
        world.rows.add(
            LinkageStatusChange,
            linkage,
            "linkage_id",
            from_status=previous,
            to_status=step,
            at=moments[i],
            by_id=clinician.user_id,
            note=dice.pick(notes).format_map(fill),
            appointment_at=appointments[i],
        )
    _outcome_details(world, dice, linkage, moments[-1], support, target, clinician)
    return linkage


def _clinician_at(world: World, anchor: ContactDraft) -> Span:
    """The team clinician when the connection was worked on (they record connections)."""
    members = anchor.team.members_at(anchor.planned_at) or anchor.team.spans
    clinicians = [m for m in members if m.role is Role.CLINICIAN]
    return clinicians[0] if clinicians else members[0]


def _linkage_target(
    world: World, story: CaseStory, dice: Dice, kind: LinkageKind, borough: Borough
) -> tuple[ProviderRef | None, str | None]:
    """A directory provider where possible, else the name of a program outside it."""
    if story.care_kind is kind and story.care_provider is not None:
        return story.care_provider, None
    if kind in TARGET_NAMES and dice.chance(0.15):
        return None, dice.pick(TARGET_NAMES[kind])
    return provider_for(world, dice, kind, borough), None


def _appointments(
    world: World, dice: Dice, path: list[LinkageStatus], moments: list[datetime]
) -> list[datetime | None]:
    """The appointment each scheduling step set; a pending one is in the coming weeks."""
    appointments: list[datetime | None] = []
    for index, step in enumerate(path):
        if step is not _L.APPOINTMENT_SCHEDULED:
            appointments.append(None)
        elif index == len(path) - 1:
            day = (world.now + dice.days(1, 21)).astimezone(world.tz).date()
            appointments.append(_local(world.tz, day, dice.integer(9, 15), dice.pick((0, 30))))
        else:
            # Before the next step: attended, missed (then rescheduled), or not kept.
            scheduled, after = moments[index], moments[index + 1]
            appointments.append(scheduled + (after - scheduled) * dice.between(0.5, 0.95))
    return appointments


def _outcome_details(
    world: World,
    dice: Dice,
    linkage: Linkage,
    at: datetime,
    support: SupportContact | None,
    target: str,
    clinician: Span,
) -> None:
    """How a connection was verified, or why it did not happen."""
    if linkage.status is _L.CONNECTED:
        linkage.verified_on = at.astimezone(world.tz).date()
        if support is not None:
            linkage.verification_method = VerificationMethod.FAMILY_CONFIRMED
            detail = (support.relationship_detail or "family").lower()
            linkage.verified_by = f"{support.name} ({detail})"
        else:
            method = dice.weighted(
                (
                    (VerificationMethod.PROVIDER_CONFIRMED, 45),
                    (VerificationMethod.ATTENDED_WITH_STAFF, 25),
                    (VerificationMethod.RECORDS, 15),
                    (VerificationMethod.PERSON_REPORTED_AND_CONFIRMED, 15),
                )
            )
            linkage.verification_method = method
            linkage.verified_by = dice.pick(VERIFIERS[method]).format(
                target=target, clinician=clinician.full_name
            )[:160]
    elif linkage.status is _L.NOT_CONNECTED:
        linkage.not_connected_reason = dice.pick(NOT_CONNECTED_REASONS)


def _local(tz: ZoneInfo, day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)

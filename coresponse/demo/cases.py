"""Cases: assignment, reassignment, closure and reopening, as the case service writes them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from coresponse.cases.models import (
    Assignment,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    ClosureReason,
)
from coresponse.demo.people import PersonDraft, words_for
from coresponse.demo.plans import Outcome
from coresponse.demo.providers import provider_for
from coresponse.demo.reference import (
    CLOSURE_NOTES,
    MOVED_TO,
    REASSIGN_REASONS,
    REOPEN_NOTES,
    STATE_HOSPITALS,
    TEAM_CLOSURE_NOTES,
)
from coresponse.demo.schedules import (
    ContactDraft,
    draft_contacts,
    plan_reassignment,
    planned_contact_times,
    recorded_times,
)
from coresponse.demo.teams import team_for
from coresponse.demo.timelines import Episode
from coresponse.demo.world import FIRST_CONTACT_WINDOW, ProviderRef, TeamTimeline, World
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind

_O = Outcome


@dataclass
class CaseStory:
    """A case being built and what its contacts and connections need."""

    draft: PersonDraft
    episode: Episode
    case: Case
    contacts: list[ContactDraft] = field(default_factory=list)
    assignments: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    care_provider: ProviderRef | None = None
    care_kind: LinkageKind | None = None


def write_case(world: World, draft: PersonDraft, episode: Episode) -> CaseStory:
    """The case of an accepted referral: assignments, contacts plan, closure, reopening."""
    accepted = episode.decided_at or episode.received_at
    referral = episode.referral
    case = Case(
        person_id=draft.person.id,
        referral=referral,
        status=CaseStatus.AWAITING_ASSIGNMENT,
        referred_at=episode.received_at,
        accepted_at=accepted,
        created_at=accepted,
        updated_at=accepted,
    )
    db.session.add(case)
    story = CaseStory(draft, episode, case)
    story.events.append(
        {
            "kind": CaseEventKind.OPENED,
            "at": accepted,
            "by_id": referral.triaged_by_id if referral else world.supervisor_id,
            "operational_note": "Accepted: the team makes first contact within 24 hours.",
            "note": referral.triage_note if referral else None,
        }
    )
    if episode.assigned_at is not None:
        _work_case(world, story, episode.assigned_at)
    for assignment in story.assignments:
        world.rows.add(Assignment, case, "case_id", **assignment)
    for event in story.events:
        world.rows.add(CaseEvent, case, "case_id", **event)
    world.tally.cases[case.status] += 1
    return story


def _work_case(world: World, story: CaseStory, assigned_at: datetime) -> None:
    """Dispatch, plan the contacts (and any reassignment), then close or reopen."""
    draft, episode, case = story.draft, story.episode, story.case
    dice, plan = draft.dice, episode.plan
    team, why = team_for(world, draft.residence_at(assigned_at).place, assigned_at)
    dispatcher = dice.pick((world.sergeant_id, world.sergeant_id, world.supervisor_id))
    _assign(story, team, assigned_at, dispatcher, why, kind=CaseEventKind.ASSIGNED)
    case.status = CaseStatus.OPEN
    case.first_assigned_at = assigned_at
    case.first_contact_due_at = assigned_at + FIRST_CONTACT_WINDOW

    stretches = planned_contact_times(dice, episode)
    planned = [moment for stretch in stretches for moment in stretch]
    teams, fences = [team] * len(planned), team.fences()
    handover = plan_reassignment(world, draft, episode, team, planned)
    if handover is not None:
        last_index, new_team, handover_at = handover
        teams = [team if i <= last_index else new_team for i in range(len(planned))]
        fences += [*new_team.fences(), handover_at]
    reopen_team = team
    if episode.reopened_at is not None:
        reopen_team = _reopen_team(world, draft, team, episode.reopened_at)
        teams = teams[: len(stretches[0])] + [reopen_team] * len(stretches[1])
        fences += [*reopen_team.fences(), episode.reopened_at]
    recorded = recorded_times(dice, world, team, episode, stretches, fences)
    story.contacts = draft_contacts(world, story, stretches, recorded, teams)
    if handover is not None:
        reason = dice.pick(REASSIGN_REASONS).format_map(
            dict(draft.words, old=team.spec.name, new=handover[1].spec.name)
        )
        _assign(
            story,
            handover[1],
            handover[2],
            world.supervisor_id,
            reason,
            kind=CaseEventKind.REASSIGNED,
        )
    if story.contacts:
        case.first_contact_at = story.contacts[0].occurred_at
        case.last_contact_at = story.contacts[-1].occurred_at
        case.next_contact_planned_at = story.contacts[-1].next_planned
    _choose_care(world, story)
    if episode.closed_at is not None:
        _close(world, story, episode.closed_at, plan.closure or ClosureReason.OTHER)
    if episode.reopened_at is not None:
        _reopen(world, story, episode.reopened_at, reopen_team)


def _reopen_team(
    world: World, draft: PersonDraft, team: TeamTimeline, at: datetime
) -> TeamTimeline:
    """The case's last team if it can still take cases, else the one dispatch would pick."""
    if team.dispatchable_at(at):
        return team
    return team_for(world, draft.residence_at(at).place, at)[0]


def _assign(
    story: CaseStory,
    team: TeamTimeline,
    at: datetime,
    by_id: int,
    reason: str,
    *,
    kind: CaseEventKind,
) -> None:
    """Start an assignment (ending the current one), as the case service does."""
    for current in story.assignments:
        if current["ended_at"] is None:
            current["ended_at"], current["end_reason"] = at, reason
    story.assignments.append(
        {
            "team_id": team.team_id,
            "assigned_at": at,
            "assigned_by_id": by_id,
            "first_contact_due_at": at + FIRST_CONTACT_WINDOW,
            "reason": reason,
            "ended_at": None,
            "end_reason": None,
        }
    )
    story.case.team_id = team.team_id
    story.case.assigned_at = at
    story.events.append(
        {
            "kind": kind,
            "at": at,
            "by_id": by_id,
            "team_id": team.team_id,
            "operational_note": reason,  # as on the assign page: the whole team reads it
            "summary": f"to {team.spec.name}",
        }
    )


def _close(world: World, story: CaseStory, at: datetime, reason: ClosureReason) -> None:
    """Close with a coded reason and a note; the current assignment ends."""
    case, dice = story.case, story.draft.dice
    fill = words_for(
        story.draft,
        story.draft.residence_at(at).place,
        provider=story.care_provider.spec.name if story.care_provider else "an outpatient clinic",
        moved_to=dice.pick(MOVED_TO),
        hospital=dice.pick(STATE_HOSPITALS),
    )
    note = dice.pick(CLOSURE_NOTES[reason]).format_map(fill)
    team_note = TEAM_CLOSURE_NOTES[reason].format_map(fill)
    case.status = CaseStatus.CLOSED
    case.closed_at, case.closure_reason, case.closure_note = at, reason, note
    case.closure_operational_note = team_note
    for assignment in story.assignments:
        if assignment["ended_at"] is None:
            assignment["ended_at"] = at
            assignment["end_reason"] = "case closed"
    case.next_contact_planned_at = None
    story.events.append(
        {
            "kind": CaseEventKind.CLOSED,
            "at": at,
            "by_id": world.supervisor_id,
            "closure_reason": reason,
            "operational_note": team_note,
            "note": note,
        }
    )


def _reopen(world: World, story: CaseStory, at: datetime, team: TeamTimeline) -> None:
    """Reopen, history intact, and hand the case to a team that can take it."""
    case, draft = story.case, story.draft
    fill = words_for(draft, draft.residence_at(at).place)
    team_note, note = (part and part.format_map(fill) for part in draft.dice.pick(REOPEN_NOTES))
    case.status = CaseStatus.OPEN
    case.reopened_at = at
    case.closed_at = case.closure_reason = case.closure_note = None
    case.closure_operational_note = None
    story.events.append(
        {
            "kind": CaseEventKind.REOPENED, "at": at, "by_id": world.supervisor_id,
            "operational_note": team_note, "note": note,
        }
    )  # fmt: skip
    if team.team_id == case.team_id:
        story.assignments.append(
            {
                "team_id": team.team_id,
                "assigned_at": at,
                "assigned_by_id": world.supervisor_id,
                "first_contact_due_at": at + FIRST_CONTACT_WINDOW,
                "reason": "case reopened",
                "ended_at": None,
                "end_reason": None,
            }
        )
        case.assigned_at = at
    else:
        reason = f"Reopened; {team.spec.name} can take it now."
        _assign(story, team, at, world.sergeant_id, reason, kind=CaseEventKind.ASSIGNED)
    case.next_contact_planned_at = story.contacts[-1].next_planned if story.contacts else None
    world.tally.reopened += 1


def _choose_care(world: World, story: CaseStory) -> None:
    """The program a case closed as connected to care connected the person to."""
    plan = story.episode.plan
    if plan.outcome is not _O.CLOSED or plan.closure is not ClosureReason.CONNECTED_TO_CARE:
        return
    dice = story.draft.dice
    kind = dice.weighted(
        (
            (LinkageKind.OUTPATIENT_CLINIC, 40),
            (LinkageKind.IMT, 15),
            (LinkageKind.ACT, 10),
            (LinkageKind.SUBSTANCE_USE_PROGRAM, 20),
            (LinkageKind.PRIMARY_CARE, 15),
        )
    )
    borough = story.draft.residence_at(story.episode.received_at).place.borough
    story.care_kind = kind
    story.care_provider = provider_for(world, dice, kind, borough)

"""Every change to cases: opening, dispatch to a team, closure and reopening."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change, record_list_view
from coresponse.auth.models import User
from coresponse.cases.models import (
    Assignment,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    ClosureReason,
)
from coresponse.clock import utcnow
from coresponse.errors import Conflict, DomainError
from coresponse.extensions import db
from coresponse.locking import check_version, flush_or_conflict
from coresponse.people.models import Person
from coresponse.privacy.notes import TwoPartNote, two_part_note
from coresponse.privacy.policy import can_read_clinical, is_on_case_team
from coresponse.referrals.models import Referral, ReferralStatus
from coresponse.teams import queries as team_queries
from coresponse.teams.models import Team
from coresponse.text import clean_text as _clean


class CaseError(DomainError):
    """A case change the rules refuse."""


@dataclass(frozen=True)
class Reopened:
    """A reopened case: back with its last team, or waiting for a supervisor to assign
    one (and, when its last team could not take it back, why)."""

    case: Case
    team: Team | None
    waits_because: str | None = None


class OpenCaseExists(Conflict):
    """The person already has an open case: a second one is refused (409)."""


# The partial unique index that keeps a person to one open case (migration 0020);
# SQLite names the column instead of the index.
_ONE_OPEN_CASE = ("uq_case_open_person", "case.person_id")


def first_contact_window() -> timedelta:
    """How long a team has for first contact after assignment (24 hours by default)."""
    return timedelta(hours=int(current_app.config.get("FIRST_CONTACT_DUE_HOURS", 24)))


def lock_person_cases(person_id: int) -> None:
    """Take turns on this person's cases until the transaction ends.

    Changes that open or close a case of the person (accepting their referrals,
    reopening a closed case, closing one) call this first, then read the open case: the
    second of two such changes waits here until the first has committed, and then sees
    its case as it left it. The statement writes the person's row without changing it: PostgreSQL locks
    that row, and SQLite, which has one writer at a time, gives the transaction the
    database's write lock and reads the latest state from then on. The unique index on
    open cases stands behind it (`_flush_open`).
    """
    table = cast(sa.Table, Person.__table__)  # (declarative types it as any FromClause)
    db.session.execute(
        sa.update(table)
        .where(table.c.id == person_id)
        # Naming updated_at keeps its onupdate default from touching the row's time.
        .values(version=table.c.version, updated_at=table.c.updated_at)
    )


def open_case_of(person_id: int) -> Case | None:
    """The person's open case (awaiting a team or open on one), with its team; None when
    every case of theirs is closed. Ask after lock_person_cases, for an answer that
    holds until the transaction ends."""
    return db.session.scalars(
        sa.select(Case)
        .where(Case.person_id == person_id, Case.closed_at.is_(None))
        .options(joinedload(Case.team))
    ).one_or_none()


def _open_case_refusal(case: Case) -> str:
    where = f"with {case.team.name}" if case.team else "waiting for a team"
    return (
        f"This person already has an open case, #{case.id} ({where}), and a person has one "
        "open case at a time. Add to that case, or close it before reopening this one."
    )


def _flush_open(what: str, expected_version: int | None = None) -> None:
    """Flush a change that leaves a case open; a second open case of the person, which
    the unique index refuses, is an OpenCaseExists (409), never a 500."""
    try:
        flush_or_conflict(what, expected_version)
    except IntegrityError as error:
        if not any(name in str(error.orig) for name in _ONE_OPEN_CASE):
            raise
        raise OpenCaseExists(
            "This person's other case was opened or reopened a moment ago, and a person has "
            "one open case at a time. Nothing was saved: reload the page to see it."
        ) from error


def open_case(referral: Referral, *, by: User, note: TwoPartNote | None = None) -> Case:
    """Open the case of an accepted referral; it waits for a team.

    `note`: the accepting supervisor's note, the first entry of the case's history.
    The person must have no open case (referrals.services.accept_referral adds the
    referral to that case instead): a second one is refused with OpenCaseExists.
    """
    if referral.status is not ReferralStatus.ACCEPTED:
        raise CaseError("Only an accepted referral opens a case.")
    now = utcnow()
    case = Case(
        person_id=referral.person_id,
        referral_id=referral.id,
        status=CaseStatus.AWAITING_ASSIGNMENT,
        referred_at=referral.received_at,
        accepted_at=now,
        assignments=[],
        events=[],
    )
    db.session.add(case)
    _flush_open(f"Case of referral #{referral.id}")
    _event(case, CaseEventKind.OPENED, by, note=note or TwoPartNote())
    return case


def add_referral_to_case(
    case: Case,
    referral: Referral,
    *,
    by: User,
    note: TwoPartNote | None = None,
    request_info: RequestInfo | None = None,
) -> Case:
    """A repeat referral of a person with an open case joins that case instead of opening
    a second one: a "new referral" entry in the case's history (with the accepting
    supervisor's note), and the case's team sees it on their home page until one of
    them opens the case.

    The case's version is left alone: news on a case is no conflict with a form open on it.
    """
    if referral.status is not ReferralStatus.ACCEPTED:
        raise CaseError("Only an accepted referral joins a case.")
    if referral.person_id != case.person_id:
        raise CaseError("This referral is of someone else; it cannot join this case.")
    if case.closed_at is not None:
        raise CaseError(f"Case #{case.id} is closed; a referral joins an open case only.")
    now = utcnow()
    _event(
        case, CaseEventKind.NEW_REFERRAL, by, note=note or TwoPartNote(),
        referral_id=referral.id, summary=f"#{referral.id} from {referral.source.label}",
    )  # fmt: skip
    _set_news(case, now)
    record_change(AuditAction.UPDATE, case, by=by, detail=f"referral #{referral.id} joined",
                  request_info=request_info)  # fmt: skip
    return case


def note_case_seen(case: Case, *, by: User) -> None:
    """Someone on the case's team opened it: the repeat referrals it shows are no longer
    news on the team's home page. Anyone else opening it changes nothing."""
    if case.new_referral_at is not None and is_on_case_team(by, case):
        _set_news(case, None)


def _set_news(case: Case, at: datetime | None) -> None:
    """Write the case's new_referral_at in a statement of its own, leaving its version
    and updated_at alone (as the contact times are written)."""
    table = cast(sa.Table, Case.__table__)
    db.session.execute(
        sa.update(table)
        .where(table.c.id == case.id)
        .values(new_referral_at=at, updated_at=table.c.updated_at)
    )
    set_committed_value(case, "new_referral_at", at)


def assign_case(
    case: Case,
    team: Team,
    *,
    by: User,
    reason: str | None = None,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> Assignment:
    """Give the case to a dispatchable team; first contact is due within the window.

    Reassignment ends the current assignment and needs a reason; history is kept.
    A change prepared from an older version of the case is refused (StaleRecord).
    """
    check_version(case, expected_version, f"Case #{case.id}")
    if case.status is CaseStatus.CLOSED:
        raise CaseError("This case is closed; reopen it before assigning a team.")
    problems = team_queries.staffing_of(team).problems
    if problems:
        raise CaseError(
            f"{team.name} cannot take cases now: {'; '.join(problems)}.", field="team_id"
        )
    current = next((a for a in case.assignments if a.ended_at is None), None)
    reason = _clean(reason)
    if current is not None:
        if current.team_id == team.id:
            raise CaseError(f"The case is already with {team.name}.", field="team_id")
        if not reason:
            raise CaseError("Say why the case moves to another team.", field="reason")
    now = utcnow()
    if current is not None:
        current.ended_at = now
        current.end_reason = reason
    assignment = _start_assignment(case, team, by=by, at=now, reason=reason)
    case.first_assigned_at = case.first_assigned_at or now
    # The team that takes the case reads it whole: its repeat referrals are no news.
    case.new_referral_at = None
    # The 24-hour standard runs from the first assignment until someone reaches out.
    if case.first_contact_at is None:
        case.first_contact_due_at = assignment.first_contact_due_at
    flush_or_conflict(f"Case #{case.id}", expected_version)
    kind = CaseEventKind.REASSIGNED if current is not None else CaseEventKind.ASSIGNED
    # The reason is operational: the assign page shows it to every supervisor.
    _event(case, kind, by, note=TwoPartNote(operational=reason), team_id=team.id,
           summary=f"to {team.name}")  # fmt: skip
    detail = f"{kind.label.lower()} to {team.name}"
    record_change(AuditAction.UPDATE, case, by=by, detail=detail, request_info=request_info)
    return assignment


def close_case(
    case: Case,
    *,
    by: User,
    reason: ClosureReason,
    note: str | None = None,
    operational_note: str | None = None,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> Case:
    """Close with a coded reason and a closing note (for the team, clinical, or both);
    the current assignment ends."""
    check_version(case, expected_version, f"Case #{case.id}")
    if case.status is CaseStatus.CLOSED:
        raise CaseError("This case is already closed.")
    closing = two_part_note(
        by, operational_note, note, required="Write a closing note: how the case ends.",
        error=CaseError,
    )  # fmt: skip
    # A referral accepted at this moment either joins the case before it closes, or
    # finds it closed and opens the person's next case: never joins a closing case.
    lock_person_cases(case.person_id)
    now = utcnow()
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.closure_reason = reason
    case.closure_operational_note = closing.operational
    case.closure_note = closing.clinical
    case.new_referral_at = None
    for assignment in case.assignments:
        if assignment.ended_at is None:
            assignment.ended_at = now
            # Read by police supervisors on the assignment history: the reason may tell
            # of treatment, and the case's history keeps it for clinical readers.
            assignment.end_reason = "case closed"
    flush_or_conflict(f"Case #{case.id}", expected_version)
    _event(case, CaseEventKind.CLOSED, by, note=closing, closure_reason=reason)
    # The access log shows police supervisors the detail of operational events only.
    category = DataCategory.CLINICAL if reason.discloses_treatment else DataCategory.OPERATIONAL
    record_change(AuditAction.UPDATE, case, by=by, detail=f"closed: {reason.label}",
                  category=category, request_info=request_info)  # fmt: skip
    return case


def reopen_case(
    case: Case,
    *,
    by: User,
    note: str | None = None,
    operational_note: str | None = None,
    team: Team | None = None,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> Reopened:
    """Reopen a closed case, its history intact.

    It goes back to its last team when that team can still be dispatched (`team` is that
    team, loaded by the caller), by the rule dispatch applies: staffed as required, both
    officers with current Crisis Intervention Training. Otherwise it waits for a
    supervisor to assign a team, and the result says why.
    """
    check_version(case, expected_version, f"Case #{case.id}")
    if case.status is not CaseStatus.CLOSED:
        raise CaseError("Only a closed case can be reopened.")
    why = two_part_note(
        by, operational_note, note, required="Say why the case is reopened.", error=CaseError
    )
    # A person has one open case at a time: take turns with anyone opening another.
    lock_person_cases(case.person_id)
    other = open_case_of(case.person_id)
    if other is not None:
        raise OpenCaseExists(_open_case_refusal(other))
    now = utcnow()
    case.reopened_at = now
    case.closed_at = None
    case.closure_reason = None
    case.closure_operational_note = None
    case.closure_note = None
    _flush_open(f"Case #{case.id}", expected_version)
    _event(case, CaseEventKind.REOPENED, by, note=why)
    last_team = team if team is not None and team.id == case.team_id else None
    problems = team_queries.staffing_of(last_team).problems if last_team is not None else []
    if last_team is not None and not problems:
        _start_assignment(case, last_team, by=by, at=now, reason="case reopened")
    else:
        case.status = CaseStatus.AWAITING_ASSIGNMENT
        case.team_id = None
    record_change(AuditAction.UPDATE, case, by=by, detail="reopened", request_info=request_info)
    if last_team is None:
        return Reopened(case, team=None, waits_because=None)
    if problems:
        because = f"{last_team.name} cannot take cases now: {'; '.join(problems)}."
        return Reopened(case, team=None, waits_because=because)
    return Reopened(case, team=last_team)


def _start_assignment(
    case: Case, team: Team, *, by: User, at: datetime, reason: str | None
) -> Assignment:
    """The case is open with `team` from `at`: a new assignment row, first contact due
    within the window."""
    assignment = Assignment(
        case_id=case.id,
        team_id=team.id,
        assigned_at=at,
        assigned_by_id=by.id,
        first_contact_due_at=at + first_contact_window(),
        reason=reason,
    )
    db.session.add(assignment)
    case.assignments.append(assignment)
    case.team_id = team.id
    case.status = CaseStatus.OPEN
    case.assigned_at = at
    return assignment


def _event(
    case: Case,
    kind: CaseEventKind,
    by: User | None,
    *,
    note: TwoPartNote,
    team_id: int | None = None,
    closure_reason: ClosureReason | None = None,
    summary: str | None = None,
    referral_id: int | None = None,
) -> None:
    db.session.add(
        CaseEvent(
            referral_id=referral_id,
            case_id=case.id,
            kind=kind,
            at=utcnow(),
            by_id=by.id if by else None,
            operational_note=note.operational,
            note=note.clinical,
            team_id=team_id,
            closure_reason=closure_reason,
            summary=summary,
        )
    )
    db.session.flush()


def record_case_form_view(
    case: Case,
    *,
    form: str,
    category: DataCategory,
    by: User,
    request_info: RequestInfo | None = None,
) -> None:
    """Note in the audit trail that `by` opened a form of this case (`form` names it).

    The form shows part of the person's record: `category` says which part.
    """
    record_change(AuditAction.VIEW, case, by=by, detail=form, category=category,
                  request_info=request_info)  # fmt: skip


def record_case_list_view(
    rows: Sequence[Case | Referral],
    *,
    by: User,
    what: str,
    record_type: str,
    record_id: object = None,
    request_info: RequestInfo | None,
) -> None:
    """Note in the audit trail that a list of cases or referrals (a caseload, a queue)
    showed their people: one event naming them all, none for an empty list."""
    # A closed case's row tells a clinical reader why it closed, which can tell of care.
    clinical = can_read_clinical(by) and any(
        isinstance(row, Case) and row.status is CaseStatus.CLOSED and row.closure_reason
        for row in rows
    )
    record_list_view(
        (row.person_id for row in rows),
        by=by,
        what=what,
        record_type=record_type,
        record_id=record_id,
        category=DataCategory.CLINICAL if clinical else DataCategory.OPERATIONAL,
        request_info=request_info,
    )


def record_case_map_view(
    person_ids: Sequence[int],
    *,
    by: User,
    team: Team | None,
    request_info: RequestInfo | None,
) -> None:
    """Note in the audit trail that the case map showed these people (one event naming
    them all, none for a map that showed no one; `team`: the one team chosen). The map
    shows operational data only."""
    record_list_view(
        person_ids,
        by=by,
        what="Case map" if team is None else f"Case map: {team.name}",
        record_type="case_map",
        record_id=None if team is None else team.id,
        category=DataCategory.OPERATIONAL,
        request_info=request_info,
    )

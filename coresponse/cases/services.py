"""Every change to cases: opening, dispatch to a team, closure and reopening."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import current_app

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
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.locking import check_version, flush_or_conflict
from coresponse.privacy.notes import TwoPartNote, two_part_note
from coresponse.privacy.policy import can_read_clinical
from coresponse.referrals.models import Referral, ReferralStatus
from coresponse.teams.models import Team
from coresponse.text import clean_text as _clean
from coresponse.training import queries as training_queries


class CaseError(DomainError):
    """A case change the rules refuse."""


def first_contact_window() -> timedelta:
    """How long a team has for first contact after assignment (24 hours by default)."""
    return timedelta(hours=int(current_app.config.get("FIRST_CONTACT_DUE_HOURS", 24)))


def open_case(referral: Referral, *, by: User, note: TwoPartNote | None = None) -> Case:
    """Open the case of an accepted referral; it waits for a team.

    `note`: the accepting supervisor's note, the first entry of the case's history.
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
    db.session.flush()
    _event(case, CaseEventKind.OPENED, by, note=note or TwoPartNote())
    return case


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
    staffing = team.staffing()
    problems = staffing.problems or training_queries.cit_problems(team.current_members)
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
    now = utcnow()
    case.status = CaseStatus.CLOSED
    case.closed_at = now
    case.closure_reason = reason
    case.closure_operational_note = closing.operational
    case.closure_note = closing.clinical
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
) -> Case:
    """Reopen a closed case, its history intact.

    It goes back to its last team when that team can still take cases (`team` is
    that team, loaded by the caller); otherwise it waits for a supervisor to assign one.
    """
    check_version(case, expected_version, f"Case #{case.id}")
    if case.status is not CaseStatus.CLOSED:
        raise CaseError("Only a closed case can be reopened.")
    why = two_part_note(
        by, operational_note, note, required="Say why the case is reopened.", error=CaseError
    )
    now = utcnow()
    case.reopened_at = now
    case.closed_at = None
    case.closure_reason = None
    case.closure_operational_note = None
    case.closure_note = None
    flush_or_conflict(f"Case #{case.id}", expected_version)
    _event(case, CaseEventKind.REOPENED, by, note=why)
    if team is not None and team.id == case.team_id and team.dispatchable:
        _start_assignment(case, team, by=by, at=now, reason="case reopened")
    else:
        case.status = CaseStatus.AWAITING_ASSIGNMENT
        case.team_id = None
    record_change(AuditAction.UPDATE, case, by=by, detail="reopened", request_info=request_info)
    return case


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
) -> None:
    db.session.add(
        CaseEvent(
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

"""Access rules for people, cases and clinical content. Deny by default.

Pages, printouts, exports, search and the API ask these functions; templates call
them too and never restate a rule. A record the user may not see is a 404.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    SQLColumnExpression,
    and_,
    bindparam,
    false,
    literal,
    or_,
    select,
    true,
)

from coresponse import request_state
from coresponse.auth.models import AccessRequest, AccessRequestStatus, Discipline, Role, User
from coresponse.cases.models import Case, ClosureReason
from coresponse.clock import utcnow
from coresponse.consent.models import BreakGlassAccess, BreakGlassVerdict
from coresponse.db_types import UTCDateTime
from coresponse.extensions import db
from coresponse.privacy import classification
from coresponse.teams.models import TeamMembership

# What one request already learned about its user is kept in coresponse/request_state.py.


def current_team_column(user_id: SQLColumnExpression[int]) -> ScalarSelect[int]:
    """The user's current team id, as a column another query can carry."""
    return (
        select(TeamMembership.team_id)
        .where(TeamMembership.user_id == user_id, TeamMembership.left_at.is_(None))
        .limit(1)
        .scalar_subquery()
    )


def current_team_id(user: User) -> int | None:
    """The id of the team the user is on now (kept for the request)."""
    if not user.is_authenticated:
        return None
    return request_state.kept(
        lambda s: s.team_id,
        user.id,
        lambda: db.session.scalar(select(current_team_column(literal(user.id)))),
    )


def break_glass_grant_clause(
    user_id: SQLColumnExpression[int], now: ColumnElement[datetime] | None = None
) -> ColumnElement[bool]:
    """Joins a user to their open break-glass grants (BreakGlassAccess rows): unexpired,
    and not ended by a review that found them not justified.

    `now`: the current time as a bound parameter, for a statement built once and run
    many times (the login session's query); the time of the call otherwise.
    """
    moment = utcnow() if now is None else now
    return and_(
        BreakGlassAccess.user_id == user_id,
        BreakGlassAccess.expires_at > moment,
        BreakGlassAccess.ended_at.is_(None),
    )


def with_viewer_facts(stmt: Select, user_id: SQLColumnExpression[int]) -> Select:
    """`stmt`, which reads a user (the column `user_id`), also reading what nearly every
    request then asks about them: their current team, and the people of their unexpired
    break-glass grants (one row per grant). The current time is the parameter `now`.

    For the statements that log a request in (the session's, the API token's), which
    then hand their rows to remember_viewer."""
    return stmt.add_columns(
        current_team_column(user_id).label("team_id"), BreakGlassAccess.person_id
    ).outerjoin(
        BreakGlassAccess,
        break_glass_grant_clause(user_id, now=bindparam("now", type_=UTCDateTime)),
    )


def remember_viewer(user: User, rows: Sequence[Row]) -> None:
    """Cache for this request what a with_viewer_facts statement read about the user:
    their current team and the people they hold break-glass grants for."""
    *_, team_id, _person_id = rows[0]
    request_state.keep(lambda s: s.team_id, user.id, team_id)
    grants = frozenset(row[-1] for row in rows if row[-1] is not None)
    request_state.keep(lambda s: s.break_glass, user.id, grants)


def sees_all_cases(user: User) -> bool:
    """Supervisors oversee every case of the program."""
    return user.is_authenticated and user.active and user.role is Role.SUPERVISOR


def is_field_member(user: User) -> bool:
    return user.is_authenticated and user.active and user.role in (Role.OFFICER, Role.CLINICIAN)


def has_caseload(user: User) -> bool:
    """A list of open cases: the team's for its members, every case for supervisors."""
    return is_field_member(user) or sees_all_cases(user)


def can_read_clinical(user: User) -> bool:
    """Clinical notes, risk, diagnoses and substance use: clinicians and clinical supervisors."""
    return user.is_authenticated and user.active and user.is_clinical


def may_read(user: User, column: str) -> bool:
    """Whether the user may receive a `table.column`, as the classification register says."""
    return not classification.is_clinical(column) or can_read_clinical(user)


def closure_reason_for(reason: ClosureReason | None, *, clinical: bool) -> ClosureReason | None:
    """The closure reason as a reader may receive it: one that discloses treatment
    ("connected to care") is withheld from non-clinical readers, who see "Closed"."""
    if reason is None or (reason.discloses_treatment and not clinical):
        return None
    return reason


def shown_closure_reason(user: User, reason: ClosureReason | None) -> ClosureReason | None:
    """closure_reason_for, for this user (pages and printouts)."""
    return closure_reason_for(reason, clinical=can_read_clinical(user))


# --- The program: accounts, teams, the audit trail, the home page -------------------------


def is_signed_in(user: User) -> bool:
    """Pages every active account uses (its home page, its own password and tokens)."""
    return bool(user.is_authenticated and user.active)


def can_manage_users(user: User) -> bool:
    """Administrators create, edit and disable accounts."""
    return is_signed_in(user) and user.role is Role.ADMIN


def can_view_teams(user: User) -> bool:
    """Everyone in the program may see which teams exist and who is on them."""
    return is_signed_in(user)


def can_manage_teams(user: User) -> bool:
    """Supervisors (and administrators) create teams and change their membership."""
    return is_signed_in(user) and user.role in (Role.SUPERVISOR, Role.ADMIN)


def can_view_program_counts(user: User) -> bool:
    """The program's counters on the home page: administrators and analysts (aggregates only)."""
    return is_signed_in(user) and user.role in (Role.ADMIN, Role.ANALYST)


def can_view_reports(user: User) -> bool:
    """Outcome reports (aggregates, small cells suppressed): supervisors of both
    disciplines, analysts and administrators; not the team's clinicians and officers."""
    return is_signed_in(user) and user.role in (Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)


def can_see_treatment_outcomes(user: User) -> bool:
    """In the reports and the de-identified export, the connections (to treatment,
    family, supports) and the closure reasons that disclose treatment: every reader of
    reports but the police. The register keeps connections clinical, and police never
    receive a clinical column, even counted or de-identified."""
    police = user.role is Role.OFFICER or (
        user.role is Role.SUPERVISOR and user.discipline is not Discipline.CLINICAL
    )
    return can_view_reports(user) and not police


def can_view_team_staffing(user: User) -> bool:
    """Which teams lack members, on the home page: those who staff teams (can_manage_teams)."""
    return can_manage_teams(user)


def can_view_audit_report(user: User) -> bool:
    """The program-wide audit report and its CSV export: administrators."""
    return is_signed_in(user) and user.role is Role.ADMIN


def can_view_access_log(user: User) -> bool:
    """A person's access log (who opened their record): supervisors, who see every case."""
    return sees_all_cases(user)


# --- Break-glass: a clinician outside the team opens a record after stating why ----------


def can_break_glass(user: User) -> bool:
    """Clinicians may open another team's person in an emergency (supervisors already see all)."""
    return user.is_authenticated and user.active and user.role is Role.CLINICIAN


def may_break_glass_for(user: User, person_id: int) -> bool:
    """A clinician may open this person's record by break-glass, unless a review found
    their earlier break-glass to this person not justified: then the record stays closed
    to them (a 404, no prompt), and a clinical supervisor must help instead."""
    if not can_break_glass(user):
        return False
    refused = db.session.scalar(
        select(BreakGlassAccess.id)
        .where(
            BreakGlassAccess.user_id == user.id,
            BreakGlassAccess.person_id == person_id,
            BreakGlassAccess.verdict == BreakGlassVerdict.NOT_JUSTIFIED,
        )
        .limit(1)
    )
    return refused is None


def can_review_break_glass(user: User) -> bool:
    """Clinical supervisors review break-glass accesses: the reasons may be clinical."""
    return sees_all_cases(user) and can_read_clinical(user)


def can_see_break_glass_flags(user: User) -> bool:
    """Supervisors and administrators see that a user's break-glass was found not justified."""
    return user.is_authenticated and user.active and user.role in (Role.SUPERVISOR, Role.ADMIN)


def _break_glass_people(user: User) -> Select[int]:
    """The people this user holds an unexpired break-glass grant for (a subquery)."""
    return select(BreakGlassAccess.person_id).where(break_glass_grant_clause(literal(user.id)))


def break_glass_person_ids(user: User) -> frozenset[int]:
    """The people this user may read through break-glass now (kept for the request)."""
    if not can_break_glass(user):
        return frozenset()
    return request_state.kept(
        lambda s: s.break_glass,
        user.id,
        lambda: frozenset(db.session.scalars(_break_glass_people(user))),
    )


def _known_break_glass_ids(user: User) -> frozenset[int] | None:
    """The grants already read in this request, or None when they have not been."""
    state = request_state.current()
    return None if state is None else state.break_glass.get(user.id)


def forget_break_glass(user: User) -> None:
    """Drop the request's grants (after a grant is made or ended in this request)."""
    state = request_state.current()
    if state is not None:
        state.break_glass.pop(user.id, None)


# --- Team membership: every change to a case or person needs it ---------------------------


def _team_clause(user: User) -> ColumnElement[bool] | None:
    if is_field_member(user):
        team_id = current_team_id(user)
        if team_id is not None:
            return Case.team_id == team_id
    return None


def is_on_case_team(user: User, case: Case) -> bool:
    """The user is a current member of the team the case is assigned to."""
    return (
        is_field_member(user)
        and case.team_id is not None
        and (case.team_id == current_team_id(user))
    )


def is_on_person_team(user: User, person_id: int) -> bool:
    """The user's team has a case of this person (kept for the request)."""
    clause = _team_clause(user)
    if clause is None:
        return False
    return request_state.kept(
        lambda s: s.on_person_team,
        (user.id, person_id),
        lambda: (
            db.session.scalar(select(Case.id).where(Case.person_id == person_id, clause).limit(1))
            is not None
        ),
    )


def note_visible_cases(user: User, person_id: int, cases: list[Case]) -> None:
    """Remember, from the person's cases just loaded under case_visibility(user), whether
    the user's team has one of them: those cases include every case of the team's, so
    is_on_person_team needs no query of its own for this person in this request."""
    if request_state.current() is not None and _team_clause(user) is not None:
        on_team = any(c.person_id == person_id and is_on_case_team(user, c) for c in cases)
        request_state.keep(lambda s: s.on_person_team, (user.id, person_id), on_team)


def can_edit_person(user: User, person_id: int) -> bool:
    """Change a person's record: supervisors and their team, never a break-glass reader."""
    return sees_all_cases(user) or is_on_person_team(user, person_id)


def can_merge_people(user: User) -> bool:
    """Merge two records of one person, and undo a merge: supervisors, who see everyone.
    A police supervisor may merge; the preview shows them no clinical rows."""
    return sees_all_cases(user)


# --- Reading ------------------------------------------------------------------------


def case_visibility(user: User) -> ColumnElement[bool]:
    """A WHERE clause on Case limiting rows to those the user may see.

    Team members see their team's cases; a clinician also sees, read-only, the cases
    of people they hold an unexpired break-glass grant for.
    """
    if sees_all_cases(user):
        return true()
    clauses = []
    team = _team_clause(user)
    if team is not None:
        clauses.append(team)
    if can_break_glass(user):
        known = _known_break_glass_ids(user)
        if known is None:
            clauses.append(Case.person_id.in_(_break_glass_people(user)))
        elif known:
            # The grants the login-session query already read for this request (most
            # clinicians hold none, and the clause is then the team's alone).
            clauses.append(Case.person_id.in_(sorted(known)))
    if not clauses:
        return false()
    return clauses[0] if len(clauses) == 1 else or_(*clauses)


def sees_team_cases(user: User, team_id: int | None) -> bool:
    """Whether the user sees the cases of this team (None: no team yet): supervisors see
    every case, a team's members their own team's (case_visibility, for one team)."""
    if sees_all_cases(user):
        return True
    return is_field_member(user) and team_id is not None and team_id == current_team_id(user)


def can_view_person(user: User, person_id: int) -> bool:
    """Supervisors see everyone; team members see people with a case of their team;
    a clinician with an unexpired break-glass grant sees that person, read-only."""
    if sees_all_cases(user) or is_on_person_team(user, person_id):
        return True
    return person_id in break_glass_person_ids(user)


def visible_person_ids(user: User, person_ids: Collection[int]) -> frozenset[int]:
    """Those of these people the user may see (can_view_person for each), in one query."""
    wanted = frozenset(person_ids)
    if sees_all_cases(user) or not wanted:
        return wanted
    visible = set(wanted & break_glass_person_ids(user))
    clause = _team_clause(user)
    if clause is not None:
        visible.update(
            db.session.scalars(
                select(Case.person_id).where(Case.person_id.in_(sorted(wanted)), clause)
            )
        )
    return frozenset(visible)


def can_link_referral(user: User, person_id: int, *, offered: Collection[int] = ()) -> bool:
    """Intake links a referral to someone on record only when the server offered them:
    one of the duplicate check's matches for the details submitted, or someone the user
    may see. Any other id is refused like an unknown one, so ids cannot be probed."""
    if not can_take_referrals(user):
        return False
    return person_id in offered or can_view_person(user, person_id)


def is_break_glass_access(user: User, person_id: int) -> bool:
    """True when the user reads this person only through break-glass (for the audit detail)."""
    if not can_break_glass(user) or person_id not in break_glass_person_ids(user):
        return False
    return not is_on_person_team(user, person_id)


def can_search_people(user: User) -> bool:
    return sees_all_cases(user) or is_field_member(user)


def people_visible_clause(user: User, person_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """`person_id` is someone the user may see (can_view_person, in SQL): everyone for
    supervisors; otherwise the people of the cases the user sees (case_visibility: their
    team's, and those they hold a break-glass grant for)."""
    if sees_all_cases(user):
        return true()
    return person_id.in_(select(Case.person_id).where(case_visibility(user)))


def sees_matches_outside_team(user: User) -> bool:
    """Whether people search tells the user about people it found whom they may not open:
    how many, each by name, year of birth and borough, with break-glass offered.

    Clinicians only: they alone may break the glass, so for them the brief row is a path to
    emergency access. Officers never: they have no such path, and that a person is on
    another team's caseload tells that they are in a mental-health program, which police
    may not learn outside their own team's work. Supervisors see everyone already."""
    return can_break_glass(user)


def break_glass_closed_clause(
    user: User, person_id: SQLColumnExpression[int]
) -> ColumnElement[bool]:
    """`person_id` is someone whose record a review closed to this user (their
    break-glass to them was found not justified: may_break_glass_for). Search leaves
    them out of its brief rows, as the record answers them 404 without a prompt."""
    return person_id.in_(
        select(BreakGlassAccess.person_id).where(
            BreakGlassAccess.user_id == user.id,
            BreakGlassAccess.verdict == BreakGlassVerdict.NOT_JUSTIFIED,
        )
    )


def can_take_referrals(user: User) -> bool:
    """Intake: supervisors and clinicians record referrals."""
    return user.is_authenticated and user.active and user.role in (Role.SUPERVISOR, Role.CLINICIAN)


def can_triage(user: User) -> bool:
    return sees_all_cases(user)


def can_assign(user: User) -> bool:
    return sees_all_cases(user)


# Changes check team membership, not visibility: break-glass never lets anyone write.


def can_close_case(user: User, case: Case) -> bool:
    """Supervisors and the team's clinician close and reopen cases."""
    if sees_all_cases(user):
        return True
    return user.role is Role.CLINICIAN and is_on_case_team(user, case)


def can_log_contact(user: User, case: Case) -> bool:
    """The team's officers and clinician log contacts on the team's cases."""
    return is_on_case_team(user, case)


def may_add_addendum(user: User, case: Case) -> bool:
    """Those who log contacts on the case, and supervisors, may add addenda."""
    return can_log_contact(user, case) or sees_all_cases(user)


def can_manage_linkages(user: User, case: Case) -> bool:
    """Connections to care are clinical: the team's clinician and clinical supervisors."""
    return can_read_clinical(user) and (sees_all_cases(user) or is_on_case_team(user, case))


def can_view_linkages(user: User) -> bool:
    return can_read_clinical(user)


def can_manage_providers(user: User) -> bool:
    return (
        user.is_authenticated
        and user.active
        and (user.role in (Role.CLINICIAN, Role.ADMIN) or user.is_clinical)
    )


# --- Consent and disclosures (clinical staff only; officers never see them) -----------------


def can_view_consents(user: User, person_id: int) -> bool:
    """Read a person's consents and accounting of disclosures: clinical staff who see the person."""
    return can_read_clinical(user) and can_view_person(user, person_id)


def can_record_consent(user: User, person_id: int) -> bool:
    """Record or revoke consent, record a disclosure: the team's clinician, clinical supervisors."""
    return can_read_clinical(user) and can_edit_person(user, person_id)


# --- Four eyes: access to people's records is granted by two people --------------------
#
# Which roles read people's records, and which change of role widens that, are asked of
# the rules above (sees_all_cases, is_field_member, can_read_clinical) about a stand-in
# user holding the role: there is no second list of roles to keep in step with them.


def _holder_of(role: Role, discipline: Discipline | None) -> User:
    """An unsaved, active user with this role (never added to the database session): what
    the rules above allow anyone who holds it."""
    return User(role=role, discipline=discipline, active=True)


def _reads_person_records(holder: User) -> bool:
    return sees_all_cases(holder) or is_field_member(holder)


def role_reads_person_records(role: Role, discipline: Discipline | None = None) -> bool:
    """Supervisors (every case) and the team's officers and clinicians (their team's cases)
    read people's records; administrators and analysts do not."""
    return _reads_person_records(_holder_of(role, discipline))


def widens_access(
    role: Role,
    discipline: Discipline | None,
    *,
    from_role: Role | None,
    from_discipline: Discipline | None = None,
) -> bool:
    """Whether holding `role` lets an account read records it could not read with
    `from_role` (None: an account with no access yet): people's records where it read
    none, every case where it read its team's, clinical content where it read operational.

    Such a change waits for a supervisor's approval. One that only narrows access (a
    supervisor back to the field, clinical to police, anything to analyst) applies at
    once: waiting would leave the wider access in place, the opposite of what four eyes
    is for.
    """
    new = _holder_of(role, discipline)
    if not _reads_person_records(new):
        return False
    if from_role is None:
        return True
    old = _holder_of(from_role, from_discipline)
    return (
        not _reads_person_records(old)
        or (sees_all_cases(new) and not sees_all_cases(old))
        or (can_read_clinical(new) and not can_read_clinical(old))
    )


def approver_discipline(role: Role, discipline: Discipline | None) -> Discipline:
    """Whose supervisors approve access to `role`: clinical access (clinicians, clinical
    supervisors) only a clinical supervisor, who holds it and answers for it; a police
    supervisor never grants it. Police access (officers, police supervisors) a police
    supervisor, who supervises officers."""
    if can_read_clinical(_holder_of(role, discipline)):
        return Discipline.CLINICAL
    return Discipline.POLICE


def reset_waits_for_approval(user: User) -> bool:
    """Whether an administrator's reset of this account's password or two-factor login
    waits for a supervisor: its role reads people's records, and its access was
    approved. Whoever reset it could otherwise log in as it and read them. (A new
    account that waits still has its own request; an analyst's or administrator's
    reset gives no one people's records.)"""
    return user.access_approved and role_reads_person_records(user.role, user.discipline)


def can_review_access_requests(user: User) -> bool:
    """Supervisors see the access requests waiting for approval."""
    return sees_all_cases(user)


def access_approval_refusal(approver: User, request: AccessRequest) -> str | None:
    """Why `approver` may not approve or reject this request, or None when they may.

    The decider is a supervisor of the request's approver discipline who is not the
    account itself, not whoever asked for the access (or made the reset), and not the
    account's creator: four eyes means a second person. The same rules decide a role and
    a reset. The request's user must be loaded.
    """
    if not can_review_access_requests(approver):
        return "Only a supervisor approves access to people's records."
    if approver.id == request.user_id:
        return "You cannot decide on your own access: another supervisor must."
    if approver.id in (request.requested_by_id, request.user.created_by_id):
        did = "reset this account" if request.is_reset else "asked for this access"
        return (
            f"You {did} or created the account: another supervisor must decide, so that "
            "two people agree."
        )
    if approver.discipline is not request.approver_discipline:
        what = (
            f"A {request.asked_for} of a {request.role_label.lower()}'s account"
            if request.is_reset
            else f"Access as {request.role_label.lower()}"
        )
        return f"{what} is decided by a {request.approver_discipline.label.lower()} supervisor."
    return None


def access_requests_for(approver: User) -> ColumnElement[bool]:
    """A WHERE clause on AccessRequest (joined to the request's User) for the pending
    requests `approver` may decide: access_approval_refusal, in SQL, for the count on
    their home page."""
    if not can_review_access_requests(approver):
        return false()
    return and_(
        AccessRequest.status == AccessRequestStatus.PENDING,
        AccessRequest.approver_discipline == approver.discipline,
        AccessRequest.user_id != approver.id,
        AccessRequest.requested_by_id != approver.id,
        User.created_by_id.is_distinct_from(approver.id),
    )


# --- Staff training and reminders ----------------------------------------------------------


def can_record_training(user: User) -> bool:
    """Supervisors and administrators record a staff member's training (dispatch needs it)."""
    return is_signed_in(user) and user.role in (Role.SUPERVISOR, Role.ADMIN)


def can_view_training(user: User, staff_id: int) -> bool:
    """A staff member's training: those who record it, and the staff member."""
    return can_record_training(user) or (is_signed_in(user) and user.id == staff_id)


def receives_reminder(user: User, *, clinical: bool, break_glass: bool = False) -> bool:
    """Whether a reminder may go to this user. Clinical reminders (connection
    appointments, consents) only to clinical readers; break-glass reviews only to those
    who review them. Officers and police supervisors get operational ones only."""
    if not is_signed_in(user):
        return False
    if break_glass:
        return can_review_break_glass(user)
    return can_read_clinical(user) or not clinical


def owns_notification(user: User, notification_user_id: int) -> bool:
    """A notification is its recipient's alone (anyone else: not found)."""
    return is_signed_in(user) and user.id == notification_user_id

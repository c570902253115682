"""Case pages: the case, dispatch to a team, closure, reopening, print, queues, caseload."""

from __future__ import annotations

from collections.abc import Sequence

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from werkzeug.exceptions import NotFound

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.audit.services import record_view
from coresponse.cases import bp, queries, services
from coresponse.cases.dispatch import rank_teams
from coresponse.cases.forms import AssignForm, CloseForm, ReopenForm
from coresponse.cases.models import Case, CaseStatus
from coresponse.consent.break_glass import break_glass_prompt_for_case_or_404
from coresponse.contacts.queries import case_contacts_and_count
from coresponse.db_types import parse_id
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.linkages.queries import case_linkages
from coresponse.locking import ConflictPage, StaleRecord, last_audited_change, stamp
from coresponse.pagination import BadCursor, keyset_page
from coresponse.people.models import Person
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, require
from coresponse.referrals.models import Referral
from coresponse.teams.models import Team, TeamMembership
from coresponse.web import refuse, request_info, submit


def _case_or_break_glass(case_id: int) -> Case:
    """The visible case; a clinician outside the team is offered break-glass, others get 404."""
    try:
        return queries.get_visible_case(current_user, case_id)
    except NotFound:
        break_glass_prompt_for_case_or_404(case_id)
        raise


def _audit_view(case: Case, *, printed: bool = False) -> None:
    """Record the read of a case page, once it is rendered (coresponse/unit_of_work.py)."""
    category = (
        DataCategory.CLINICAL
        if policy.can_read_clinical(current_user)
        else DataCategory.OPERATIONAL
    )
    record_view(
        case.person_id,
        by=current_user,
        record_type="case",
        record_id=case.id,
        category=category,
        request_info=request_info(),
        printed=printed,
    )


def _audit_card_view(case: Case) -> None:
    """Record the read of a page that shows the case and the person's card, not its
    clinical parts; kept when the page answers an error too (coresponse/unit_of_work.py)."""
    record_view(
        case.person_id, by=current_user, record_type="case", record_id=case.id,
        category=DataCategory.OPERATIONAL, request_info=request_info(),
    )  # fmt: skip
    unit_of_work.keep_on_error()


# The case page shows the newest contacts; the person's timeline pages through the rest.
CASE_PAGE_CONTACTS = 25


def _case_context(case: Case, *, all_contacts: bool = False) -> dict[str, object]:
    queries.load_case_history(case, current_user)
    limit = None if all_contacts else CASE_PAGE_CONTACTS
    contacts, contact_count = case_contacts_and_count(case.id, current_user, limit=limit)
    return {
        "case": case,
        "person": case.person,
        "contacts": contacts,
        "contact_count": contact_count,
        "linkages": case_linkages(case.id) if policy.can_view_linkages(current_user) else [],
        "statuses": CaseStatus,
    }


@bp.route("/<int:case_id>")
@allow(policy.is_signed_in, per_record=policy.case_visibility)
def detail(case_id: int) -> ResponseReturnValue:
    """The case: person card, deadlines, contacts, connections and history."""
    case = _case_or_break_glass(case_id)
    context = _case_context(case)
    page = render_template(
        "cases/detail.html", close_form=stamp(CloseForm(), case),
        reopen_form=stamp(ReopenForm(), case), **context,
    )  # fmt: skip
    _audit_view(case)
    return page


@bp.route("/<int:case_id>/print")
@allow(policy.is_signed_in, per_record=policy.case_visibility)
def print_summary(case_id: int) -> ResponseReturnValue:
    """A printable case summary (clinical parts only for clinical readers)."""
    case = _case_or_break_glass(case_id)
    # A printout is the whole record: every contact, not the newest page.
    page = render_template("cases/print.html", **_case_context(case, all_contacts=True))
    _audit_view(case, printed=True)
    return page


@bp.route("/<int:case_id>/assign", methods=["GET", "POST"])
@allow(policy.can_assign, per_record=policy.case_visibility)
def assign(case_id: int) -> ResponseReturnValue:
    """Dispatch: the teams ranked for this case, with why; assign or reassign."""
    case = queries.get_visible_case(current_user, case_id)
    queries.load_case_history(case, current_user)
    form = AssignForm()
    status = 200
    if case.status is CaseStatus.CLOSED:
        flash("This case is closed; reopen it before assigning a team.", "error")
        return redirect(url_for("cases.detail", case_id=case.id))
    if form.validate_on_submit():
        team_id = parse_id(form.team_id.data)
        team = _team(team_id) if team_id else None
        if team is None or not team.active:
            form.team_id.errors = ["Choose one of the teams listed."]
            status = 422
        else:
            try:
                services.assign_case(
                    case, team, by=current_user, reason=form.reason.data,
                    expected_version=form.version.data, request_info=request_info(),
                )  # fmt: skip
            except StaleRecord:
                unit_of_work.discard()
                return _case_conflict(
                    case_id, "Assign",
                    [("Status", "Open"), ("Team", team.name), ("Reason", form.reason.data)],
                )  # fmt: skip
            except DomainError as error:
                status = refuse(form, error)
                case = queries.get_visible_case(current_user, case_id)
                queries.load_case_history(case, current_user)
            else:
                flash(
                    f"Assigned to {team.name}. First contact is due within "
                    f"{current_app.config['FIRST_CONTACT_DUE_HOURS']} hours.",
                    "success",
                )
                return redirect(url_for("cases.detail", case_id=case.id))
    elif form.is_submitted():
        status = 422
    options = rank_teams(case, case.person.current_address)
    stamp(form, case)
    page = render_template("cases/assign.html", case=case, options=options, form=form)
    # The page shows the person's card: a read of their record like the case page's,
    # kept when the form comes back with errors too.
    _audit_card_view(case)
    return page, status


def _team(team_id: int) -> Team | None:
    return db.session.scalar(
        select(Team)
        .where(Team.id == team_id)
        .options(
            selectinload(Team.coverage),
            selectinload(Team.memberships).selectinload(TeamMembership.user),
        )
    )


@bp.route("/<int:case_id>/close", methods=["POST"])
@allow(policy.is_signed_in, per_record=policy.can_close_case)
def close(case_id: int) -> ResponseReturnValue:
    """Close with a coded reason and a note."""
    case = queries.get_visible_case(current_user, case_id)
    require(policy.can_close_case(current_user, case))
    queries.load_case_history(case, current_user)
    form = CloseForm()
    sent = submit(
        form,
        lambda: services.close_case(
            case, by=current_user, reason=form.reason.data, note=form.note.data,
            operational_note=form.operational_note.data,
            expected_version=form.version.data, request_info=request_info(),
        ),
    )  # fmt: skip
    if sent.stale:
        return _case_conflict(
            case_id, "Close",
            [("Status", "Closed"), ("Closure reason", form.reason.data),
             ("Closing note", form.operational_note.data),
             (_CLINICAL_CLOSING, form.note.data)],
        )  # fmt: skip
    if sent.done:
        flash(f"Case closed: {form.reason.data.label.lower()}.", "success")
        return redirect(url_for("cases.detail", case_id=case.id))
    case = queries.get_visible_case(current_user, case_id)
    return render_template(
        "cases/detail.html", close_form=stamp(form, case), reopen_form=stamp(ReopenForm(), case),
        **_case_context(case),
    ), sent.status  # fmt: skip


@bp.route("/<int:case_id>/reopen", methods=["POST"])
@allow(policy.is_signed_in, per_record=policy.can_close_case)
def reopen(case_id: int) -> ResponseReturnValue:
    """Reopen a closed case; it returns to its team if the team can take it."""
    case = queries.get_visible_case(current_user, case_id)
    require(policy.can_close_case(current_user, case))
    queries.load_case_history(case, current_user)
    form = ReopenForm()

    def reopen_case() -> Team | None:
        team = _team(case.team_id) if case.team_id else None
        services.reopen_case(
            case, by=current_user, note=form.note.data,
            operational_note=form.operational_note.data, team=team,
            expected_version=form.version.data, request_info=request_info(),
        )  # fmt: skip
        return team

    sent = submit(form, reopen_case)
    if sent.stale:
        return _case_conflict(
            case_id, "Reopen",
            [("Status", "Open again"), ("Why reopen", form.operational_note.data),
             (_CLINICAL_REOPENING, form.note.data)],
        )  # fmt: skip
    if sent.done:
        if case.status is CaseStatus.OPEN:
            assert sent.result is not None  # a case reopens open only with a team  # noqa: S101  # nosec B101
            flash(f"Case reopened with {sent.result.name}.", "success")
            return redirect(url_for("cases.detail", case_id=case.id))
        flash("Case reopened. It needs a team.", "success")
        if policy.can_assign(current_user):
            return redirect(url_for("cases.assign", case_id=case.id))
        return redirect(url_for("dashboard.home"))
    case = queries.get_visible_case(current_user, case_id)
    return render_template(
        "cases/detail.html", close_form=stamp(CloseForm(), case), reopen_form=stamp(form, case),
        **_case_context(case),
    ), sent.status  # fmt: skip


_CLINICAL_CLOSING = "Closing note (clinical)"
_CLINICAL_REOPENING = "Why reopen (clinical)"
_CLINICAL = (_CLINICAL_CLOSING, _CLINICAL_REOPENING)


def _case_conflict(
    case_id: int, action: str, submitted: list[tuple[str, object]]
) -> ResponseReturnValue:
    """The 409 page: the change the user sent beside the case as it is now."""
    case = queries.get_visible_case(current_user, case_id)
    clinical = policy.can_read_clinical(current_user)
    stored = {
        "Status": case.status,
        "Team": case.team.name if case.team else None,
        "Closure reason": policy.shown_closure_reason(current_user, case.closure_reason),
        "Closing note": case.closure_operational_note,
    }
    if clinical:
        stored[_CLINICAL_CLOSING] = case.closure_note
    else:
        # Only clinical users write (or read) the clinical parts.
        submitted = [(label, value) for label, value in submitted if label not in _CLINICAL]
    page = ConflictPage(
        what=f"case #{case.id} of {case.person.display_name}",
        restart_url=url_for("cases.detail", case_id=case.id),
        restart_label="Start again from the current case",
        last_change=last_audited_change("case", case.id, person_id=case.person_id),
        note=f"Your change: {action.lower()} the case.",
    )
    for label, value in submitted:
        page.add(label, value, stored.get(label))
    body = page.render()
    # A 409 that shows the case: its read is kept.
    _audit_card_view(case)
    return body


@bp.route("/mine")
@allow(policy.is_field_member)
def caseload() -> ResponseReturnValue:
    """My caseload: the team's open cases, overdue and due first, new ones marked."""
    team_id = policy.current_team_id(current_user)
    team = db.session.get(Team, team_id) if team_id else None
    cases = queries.caseload(team_id) if team_id else []
    page = render_template("cases/caseload.html", team=team, cases=cases)
    _audit_list(cases, what="My caseload", record_type="caseload", record_id=team_id)
    return page


@bp.route("/queue/<key>")
@allow(policy.sees_all_cases)
def queue(key: str) -> ResponseReturnValue:
    """One supervisor queue in full, a page at a time."""
    statements = queries.queue_statements()
    if key not in statements:
        abort(404)
    stmt, _order = statements[key]
    size = int(current_app.config["PAGE_SIZE"])
    try:
        if key == "triage":
            stmt = stmt.options(joinedload(Referral.person).selectinload(Person.addresses))
            page = keyset_page(stmt, [Referral.id], cursor=request.args.get("after"), size=size)
        else:
            stmt = stmt.options(
                joinedload(Case.person).selectinload(Person.addresses), joinedload(Case.team)
            )
            page = keyset_page(stmt, [Case.id], cursor=request.args.get("after"), size=size)
    except BadCursor as error:
        abort(400, description=str(error))
    title = queries.queue_title(key)
    body = render_template("cases/queue.html", key=key, title=title, page=page)
    _audit_list(page.items, what=f"Queue: {title}", record_type="case_queue", record_id=key)
    return body


def _audit_list(
    rows: Sequence[Case | Referral], *, what: str, record_type: str, record_id: object
) -> None:
    """Audit the people a list of cases or referrals showed, once it is rendered."""
    services.record_case_list_view(
        rows, by=current_user, what=what, record_type=record_type, record_id=record_id,
        request_info=request_info(),
    )  # fmt: skip

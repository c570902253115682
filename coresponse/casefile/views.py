"""The case page, its printout, and the close and reopen forms posted from it."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.exceptions import NotFound

from coresponse.audit.categories import DataCategory
from coresponse.audit.services import record_view
from coresponse.casefile import bp
from coresponse.cases import queries, services
from coresponse.cases.forms import CloseForm, ReopenForm
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.pages import CLINICAL_CLOSING, CLINICAL_REOPENING, case_conflict
from coresponse.consent.break_glass import break_glass_prompt_for_case_or_404
from coresponse.contacts.queries import case_contacts_and_count
from coresponse.linkages.queries import case_linkages
from coresponse.locking import stamp
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, require
from coresponse.web import request_info, submit

# The case page shows the newest contacts; the person's timeline pages through the rest.
CASE_PAGE_CONTACTS = 25


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


def _case_page(case_id: int, close_form: CloseForm, reopen_form: ReopenForm) -> str:
    """The case page as it is now, with the close and reopen forms as given."""
    case = queries.get_visible_case(current_user, case_id)
    return render_template(
        "casefile/detail.html", close_form=stamp(close_form, case),
        reopen_form=stamp(reopen_form, case), **_case_context(case),
    )  # fmt: skip


@bp.route("/<int:case_id>")
@allow(policy.is_signed_in, per_record=policy.case_visibility)
def detail(case_id: int) -> ResponseReturnValue:
    """The case: person card, deadlines, contacts, connections and history."""
    case = _case_or_break_glass(case_id)
    context = _case_context(case)
    page = render_template(
        "casefile/detail.html", close_form=stamp(CloseForm(), case),
        reopen_form=stamp(ReopenForm(), case), **context,
    )  # fmt: skip
    # Once someone on the team has seen the case, its repeat referrals leave their home page.
    services.note_case_seen(case, by=current_user)
    _audit_view(case)
    return page


@bp.route("/<int:case_id>/print")
@allow(policy.is_signed_in, per_record=policy.case_visibility)
def print_summary(case_id: int) -> ResponseReturnValue:
    """A printable case summary (clinical parts only for clinical readers)."""
    case = _case_or_break_glass(case_id)
    # A printout is the whole record: every contact, not the newest page.
    page = render_template("casefile/print.html", **_case_context(case, all_contacts=True))
    _audit_view(case, printed=True)
    return page


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
        return case_conflict(
            case_id, "Close",
            [("Status", "Closed"), ("Closure reason", form.reason.data),
             ("Closing note", form.operational_note.data),
             (CLINICAL_CLOSING, form.note.data)],
        )  # fmt: skip
    if sent.done:
        flash(f"Case closed: {form.reason.data.label.lower()}.", "success")
        return redirect(url_for("casefile.detail", case_id=case.id))
    return _case_page(case_id, form, ReopenForm()), sent.status


@bp.route("/<int:case_id>/reopen", methods=["POST"])
@allow(policy.is_signed_in, per_record=policy.can_close_case)
def reopen(case_id: int) -> ResponseReturnValue:
    """Reopen a closed case; it returns to its team if the team can take it."""
    case = queries.get_visible_case(current_user, case_id)
    require(policy.can_close_case(current_user, case))
    queries.load_case_history(case, current_user)
    form = ReopenForm()

    def reopen_case() -> services.Reopened:
        team = queries.team_for_assignment(case.team_id) if case.team_id else None
        return services.reopen_case(
            case, by=current_user, note=form.note.data,
            operational_note=form.operational_note.data, team=team,
            expected_version=form.version.data, request_info=request_info(),
        )  # fmt: skip

    sent = submit(form, reopen_case)
    if sent.stale:
        return case_conflict(
            case_id, "Reopen",
            [("Status", "Open again"), ("Why reopen", form.operational_note.data),
             (CLINICAL_REOPENING, form.note.data)],
        )  # fmt: skip
    if sent.done:
        reopened = sent.result
        assert reopened is not None  # done: the service returned it  # noqa: S101  # nosec B101
        if reopened.team is not None:
            flash(f"Case reopened with {reopened.team.name}.", "success")
            return redirect(url_for("casefile.detail", case_id=case.id))
        why = f" {reopened.waits_because}" if reopened.waits_because else ""
        flash(f"Case reopened. It needs a team.{why}", "success")
        if policy.can_assign(current_user):
            return redirect(url_for("cases.assign", case_id=case.id))
        return redirect(url_for("dashboard.home"))
    return _case_page(case_id, CloseForm(), form), sent.status

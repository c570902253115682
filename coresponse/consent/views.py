"""Consent, disclosure, accounting of disclosures and break-glass screens.

Clinical staff only: to anyone else these pages do not exist (404). Reading a
person's consents follows who may see the person (break-glass included); recording
or revoking needs the person's team clinician or a clinical supervisor.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.audit.services import record_list_view, record_view
from coresponse.cases.models import Case
from coresponse.clock import program_date, program_today, utcnow
from coresponse.consent import bp, queries, services
from coresponse.consent.break_glass import render_break_glass
from coresponse.consent.forms import (
    AcknowledgeForm,
    BreakGlassForm,
    ConsentForm,
    DisclosureForm,
    RevokeForm,
)
from coresponse.consent.models import (
    BreakGlassAccess,
    BreakGlassVerdict,
    ConsentStatus,
    DisclosureBasis,
    ShareScope,
)
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.formatting import format_datetime
from coresponse.pagination import BadCursor, Page
from coresponse.people.models import Person
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, require
from coresponse.web import refuse, request_info, submit

# An expired or revoked consent has nothing left to withdraw.
REVOCABLE = (ConsentStatus.ACTIVE, ConsentStatus.NOT_YET)


def _person_for_consent(person_id: int) -> Person:
    """The person with support contacts, or 404 for anyone who may not read their consents."""
    if not policy.can_view_consents(current_user, person_id):
        abort(404)
    person = queries.person_with_contacts(person_id)
    if person is None:
        abort(404)
    return person


def _category(scope_lists: list[list[ShareScope]]) -> DataCategory:
    if any(ShareScope.SUBSTANCE_USE in scopes for scopes in scope_lists):
        return DataCategory.SUBSTANCE_USE
    return DataCategory.CLINICAL


def _audit_view(
    person_id: int,
    record_type: str,
    *,
    category: DataCategory = DataCategory.CLINICAL,
    printed: bool = False,
    detail: str | None = None,
) -> None:
    """Record the read of a page once it is rendered; kept when the page answers an
    error too (a form shown again, the break-glass prompt): coresponse/unit_of_work.py."""
    record_view(
        person_id, by=current_user, record_type=record_type, category=category,
        printed=printed, detail=detail, request_info=request_info(),
    )  # fmt: skip
    unit_of_work.keep_on_error()


def _recipient_form(form: ConsentForm | DisclosureForm, person: Person) -> None:
    form.set_recipients(queries.recipient_contacts(person), queries.directory_providers())


# --- Consents -------------------------------------------------------------------------


@bp.route("/people/<int:person_id>/consents")
@allow(policy.is_signed_in, per_record=policy.can_view_consents)
def consents(person_id: int) -> ResponseReturnValue:
    """The person's consents to share information: active, expired and revoked."""
    person = _person_for_consent(person_id)
    return _render_consents(person)


def _render_consents(
    person: Person, *, status: int = 200, failed: tuple[int, RevokeForm] | None = None
) -> ResponseReturnValue:
    now = utcnow()
    today = program_date(now)
    rows = queries.person_consents(person.id)
    statuses = {c.id: c.status_on(today, now) for c in rows}
    # Those in force first; each group newest first, as the query ordered them.
    rows.sort(key=lambda c: statuses[c.id] not in REVOCABLE)
    revoke_forms = {
        c.id: (failed[1] if failed and failed[0] == c.id else RevokeForm(formdata=None))
        for c in rows
        if statuses[c.id] in REVOCABLE
    }
    page = render_template(
        "consent/consents.html",
        person=person,
        consents=rows,
        statuses=statuses,
        revoke_forms=revoke_forms,
        open_revoke=failed[0] if failed else None,
        active=ConsentStatus.ACTIVE,
        can_record=policy.can_record_consent(current_user, person.id),
    )
    _audit_view(person.id, "consents", category=_category([c.scopes for c in rows]))
    return page, status


@bp.route("/people/<int:person_id>/consents/new", methods=["GET", "POST"])
@allow(policy.is_signed_in, per_record=policy.can_record_consent)
def new_consent(person_id: int) -> ResponseReturnValue:
    """Record a consent: to whom, what, for what, how given, from when until when."""
    person = _person_for_consent(person_id)
    require(policy.can_record_consent(current_user, person.id))
    form = ConsentForm()
    _recipient_form(form, person)
    if not form.is_submitted():
        form.given_on.data = program_today()
        if request.args.get("recipient"):
            form.recipient.data = request.args["recipient"]
    sent = submit(
        form,
        lambda: services.record_consent(
            person, by=current_user, request_info=request_info(), **form.service_kwargs(person.id)
        ),
    )
    if sent.done:
        assert sent.result is not None  # done: the service returned it  # noqa: S101  # nosec B101
        flash(f"Consent to share with {sent.result.recipient_name} recorded.", "success")
        return redirect(url_for("consent.consents", person_id=person_id))
    if sent.refused:
        person = _person_for_consent(person_id)
    page = render_template("consent/consent_form.html", person=person, form=form)
    _audit_view(person.id, "consent", detail="consent form")
    return page, sent.status


@bp.route("/consents/<int:consent_id>/revoke", methods=["POST"])
@allow(policy.is_signed_in, per_record=policy.can_record_consent)
def revoke_consent(consent_id: int) -> ResponseReturnValue:
    """The person withdrew a consent: it stays on record, marked revoked from now."""
    consent = queries.get_consent(consent_id)
    if consent is None:
        abort(404)
    person = _person_for_consent(consent.person_id)
    require(policy.can_record_consent(current_user, person.id))
    form = RevokeForm()
    if not form.validate_on_submit():
        return _render_consents(person, status=422, failed=(consent_id, form))
    try:
        services.revoke_consent(
            consent, by=current_user, note=form.note.data, request_info=request_info()
        )
    except DomainError as error:
        status = refuse(form, error)
        person = _person_for_consent(person.id)
        return _render_consents(person, status=status, failed=(consent_id, form))
    flash(f"Consent to share with {consent.recipient_name} revoked.", "success")
    return redirect(url_for("consent.consents", person_id=person.id))


# --- Disclosures ----------------------------------------------------------------------


@bp.route("/people/<int:person_id>/disclosures/new", methods=["GET", "POST"])
@allow(policy.is_signed_in, per_record=policy.can_record_consent)
def new_disclosure(person_id: int) -> ResponseReturnValue:
    """Record information shared with family or a provider, on consent or an emergency basis."""
    person = _person_for_consent(person_id)
    require(policy.can_record_consent(current_user, person.id))
    form = DisclosureForm()
    _recipient_form(form, person)
    if not form.is_submitted() and request.args.get("recipient"):
        form.recipient.data = request.args["recipient"]
    sent = submit(
        form,
        lambda: services.record_disclosure(
            person, by=current_user, request_info=request_info(), **form.service_kwargs(person.id)
        ),
    )
    if sent.done:
        disclosure = sent.result
        assert disclosure is not None  # done: the service returned it  # noqa: S101  # nosec B101
        how = (
            "on the emergency basis"
            if disclosure.basis is DisclosureBasis.EMERGENCY
            else "under consent"
        )
        flash(f"Disclosure to {disclosure.recipient_name} recorded {how}.", "success")
        return redirect(url_for("consent.accounting", person_id=person_id))
    if sent.refused:
        person = _person_for_consent(person_id)
    page = render_template(
        "consent/disclosure_form.html",
        person=person,
        form=form,
        emergency=DisclosureBasis.EMERGENCY,
    )
    _audit_view(person.id, "disclosure", detail="disclosure form")
    return page, sent.status


@bp.route("/people/<int:person_id>/disclosures")
@allow(policy.is_signed_in, per_record=policy.can_view_consents)
def accounting(person_id: int) -> ResponseReturnValue:
    """The accounting of disclosures: everything shared in the last six years, newest first."""
    person = _person_for_consent(person_id)
    printing = request.args.get("print") == "1"
    now = utcnow()
    if printing:
        rows = queries.accounting_all(person.id, now=now)
        next_cursor = None
    else:
        try:
            page = queries.accounting_page(
                person.id,
                cursor=request.args.get("after"),
                size=int(current_app.config["PAGE_SIZE"]),
                now=now,
            )
        except BadCursor as error:
            abort(400, description=str(error))
        rows, next_cursor = page.items, page.next_cursor
    body = render_template(
        "consent/accounting_print.html" if printing else "consent/accounting.html",
        person=person,
        disclosures=rows,
        next_cursor=next_cursor,
        paged=bool(request.args.get("after")),
        since=queries.accounting_start(now),
        emergency=DisclosureBasis.EMERGENCY,
        can_record=policy.can_record_consent(current_user, person.id),
    )
    _audit_view(
        person.id,
        "accounting_of_disclosures",
        category=_category([d.scopes for d in rows]),
        printed=printing,
    )
    return body


# --- Break-glass ----------------------------------------------------------------------


def _after_break_glass(person_id: int, raw_case_id: str | None) -> str:
    """The case the clinician was opening, if it is this person's; else the person page."""
    wanted = services.parse_id(raw_case_id)
    if wanted is not None:
        case_id = db.session.scalar(
            select(Case.id).where(Case.id == wanted, Case.person_id == person_id)
        )
        if case_id is not None:
            return url_for("casefile.detail", case_id=case_id)
    return url_for("people.detail", person_id=person_id)


@bp.route("/people/<int:person_id>/break-glass", methods=["GET", "POST"])
@allow(policy.can_break_glass, hidden=True, per_record=policy.may_break_glass_for)
def break_glass(person_id: int) -> ResponseReturnValue:
    """A clinician outside the team states a reason, then reads the record for a few hours."""
    person = queries.person_exists(person_id)
    if person is None or not policy.may_break_glass_for(current_user, person.id):
        abort(404)
    form = BreakGlassForm()
    current = services.active_break_glass(current_user, person.id)
    if current is not None or not services.has_hidden_parts(current_user, person.id):
        if current is not None:
            flash(
                "You have emergency access to this record until "
                f"{format_datetime(current.expires_at)}.",
                "info",
            )
        return redirect(_after_break_glass(person.id, form.case_id.data))
    sent = submit(
        form,
        lambda: services.break_glass(
            person,
            by=current_user,
            reason_code=form.reason_code.data,
            reason=form.reason.data,
            request_info=request_info(),
        ),
    )
    if sent.done:
        assert sent.result is not None  # done: the service returned the access  # noqa: S101  # nosec B101
        until = format_datetime(sent.result.expires_at)
        target = _after_break_glass(person_id, form.case_id.data)
        flash(
            f"Emergency access recorded: you can read this record until {until}. "
            "A clinical supervisor will review it.",
            "info",
        )
        return redirect(target)
    if sent.refused:
        reloaded = queries.person_exists(person_id)
        assert reloaded is not None  # it existed before; the rollback keeps it  # noqa: S101  # nosec B101
        return render_break_glass(reloaded, form, status=sent.status)
    return render_break_glass(person, form, status=sent.status)


@bp.route("/break-glass/")
@allow(policy.can_review_break_glass, hidden=True)
def break_glass_queue() -> ResponseReturnValue:
    """Clinical supervisors: emergency accesses waiting for review, oldest first."""
    try:
        page = queries.unacknowledged_break_glass(
            cursor=request.args.get("after"), size=int(current_app.config["PAGE_SIZE"])
        )
    except BadCursor as error:
        abort(400, description=str(error))
    return _render_queue(page)


def _render_queue(
    page: Page[BreakGlassAccess],
    *,
    status: int = 200,
    failed: tuple[int, AcknowledgeForm] | None = None,
) -> ResponseReturnValue:
    forms = {
        a.id: failed[1] if failed and failed[0] == a.id else AcknowledgeForm(formdata=None)
        for a in page.items
    }
    body = render_template(
        "consent/break_glass_queue.html",
        page=page,
        forms=forms,
        now=utcnow(),
        paged=bool(request.args.get("after")),
    )
    # The queue names each person opened, beside the clinician's reason (clinical by
    # default); the read is kept when a finding comes back with errors too.
    record_list_view(
        (access.person_id for access in page.items), by=current_user,
        what="Emergency access review queue", record_type="break_glass_queue",
        category=DataCategory.CLINICAL, request_info=request_info(),
    )  # fmt: skip
    unit_of_work.keep_on_error()
    return body, status


@bp.route("/break-glass/<int:access_id>/acknowledge", methods=["POST"])
@allow(policy.can_review_break_glass, hidden=True)
def acknowledge_break_glass(access_id: int) -> ResponseReturnValue:
    """A clinical supervisor's finding on an emergency access; "not justified" ends it."""
    try:
        access = services.get_break_glass(access_id)
    except DomainError:
        abort(404)
    form = AcknowledgeForm()
    sent = submit(
        form,
        lambda: services.acknowledge_break_glass(
            access,
            by=current_user,
            verdict=form.verdict.data,
            note=form.note.data,
            request_info=request_info(),
        ),
    )
    if sent.done:
        if access.verdict is BreakGlassVerdict.NOT_JUSTIFIED:
            flash(
                "Recorded as not justified: the access has ended and the clinician's "
                "account is flagged.",
                "success",
            )
        else:
            flash("Recorded as justified: it is off the review queue.", "success")
        return redirect(url_for("consent.break_glass_queue"))
    page = queries.unacknowledged_break_glass(
        cursor=None, size=int(current_app.config["PAGE_SIZE"])
    )
    return _render_queue(page, status=sent.status, failed=(access_id, form))

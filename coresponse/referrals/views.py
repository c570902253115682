"""Intake (with the duplicate check) and triage."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms describes 3.2; SelectChoice is new in 3.3

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.audit.services import record_duplicate_check, record_view
from coresponse.cases import queries as case_queries
from coresponse.db_types import parse_id
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.form_helpers import Form
from coresponse.formatting import format_date
from coresponse.people.models import Person
from coresponse.people.queries import DuplicateMatch, check_duplicates, get_person_card
from coresponse.privacy import policy
from coresponse.privacy.loading import withheld
from coresponse.privacy.routes import allow
from coresponse.referrals import bp, services
from coresponse.referrals.forms import (
    AcceptForm,
    DeclineForm,
    InfoReceivedForm,
    InfoRequestForm,
    IntakeForm,
)
from coresponse.referrals.models import Referral, ReferralEvent, ReferralStatus
from coresponse.web import refuse, request_info

# Any person id the server did not offer gets this answer, whether or not it exists.
NOT_OFFERED = "Choose one of the people shown, or a new person."


@bp.route("/new", methods=["GET", "POST"])
@allow(policy.can_take_referrals)
def new() -> ResponseReturnValue:
    """Record a referral; people who may already be on record are shown before saving."""
    form = IntakeForm()
    if not form.validate_on_submit():
        return _intake_page(form, [], 422 if form.is_submitted() else 200)
    details = form.person_details()
    choice = form.person_choice.data or ""
    # Computed again on every submission: the person chosen must be one offered for the
    # details submitted (or someone the user may see), never any id sent back.
    found = check_duplicates(current_user, details)
    if not choice:
        if found:
            return _intake_page(form, found)
        choice = "new"
    person = None
    if choice != "new":
        person = _offered_person(choice, found)
        if person is None:
            flash(NOT_OFFERED, "error")
            return _intake_page(form, found, 422)
    try:
        referral = services.take_referral(
            person, details, form.referral_details(), by=current_user, request_info=request_info()
        )
    except DomainError as error:
        return _intake_page(form, [], refuse(form, error))
    flash("Referral saved.", "success")
    if policy.can_triage(current_user):
        return redirect(url_for("referrals.detail", referral_id=referral.id))
    flash("A supervisor will triage it.", "info")
    return redirect(url_for("dashboard.home"))


def _offered_person(choice: str, found: list[DuplicateMatch]) -> Person | None:
    """The person chosen, if the server offered them; None for any other id alike."""
    person_id = parse_id(choice)
    offered = [m.person.id for m in found]
    if person_id is None or not policy.can_link_referral(current_user, person_id, offered=offered):
        return None
    for match in found:
        if match.person.id == person_id:
            return match.person
    return get_person_card(person_id)


def _intake_page(
    form: IntakeForm, matches: list[DuplicateMatch], status: int = 200
) -> ResponseReturnValue:
    """The intake form; with matches, the duplicate check, which is audited as a search
    (kept when the form comes back with errors too)."""
    # Whoever has an open case: a referral accepted for them joins it (triage says so too).
    open_cases = case_queries.open_cases_of([m.person.id for m in matches])
    body = render_template("referrals/new.html", form=form, matches=matches, open_cases=open_cases)
    if matches:
        record_duplicate_check(
            [m.person.id for m in matches],
            in_brief=[m.person.id for m in matches if not m.in_full],
            with_open_case=open_cases,
            by=current_user,
            request_info=request_info(),
        )
        unit_of_work.keep_on_error()
    return body, status


def _referral_or_404(referral_id: int) -> Referral:
    clinical = policy.can_read_clinical(current_user)
    referral = db.session.scalar(
        select(Referral)
        .where(Referral.id == referral_id)
        .options(
            selectinload(Referral.risk_indicators),
            selectinload(Referral.events).options(
                joinedload(ReferralEvent.by), *withheld(ReferralEvent, clinical=clinical)
            ),
            joinedload(Referral.triaged_by),
            *withheld(Referral, clinical=clinical),
        )
    )
    if referral is None:
        abort(404)
    return referral


def _render_detail(referral: Referral, status: int = 200, **forms: Form) -> ResponseReturnValue:
    person = get_person_card(referral.person_id)
    clinical = policy.can_read_clinical(current_user)
    others = db.session.scalars(
        select(Referral)
        .where(Referral.person_id == referral.person_id, Referral.id != referral.id)
        .options(*withheld(Referral, clinical=clinical))
        .order_by(Referral.received_at.desc())
    ).all()
    # The person's open case (an accepted referral joins it), and the case this referral
    # opened or joined once accepted.
    open_case, case_id = case_queries.cases_for_triage(referral.id, referral.person_id)
    decline = forms.get("decline") or DeclineForm()
    decline.duplicate_of_id.choices = [SelectChoice("", "— not a duplicate —")] + [
        SelectChoice(str(o.id), f"Referral #{o.id} received {format_date(o.received_at)}")
        for o in others
    ]
    body = render_template(
        "referrals/detail.html",
        referral=referral,
        person=person,
        others=others,
        case_id=case_id,
        open_case=open_case,
        accept_form=forms.get("accept") or AcceptForm(),
        decline_form=decline,
        info_form=forms.get("info") or InfoRequestForm(),
        received_form=forms.get("received") or InfoReceivedForm(),
        statuses=ReferralStatus,
    )
    # Kept when a triage step comes back with errors too (coresponse/unit_of_work.py).
    record_view(
        referral.person_id,
        by=current_user,
        record_type="referral",
        record_id=referral.id,
        category=DataCategory.CLINICAL if clinical else DataCategory.OPERATIONAL,
        request_info=request_info(),
    )
    unit_of_work.keep_on_error()
    return body, status


@bp.route("/<int:referral_id>")
@allow(policy.can_triage)
def detail(referral_id: int) -> ResponseReturnValue:
    """A referral with the person, its history and the triage actions."""
    return _render_detail(_referral_or_404(referral_id))


@bp.route("/<int:referral_id>/accept", methods=["POST"])
@allow(policy.can_triage)
def accept(referral_id: int) -> ResponseReturnValue:
    """Accept: a case opens and waits for a team, or the referral joins the person's open case."""
    referral = _referral_or_404(referral_id)
    form = AcceptForm()
    if not form.validate_on_submit():
        return _render_detail(referral, 422, accept=form)
    try:
        case = services.accept_referral(
            referral, by=current_user, note=form.note.data,
            operational_note=form.operational_note.data, request_info=request_info(),
        )  # fmt: skip
    except DomainError as error:
        status = refuse(form, error)
        return _render_detail(_referral_or_404(referral_id), status, accept=form)
    if case.referral_id != referral.id:
        team = f"its team, {case.team.name}," if case.team else "its team, once assigned,"
        flash(
            f"Referral accepted and added to case #{case.id}, already open for this person: "
            f"{team} will see it on their home page.",
            "success",
        )
        return redirect(url_for("casefile.detail", case_id=case.id))
    flash("Referral accepted. Choose a team for the case.", "success")
    return redirect(url_for("cases.assign", case_id=case.id))


@bp.route("/<int:referral_id>/decline", methods=["POST"])
@allow(policy.can_triage)
def decline(referral_id: int) -> ResponseReturnValue:
    """Decline with a coded reason."""
    referral = _referral_or_404(referral_id)
    form = DeclineForm()
    form.duplicate_of_id.choices = []
    if not form.validate_on_submit():
        return _render_detail(referral, 422, decline=form)
    duplicate_of = None
    raw = form.duplicate_of_id.data or ""
    if raw:
        duplicate_id = parse_id(raw)
        duplicate_of = db.session.get(Referral, duplicate_id) if duplicate_id else None
        if duplicate_of is None or duplicate_of.person_id != referral.person_id:
            form.duplicate_of_id.errors = ["Choose one of this person's other referrals."]
            return _render_detail(referral, 422, decline=form)
    try:
        services.decline_referral(
            referral,
            by=current_user,
            reason=form.reason.data,
            referred_to_service=form.referred_to_service.data,
            duplicate_of=duplicate_of,
            note=form.note.data,
            operational_note=form.operational_note.data,
            request_info=request_info(),
        )
    except DomainError as error:
        status = refuse(form, error)
        return _render_detail(_referral_or_404(referral_id), status, decline=form)
    flash("Referral declined.", "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


def _hold_step(
    referral_id: int,
    form: InfoRequestForm | InfoReceivedForm,
    form_key: str,
    change: Callable[..., object],
    done: str,
) -> ResponseReturnValue:
    """Post a note-only triage step (hold for information, or resume), then back to the referral."""
    referral = _referral_or_404(referral_id)
    if not form.validate_on_submit():
        return _render_detail(referral, 422, **{form_key: form})
    try:
        change(
            referral, by=current_user, note=form.note.data,
            operational_note=form.operational_note.data, request_info=request_info(),
        )  # fmt: skip
    except DomainError as error:
        status = refuse(form, error)
        return _render_detail(_referral_or_404(referral_id), status, **{form_key: form})
    flash(done, "success")
    return redirect(url_for("referrals.detail", referral_id=referral.id))


@bp.route("/<int:referral_id>/request-info", methods=["POST"])
@allow(policy.can_triage)
def request_info_view(referral_id: int) -> ResponseReturnValue:
    """Hold the referral until the referrer answers."""
    return _hold_step(
        referral_id,
        InfoRequestForm(),
        "info",
        services.request_more_information,
        "Marked as waiting for more information.",
    )


@bp.route("/<int:referral_id>/info-received", methods=["POST"])
@allow(policy.can_triage)
def info_received(referral_id: int) -> ResponseReturnValue:
    """The answer came: back to the triage queue."""
    return _hold_step(
        referral_id,
        InfoReceivedForm(),
        "received",
        services.record_information_received,
        "Back in the triage queue.",
    )

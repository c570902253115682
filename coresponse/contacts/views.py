"""Contact screens: logging a contact on a tablet, a contact's page, adding an addendum.

There is deliberately no edit route: a saved contact is amended by addenda only.
"""

from __future__ import annotations

import uuid

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse import unit_of_work
from coresponse.audit.categories import DataCategory
from coresponse.cases.models import Case
from coresponse.cases.queries import get_visible_case
from coresponse.cases.services import record_case_form_view
from coresponse.contacts import bp, queries, services
from coresponse.contacts.forms import AddendumForm, ContactForm
from coresponse.errors import Conflict, DomainError
from coresponse.privacy import policy
from coresponse.privacy.routes import allow, require
from coresponse.web import refuse, request_info, submit


@bp.route("/cases/<int:case_id>/contacts/new", methods=["GET", "POST"])
@allow(policy.is_signed_in, per_record=policy.can_log_contact)
def new_contact(case_id: int) -> ResponseReturnValue:
    """Log an outreach contact on a case of the user's team: one screen, under a minute."""
    # The form shows the person's name and offers their address as the place; their
    # phones, languages and other names are not read here.
    case = get_visible_case(current_user, case_id, with_team_members=True, person_details=False)
    require(policy.can_log_contact(current_user, case))
    try:
        services.ensure_case_open(case)
    except DomainError as error:
        return _render_contact_form(case, None, blocked=error.message, status=error.status_code)

    members = queries.members_of(case.team)
    address = case.person.current_address
    form, posted_clinical = ContactForm.for_case(
        members=members,
        recorder=current_user,
        location=address.one_line if address else None,
        clinical=policy.can_read_clinical(current_user),
    )
    status = 200
    if form.validate_on_submit():
        data = form.data_for_service(posted_clinical)
        by_id = {u.id: u for u in members}
        participants = [by_id[i] for i in form.participants.data or []]
        try:
            saved = unit_of_work.store_once(
                lambda: services.save_contact_form(
                    case,
                    by=current_user,
                    participants=participants,
                    confirmed_repeat=bool(form.confirm_repeat.data),
                    request_info=request_info(),
                    **data,
                ),
                stored=lambda: queries.contact_exists(data["uuid"]),
            )
        except services.LooksRepeated as repeat:
            # Nothing was saved: the same form again, asking whether this is another contact.
            unit_of_work.discard()
            case = get_visible_case(current_user, case_id)
            return _render_contact_form(case, form, repeat=repeat, status=repeat.status_code)
        except DomainError as error:
            status = refuse(form, error)
            if isinstance(error, Conflict):
                # The form's uuid is spent; saving again now logs a new contact.
                form.uuid.data = str(uuid.uuid4())
            case = get_visible_case(current_user, case_id)
        else:
            if saved is None:
                # A copy of this submission was stored first (a double tap, a retry).
                return _already_saved(data["uuid"])
            if saved.created:
                flash("Contact saved.", "success")
            else:
                flash("This contact was already saved.", "info")
            return redirect(url_for("contacts.detail", contact_id=saved.contact.id))
    elif form.is_submitted():
        status = 422
    return _render_contact_form(case, form, status=status)


def _already_saved(contact_uuid: uuid.UUID) -> ResponseReturnValue:
    contact = services.contact_with_uuid(contact_uuid)
    assert contact is not None  # called when the uuid is taken  # noqa: S101  # nosec B101
    flash("This contact was already saved.", "info")
    return redirect(url_for("contacts.detail", contact_id=contact.id))


def _render_contact_form(
    case: Case,
    form: ContactForm | None,
    *,
    blocked: str | None = None,
    repeat: services.LooksRepeated | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    body = render_template(
        "contacts/new.html", case=case, person=case.person, form=form, blocked=blocked,
        repeat=repeat,
    )  # fmt: skip
    # The form shows the person's name and address: the read is kept when it comes back
    # with errors too.
    record_case_form_view(
        case, form="new contact form", category=DataCategory.OPERATIONAL, by=current_user,
        request_info=request_info(),
    )  # fmt: skip
    unit_of_work.keep_on_error()
    return body, status


@bp.route("/contacts/<int:contact_id>")
@allow(policy.is_signed_in, per_record=policy.case_visibility)
def detail(contact_id: int) -> ResponseReturnValue:
    """A contact with its addenda; clinical parts only for those who may read them."""
    contact = queries.get_visible_contact(current_user, contact_id)
    clinical = policy.can_read_clinical(current_user)
    body = render_template("contacts/detail.html", contact=contact, case=contact.case)
    services.record_contact_view(
        contact,
        by=current_user,
        clinical=clinical and services.has_clinical_content(contact),
        request_info=request_info(),
    )
    return body


@bp.route("/contacts/<int:contact_id>/addenda/new", methods=["GET", "POST"])
@allow(policy.is_signed_in, per_record=policy.may_add_addendum)
def new_addendum(contact_id: int) -> ResponseReturnValue:
    """Add a correction or addition to a saved contact (who, when, why); the contact stays."""
    contact = queries.get_visible_contact(current_user, contact_id)
    require(policy.may_add_addendum(current_user, contact.case))
    clinical = policy.can_read_clinical(current_user)
    form, posted_clinical = AddendumForm.for_viewer(clinical=clinical)
    sent = submit(
        form,
        lambda: services.add_addendum(
            contact,
            by=current_user,
            request_info=request_info(),
            **form.data_for_service(posted_clinical),
        ),
    )
    if sent.done:
        flash("Addendum saved.", "success")
        return redirect(url_for("contacts.detail", contact_id=contact_id))
    if sent.refused:
        contact = queries.get_visible_contact(current_user, contact_id)
    body = render_template("contacts/addendum.html", contact=contact, case=contact.case, form=form)
    # The form shows the contact: the read is kept when it comes back with errors too.
    services.record_contact_view(
        contact,
        by=current_user,
        clinical=clinical and services.has_clinical_content(contact),
        detail="addendum form",
        request_info=request_info(),
    )
    unit_of_work.keep_on_error()
    return body, sent.status

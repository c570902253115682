"""A staff member's training page: their courses, and the form to record one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse.auth.models import User
from coresponse.clock import program_today
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.training import bp, queries, services
from coresponse.training.forms import TrainingForm
from coresponse.web import get_or_404, request_info, submit


@bp.route("/<int:user_id>/training")
@allow(policy.is_signed_in, per_record=policy.can_view_training)
def training(user_id: int) -> ResponseReturnValue:
    """A staff member's courses: supervisors, administrators and the staff member."""
    if not policy.can_view_training(current_user, user_id):
        abort(404)
    return _render(get_or_404(User, user_id))


@bp.route("/<int:user_id>/training", methods=["POST"])
@allow(policy.can_record_training)
def record(user_id: int) -> ResponseReturnValue:
    """Record a completed course (audited as other account changes are)."""
    staff = get_or_404(User, user_id)
    form = TrainingForm()
    sent = submit(
        form,
        lambda: services.record_training(
            staff,
            form.kind_value,
            completed_on=form.completed_day,
            expires_on=form.expires_on.data,
            by=current_user,
            today=program_today(),
            request_info=request_info(),
        ),
    )
    if sent.done:
        flash(f"{form.kind_value.label} recorded for {staff.full_name}.", "success")
        return redirect(url_for("training.training", user_id=staff.id))
    return _render(get_or_404(User, user_id), form, sent.status or 422)


def _render(
    staff: User, form: TrainingForm | None = None, status: int = 200
) -> ResponseReturnValue:
    if form is None and policy.can_record_training(current_user):
        form = TrainingForm(formdata=None)
    return render_template(
        "training/staff.html",
        staff=staff,
        form=form,
        standing=queries.standings([staff.id])[staff.id],
        history=queries.history(staff.id),
        cit_required=queries.cit_required(),
    ), status

"""The notifications page, dismissing one, and the header's count."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from coresponse import request_state
from coresponse.clock import utcnow
from coresponse.formatting import due_text
from coresponse.privacy import policy
from coresponse.privacy.routes import allow
from coresponse.reminders import bp, queries, services
from coresponse.reminders.forms import DismissForm
from coresponse.reminders.models import ReminderRule


@bp.app_context_processor
def header_count() -> dict[str, object]:
    """`notification_count()` for the header: read by the login session's query
    (auth/sessions.py), counted here only when that query did not run (an API token)."""

    def notification_count() -> int:
        if not policy.is_signed_in(current_user):
            return 0
        return request_state.kept(
            lambda s: s.open_notifications,
            current_user.id,
            lambda: queries.open_count(current_user.id),
        )

    return {"notification_count": notification_count}


@bp.route("/")
@allow(policy.is_signed_in)
def index() -> ResponseReturnValue:
    """The user's open notifications, most urgent first, each linking to its record."""
    now = utcnow()
    notifications = queries.open_notifications(current_user.id)
    rows = [
        (
            n,
            due_text(n.due_at, now, waiting=n.rule is ReminderRule.BREAK_GLASS_REVIEW),
        )
        for n in notifications
    ]
    return render_template("reminders/index.html", rows=rows, form=DismissForm(), now=now)


@bp.route("/<int:notification_id>/dismiss", methods=["POST"])
@allow(policy.is_signed_in, per_record=policy.owns_notification)
def dismiss(notification_id: int) -> ResponseReturnValue:
    """Take a notification off the user's list (it is kept, marked dismissed)."""
    notification = queries.get_notification(notification_id)
    if notification is None or not policy.owns_notification(current_user, notification.user_id):
        abort(404)
    if not DismissForm().validate_on_submit():
        abort(400)
    services.dismiss_notification(notification, by=current_user, now=utcnow())
    return redirect(url_for("reminders.index"))

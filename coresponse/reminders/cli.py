"""`flask reminders run`: find what is due, notify in the app, send the digests.

Safe to run every minute, and from several machines at once: each notification is
stored once per user, subject and window (a unique key, inserted if absent), and each
digest's items are claimed in the transaction that is committed only after the e-mail
has gone.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from coresponse.clock import program_today, utcnow
from coresponse.extensions import db
from coresponse.reminders import queries, services
from coresponse.reminders.mail import Mailer, digest_message
from coresponse.reminders.models import ReminderRule
from coresponse.reminders.settings import BadThreshold, thresholds

reminders_cli = AppGroup("reminders", help="Reminders: in-app notifications and e-mail digests.")
log = logging.getLogger(__name__)


@reminders_cli.command("run")
def run_command() -> None:
    """Store the reminders due now and send pending e-mail digests (when e-mail is on).

    Exits 1 when a threshold is zero or less (naming the setting). An unreachable mail
    server is reported and its digests stay pending for the next run; the run still
    exits 0, since the notifications are stored.
    """
    try:
        limits = thresholds(current_app.config)
    except BadThreshold as error:
        click.echo(f"Reminders not run: {error.message}", err=True)
        raise SystemExit(1) from error
    now = utcnow()
    with current_app.test_request_context("/"):  # links are built with url_for
        result = services.run_rules(now, program_today(), limits)
    db.session.commit()
    parts = [
        f"{result.new[rule]} {rule.label.lower()}" for rule in ReminderRule if result.new[rule]
    ]
    click.echo(
        f"Reminders: {result.total} new notification{'s' if result.total != 1 else ''}"
        + (f" ({', '.join(parts)})" if parts else "")
        + f"; {result.resolved} resolved."
    )
    if not current_app.config.get("REMINDER_EMAIL"):
        click.echo("E-mail digests are off (CORESPONSE_REMINDER_EMAIL).")
        return
    _send_digests(now, timedelta(minutes=limits.digest_minutes))


def _send_digests(now: datetime, every: timedelta) -> None:
    config = current_app.config
    link = config["BASE_URL"].rstrip("/") + "/notifications/"
    mailer = Mailer(config)
    sent, no_email = 0, []
    try:
        for user in queries.digest_recipients(now, every):
            if not user.email:
                no_email.append(user.username)
                continue
            count = services.claim_digest(user, now)
            if not count:
                db.session.rollback()
                continue
            message = digest_message(
                to=user.email, count=count, link=link,
                sender=config["MAIL_FROM"], program=config["PROGRAM_NAME"],
            )  # fmt: skip
            try:
                mailer.send(message)
            except (OSError, smtplib.SMTPException) as error:
                db.session.rollback()  # the items stay pending for the next run
                log.warning("Reminder digest not sent to %s: %s", user.username, error)
                click.echo(
                    f"Mail server {config['MAIL_SERVER']}:{config['MAIL_PORT']} "
                    f"unreachable ({error}); digests stay pending for the next run.",
                    err=True,
                )
                break
            db.session.commit()
            sent += 1
    finally:
        mailer.close()
    click.echo(f"E-mail digests: {sent} sent.")
    if no_email:
        click.echo(
            f"No e-mail address, digest not sent (in-app notifications only): "
            f"{', '.join(no_email)}."
        )

"""Running the reminder rules in tests, as `flask reminders run` does."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from coresponse.clock import program_today, utcnow
from coresponse.extensions import db
from coresponse.reminders import services
from coresponse.reminders.models import Notification, ReminderRule
from coresponse.reminders.settings import thresholds


def run(app: Flask) -> services.RunResult:
    """One run of the rules at the clock's now, committed."""
    with app.test_request_context("/"):
        result = services.run_rules(utcnow(), program_today(), thresholds(app.config))
    db.session.commit()
    return result


def cli(app: Flask, *args: str, **env: str):  # type: ignore[no-untyped-def]
    """`flask reminders run` through click's runner; the database session is then fresh."""
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["reminders", "run", *args], env=env or None)
    db.session.expire_all()
    return result


def notified(rule: ReminderRule | None = None) -> list[tuple[int, ReminderRule, int]]:
    """(user id, rule, subject id) of every notification stored, in insertion order."""
    stmt = select(Notification).order_by(Notification.id)
    if rule is not None:
        stmt = stmt.where(Notification.rule == rule)
    return [(n.user_id, n.rule, n.subject_id) for n in db.session.scalars(stmt)]


def open_titles(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.title).where(
                Notification.user_id == user_id,
                Notification.dismissed_at.is_(None),
                Notification.resolved_at.is_(None),
            )
        )
    )

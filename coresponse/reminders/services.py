"""Delivering reminders: store each once (insert-if-absent on a unique key, so runs may
overlap), resolve those no rule holds any more, dismiss, and claim a digest's items."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from coresponse.auth.models import User
from coresponse.extensions import db
from coresponse.reminders import queries
from coresponse.reminders.models import Notification, ReminderRule
from coresponse.reminders.settings import Thresholds

_CHUNK = 500


@dataclass
class RunResult:
    """What one run did: new notifications by rule, and how many it resolved."""

    new: Counter[ReminderRule] = field(default_factory=Counter)
    resolved: int = 0

    @property
    def total(self) -> int:
        return sum(self.new.values())


def _insert_if_absent(rows: list[dict[str, object]]) -> int:
    """Insert the rows whose key is not stored yet; a row stored meanwhile by another run
    is skipped by the database (ON CONFLICT DO NOTHING), not refused. Returns how many
    were inserted."""
    if not rows:
        return 0
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = 0
    for start in range(0, len(rows), _CHUNK):
        stmt = (
            insert(Notification)
            .values(rows[start : start + _CHUNK])
            .on_conflict_do_nothing(
                index_elements=["user_id", "rule", "subject_type", "subject_id", "period_key"]
            )
        )
        # RETURNING counts what was inserted on both engines (a driver's rowcount for a
        # multi-row INSERT may be -1).
        inserted += len(db.session.execute(stmt.returning(Notification.id)).all())
    return inserted


def run_rules(now: datetime, today: date, thresholds: Thresholds) -> RunResult:
    """Store every reminder the rules find due now (each once per user, subject and
    window), and resolve the open ones no rule holds any more (the contact was made, the
    access reviewed, the day passed)."""
    found = queries.candidates(now, today, thresholds)
    result = RunResult()
    by_rule: dict[ReminderRule, list[dict[str, object]]] = {}
    for c in found:
        by_rule.setdefault(c.rule, []).append(
            {
                "user_id": c.user_id,
                "rule": c.rule,
                "subject_type": c.subject_type,
                "subject_id": c.subject_id,
                "period_key": c.period_key,
                "title": c.title,
                "link": c.link,
                "due_at": c.due_at,
                "created_at": now,
            }
        )
    for rule, rows in by_rule.items():
        added = _insert_if_absent(rows)
        if added:
            result.new[rule] = added
    held = {c.key for c in found}
    stale = [nid for key, nid in queries.open_keys().items() if key not in held]
    for start in range(0, len(stale), _CHUNK):
        db.session.execute(
            update(Notification)
            .where(Notification.id.in_(stale[start : start + _CHUNK]))
            .where(Notification.resolved_at.is_(None))
            .values(resolved_at=now)
        )
    result.resolved = len(stale)
    return result


def dismiss_notification(notification: Notification, *, by: User, now: datetime) -> None:
    """The user has seen it: it leaves their list and count (the row stays)."""
    if notification.dismissed_at is None:
        notification.dismissed_at = now
        db.session.flush()


def claim_digest(user: User, now: datetime) -> int:
    """Mark the user's open, un-mailed notifications as e-mailed now and return how many.

    Run inside a transaction that is committed only once the e-mail has gone (and rolled
    back if it has not): a run that cannot reach the server leaves them pending, and a
    concurrent run waits on these rows and then finds none to claim.
    """
    claimed = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.emailed_at.is_(None),
            Notification.dismissed_at.is_(None),
            Notification.resolved_at.is_(None),
        )
        .values(emailed_at=now)
    )
    return claimed.rowcount or 0  # type: ignore[attr-defined]

"""The reminder rules: what is coming due now, and who hears of it.

Each rule reads the records it watches and returns candidates: one per recipient,
subject and window. Titles are operational (a case number and what is due): never a
person's name, a provider or a reason. Who may receive a clinical rule's reminder is
asked of the privacy policy (`policy.receives_reminder`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import url_for
from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import InstrumentedAttribute

from coresponse.auth.models import Role, User
from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import day_bounds, day_start
from coresponse.consent.models import BreakGlassAccess, Consent
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageStatus
from coresponse.privacy import policy
from coresponse.reminders.models import Notification, ReminderRule
from coresponse.reminders.settings import Thresholds
from coresponse.teams.models import TeamMembership
from coresponse.training import queries as training_queries


@dataclass(frozen=True)
class Candidate:
    """A reminder one user should have (stored once: see services.deliver)."""

    user_id: int
    rule: ReminderRule
    subject_type: str
    subject_id: int
    period_key: str
    title: str
    link: str
    due_at: datetime

    @property
    def key(self) -> tuple[int, str, str, int, str]:
        return (self.user_id, self.rule.value, self.subject_type, self.subject_id, self.period_key)


@dataclass
class Staff:
    """The active accounts the rules address: by current team, and the supervisors."""

    by_team: dict[int, list[User]] = field(default_factory=dict)
    supervisors: list[User] = field(default_factory=list)
    by_id: dict[int, User] = field(default_factory=dict)

    def team(self, team_id: int | None, rule: ReminderRule) -> list[User]:
        members = self.by_team.get(team_id, []) if team_id is not None else []
        return [u for u in members if policy.receives_reminder(u, clinical=rule.clinical)]

    def supervising(self, rule: ReminderRule) -> list[User]:
        return [
            u
            for u in self.supervisors
            if policy.receives_reminder(
                u, clinical=rule.clinical, break_glass=rule is ReminderRule.BREAK_GLASS_REVIEW
            )
        ]


def load_staff() -> Staff:
    """Every active account that can sign in, with its current team (one query)."""
    staff = Staff()
    rows = db.session.execute(
        select(User, TeamMembership.team_id)
        .outerjoin(
            TeamMembership,
            and_(TeamMembership.user_id == User.id, TeamMembership.left_at.is_(None)),
        )
        .where(User.active, ~User.held_after_reset)
        .order_by(User.id)
    ).all()
    for user, team_id in rows:
        staff.by_id[user.id] = user
        if team_id is not None:
            staff.by_team.setdefault(team_id, []).append(user)
        if user.role is Role.SUPERVISOR:
            staff.supervisors.append(user)
    return staff


def _stamp(at: datetime) -> str:
    """A due time as a window's key (to the minute, UTC)."""
    return at.strftime("%Y-%m-%dT%H:%MZ")


def _case_link(case_id: int) -> str:
    return url_for("casefile.detail", case_id=case_id)


def _team_cases(
    when: InstrumentedAttribute[datetime | None], *where: ColumnElement[bool]
) -> list[tuple[int, int, datetime]]:
    """(case, team, `when`) for the open cases with a team where `where` holds and `when`
    is set: the cases whose team's current members a rule reminds (Staff.team)."""
    rows = db.session.execute(
        select(Case.id, Case.team_id, when).where(
            Case.status == CaseStatus.OPEN, Case.team_id.is_not(None), *where
        )
    ).all()
    return [
        (case_id, team_id, at)
        for case_id, team_id, at in rows
        if team_id is not None and at is not None
    ]


def first_contact(now: datetime, t: Thresholds, staff: Staff) -> list[Candidate]:
    """First contact due within the next hours (the team), or overdue (the team and the
    supervisors). A new deadline (reassignment) is a new window."""
    soon = now + timedelta(hours=t.first_contact_due_hours)
    rows = _team_cases(
        Case.first_contact_due_at,
        Case.first_contact_at.is_(None),
        Case.first_contact_due_at <= soon,
    )
    found = []
    for case_id, team_id, due_at in rows:
        overdue = due_at <= now
        rule = ReminderRule.FIRST_CONTACT_OVERDUE if overdue else ReminderRule.FIRST_CONTACT_DUE
        people = staff.team(team_id, rule)
        if overdue:
            people += [u for u in staff.supervising(rule) if u not in people]
        title = f"First contact {'overdue' if overdue else 'due'} — case #{case_id}"
        link = _case_link(case_id)
        found += [
            Candidate(u.id, rule, "case", case_id, _stamp(due_at), title, link, due_at)
            for u in people
        ]
    return found


def contact_due_today(today: date, staff: Staff) -> list[Candidate]:
    """Open cases whose planned next contact falls on this New York day (the team)."""
    start, end = day_bounds(today, today)
    rule = ReminderRule.CONTACT_DUE_TODAY
    rows = _team_cases(
        Case.next_contact_planned_at,
        Case.next_contact_planned_at >= start,
        Case.next_contact_planned_at < end,
    )
    found = []
    for case_id, team_id, planned in rows:
        title = f"Planned contact due today — case #{case_id}"
        link = _case_link(case_id)
        found += [
            Candidate(u.id, rule, "case", case_id, today.isoformat(), title, link, planned)
            for u in staff.team(team_id, rule)
        ]
    return found


def appointments_tomorrow(today: date, staff: Staff) -> list[Candidate]:
    """Connections with an appointment on the next New York day (the team's clinician)."""
    tomorrow = today + timedelta(days=1)
    start, end = day_bounds(tomorrow, tomorrow)
    rule = ReminderRule.APPOINTMENT_TOMORROW
    rows = db.session.execute(
        select(Linkage.id, Case.id, Case.team_id, Linkage.appointment_at)
        .join(Case, Case.id == Linkage.case_id)
        .where(
            Linkage.status == LinkageStatus.APPOINTMENT_SCHEDULED,
            Linkage.appointment_at >= start,
            Linkage.appointment_at < end,
            Case.status == CaseStatus.OPEN,
        )
    ).all()
    found = []
    for linkage_id, case_id, team_id, at in rows:
        if at is None:
            continue
        title = f"Connection appointment tomorrow — case #{case_id}"
        link = _case_link(case_id)
        found += [
            Candidate(u.id, rule, "linkage", linkage_id, _stamp(at), title, link, at)
            for u in staff.team(team_id, rule)
        ]
    return found


def consents_expiring(today: date, t: Thresholds, staff: Staff) -> list[Candidate]:
    """Consents in force whose last day is within the days ahead (the team's clinician)."""
    rule = ReminderRule.CONSENT_EXPIRING
    last = today + timedelta(days=t.consent_expiry_days)
    rows = db.session.execute(
        select(Consent.id, Consent.person_id, Consent.expires_on, Case.id, Case.team_id)
        .join(Case, and_(Case.person_id == Consent.person_id, Case.status == CaseStatus.OPEN))
        .where(
            Consent.revoked_at.is_(None),
            Consent.given_on <= today,
            Consent.expires_on >= today,
            Consent.expires_on <= last,
        )
    ).all()
    found = []
    for consent_id, person_id, expires_on, case_id, team_id in rows:
        if expires_on is None:
            continue
        link = url_for("consent.consents", person_id=person_id)
        title = f"Consent expires {expires_on:%-d %b} — case #{case_id}"
        due = day_start(expires_on + timedelta(days=1))
        period = expires_on.isoformat()
        found += [
            Candidate(u.id, rule, "consent", consent_id, period, title, link, due)
            for u in staff.team(team_id, rule)
        ]
    return found


def break_glass_waiting(staff: Staff) -> list[Candidate]:
    """Emergency accesses waiting for review (the clinical supervisors)."""
    rule = ReminderRule.BREAK_GLASS_REVIEW
    reviewers = staff.supervising(rule)
    if not reviewers:
        return []
    rows = db.session.execute(
        select(BreakGlassAccess.id, BreakGlassAccess.at).where(
            BreakGlassAccess.acknowledged_at.is_(None)
        )
    ).all()
    link = url_for("consent.break_glass_queue")
    found = []
    for access_id, at in rows:
        title = f"Break-glass access #{access_id} waits for review"
        found += [
            Candidate(u.id, rule, "break_glass", access_id, "review", title, link, at)
            for u in reviewers
        ]
    return found


def no_contact(now: datetime, t: Thresholds, staff: Staff) -> list[Candidate]:
    """Open cases whose last contact is older than the days set (the team). A later
    contact that goes quiet again is a new window."""
    rule = ReminderRule.NO_CONTACT
    days = t.no_contact_days
    rows = _team_cases(Case.last_contact_at, Case.last_contact_at <= now - timedelta(days=days))
    found = []
    for case_id, team_id, last in rows:
        title = f"No contact for {days} days — case #{case_id}"
        link = _case_link(case_id)
        due = last + timedelta(days=days)
        found += [
            Candidate(u.id, rule, "case", case_id, _stamp(last), title, link, due)
            for u in staff.team(team_id, rule)
        ]
    return found


def training_expiring(today: date, t: Thresholds, staff: Staff) -> list[Candidate]:
    """Courses whose last day is within the days ahead and not renewed (the staff member
    and the supervisors)."""
    rule = ReminderRule.TRAINING_EXPIRING
    last = today + timedelta(days=t.training_expiry_days)
    found = []
    for training, holder in training_queries.expiring(today, last):
        expires_on = training.expires_on
        if expires_on is None:
            continue
        link = url_for("training.training", user_id=holder.id)
        due = day_start(expires_on + timedelta(days=1))
        when = f"{expires_on:%-d %b %Y}"
        people = [holder] if holder.id in staff.by_id else []
        people += [u for u in staff.supervising(rule) if u.id != holder.id]
        for u in people:
            whose = "Your" if u.id == holder.id else f"{holder.full_name}'s"
            title = f"{whose} {training.kind.label} expires {when}"
            period = expires_on.isoformat()
            found.append(Candidate(u.id, rule, "training", training.id, period, title, link, due))
    return found


def candidates(now: datetime, today: date, t: Thresholds) -> list[Candidate]:
    """Every reminder due now under every rule, once each."""
    staff = load_staff()
    found: dict[tuple[int, str, str, int, str], Candidate] = {}
    for batch in (
        first_contact(now, t, staff),
        contact_due_today(today, staff),
        appointments_tomorrow(today, staff),
        consents_expiring(today, t, staff),
        break_glass_waiting(staff),
        no_contact(now, t, staff),
        training_expiring(today, t, staff),
    ):
        for c in batch:
            found.setdefault(c.key, c)
    return list(found.values())


# --- Reading notifications -----------------------------------------------------------------


def _open_for(user_id: int):  # type: ignore[no-untyped-def]  # a SQL condition
    return and_(
        Notification.user_id == user_id,
        Notification.dismissed_at.is_(None),
        Notification.resolved_at.is_(None),
    )


def open_count(user_id: int) -> int:
    """How many notifications wait for the user (the header's count: one query)."""
    return db.session.scalar(select(func.count()).where(_open_for(user_id))) or 0


def open_notifications(user_id: int, limit: int = 200) -> list[Notification]:
    """The user's open notifications, most urgent (earliest due) first, newest first among
    those due at once."""
    return list(
        db.session.scalars(
            select(Notification)
            .where(_open_for(user_id))
            .order_by(Notification.due_at, Notification.id.desc())
            .limit(limit)
        )
    )


def get_notification(notification_id: int) -> Notification | None:
    return db.session.get(Notification, notification_id)


def open_keys() -> dict[tuple[int, str, str, int, str], int]:
    """Every open notification's key and id (a run resolves those no rule holds now)."""
    rows = db.session.execute(
        select(
            Notification.id,
            Notification.user_id,
            Notification.rule,
            Notification.subject_type,
            Notification.subject_id,
            Notification.period_key,
        ).where(Notification.dismissed_at.is_(None), Notification.resolved_at.is_(None))
    ).all()
    return {(uid, rule.value, st, sid, pk): nid for nid, uid, rule, st, sid, pk in rows}


def digest_recipients(now: datetime, every: timedelta) -> list[User]:
    """Active users with open notifications not yet e-mailed, whose last digest is older
    than the interval."""
    pending = (
        select(Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.dismissed_at.is_(None),
            Notification.resolved_at.is_(None),
        )
        .distinct()
    )
    recent = select(Notification.user_id).where(Notification.emailed_at > now - every).distinct()
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(pending), User.id.not_in(recent), User.active)
            .order_by(User.id)
        )
    )

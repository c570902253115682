"""The demo logins, the officers and clinicians who staff the teams, and an account waiting
for approval, created through the account services."""

from __future__ import annotations

from datetime import timedelta

from coresponse.auth.models import Role
from coresponse.auth.services import create_user
from coresponse.demo.reference import DEMO_LOGINS, TEAM_STAFF, WAITING_ACCOUNT
from coresponse.demo.world import TEAM_FOUNDED_DAYS, World
from coresponse.extensions import db
from coresponse.training.models import Training, TrainingKind


def create_staff(world: World, password: str) -> None:
    """The six demo logins and the officers and clinicians who staff the teams."""
    hired = world.now - timedelta(days=TEAM_FOUNDED_DAYS + 30)
    people = [
        (login.username, login.full_name, login.role, login.discipline) for login in DEMO_LOGINS
    ]
    people += [(s.username, s.full_name, s.role, None) for s in TEAM_STAFF]
    for username, full_name, role, discipline in people:
        # Accounts come from the command line, like `flask users create`: by=None.
        user = create_user(
            username,
            full_name=full_name,
            role=role,
            discipline=discipline,
            email=f"{username}@example.org",
            password=password,
            by=None,
        )
        user.created_at = hired
        world.users[username] = user
    world.tally.users = len(people)
    _record_training(world)


def _record_training(world: World) -> None:
    """Every officer holds current Crisis Intervention Training (dispatch needs it), one of
    them due to renew within the reminders' 30 days; clinicians hold Mental Health First Aid."""
    today = world.now.astimezone(world.tz).date()
    completed = today - timedelta(days=TEAM_FOUNDED_DAYS + 60)
    officers = [u for u in world.users.values() if u.role is Role.OFFICER]
    renewing = next((u for u in officers if u.username != "officer"), None)
    for user in officers:
        expires = today + timedelta(days=20 if user is renewing else 3 * 365)
        db.session.add(
            Training(
                user_id=user.id, kind=TrainingKind.CIT, completed_on=completed, expires_on=expires
            )
        )
    for user in world.users.values():
        if user.role is Role.CLINICIAN:
            db.session.add(
                Training(user_id=user.id, kind=TrainingKind.MHFA, completed_on=completed)
            )
    db.session.flush()


def create_waiting_account(world: World, password: str) -> str:
    """A new clinician the administrator added, through the service as the user screens
    do: it waits for a clinical supervisor's approval (four eyes), so the `supervisor`
    login's home page has an account to approve, and `sergeant` sees why it is not theirs.
    """
    spec = WAITING_ACCOUNT
    user = create_user(
        spec.username,
        full_name=spec.full_name,
        role=spec.role,
        email=f"{spec.username}@example.org",
        password=password,
        must_change_password=True,
        by=world.users["admin"],
    )
    if user.access_approved:  # approval is off (CORESPONSE_ACCESS_APPROVAL=off)
        return ""
    return (
        f"\n  Waiting for approval: {spec.username} ({spec.role.label.lower()}, asked for by "
        "admin; the clinical supervisor approves it)"
    )

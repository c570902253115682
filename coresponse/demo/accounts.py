"""The demo logins, the officers and clinicians who staff the teams, and an account waiting
for approval, created through the account services."""

from __future__ import annotations

from datetime import timedelta

from coresponse.auth.services import create_user
from coresponse.demo.reference import DEMO_LOGINS, TEAM_STAFF, WAITING_ACCOUNT
from coresponse.demo.world import TEAM_FOUNDED_DAYS, World


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

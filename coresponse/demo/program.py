"""The entry points `flask seed-demo` calls: check, build the program in order, sum up."""

from __future__ import annotations

from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select

from config import Config
from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction
from coresponse.audit.services import record_event
from coresponse.auth.models import Role, User
from coresponse.auth.services import check_password_policy
from coresponse.cases.models import CaseStatus
from coresponse.clock import utcnow
from coresponse.db_types import LabelledEnum
from coresponse.demo.accounts import create_staff, create_waiting_account
from coresponse.demo.cases import CaseStory, write_case
from coresponse.demo.connections import write_linkages
from coresponse.demo.consent import create_consents_and_break_glass
from coresponse.demo.contacts import write_contacts
from coresponse.demo.dice import Dice
from coresponse.demo.people import draft_person
from coresponse.demo.plans import CASE_OUTCOMES, person_plans
from coresponse.demo.providers import create_providers
from coresponse.demo.reference import (
    DEMO_LOGINS,
    DEMO_TEAM,
    TEAM_SPECS,
    TEAM_STAFF,
    WAITING_ACCOUNT,
    DemoLogin,
)
from coresponse.demo.referrals import write_referral
from coresponse.demo.repeats import refer_again
from coresponse.demo.teams import create_teams
from coresponse.demo.world import World
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.linkages.models import LinkageStatus
from coresponse.people.models import Person
from coresponse.referrals.models import ReferralStatus
from coresponse.reports import tallies
from coresponse.teams.models import Team

PEOPLE_PER_BATCH = 100


def database_has_data() -> bool:
    """True when any user, team or person exists: the demo belongs in an empty database."""
    return any(
        db.session.scalar(select(model.id).limit(1)) is not None for model in (User, Team, Person)
    )


def seed(*, password: str, people: int, seed: int, force: bool) -> str:
    """Build the demo in the current session (flushed, never committed); return a summary."""
    if people < 1:
        raise DomainError("The demo needs at least one person.")
    if not force and database_has_data():
        raise DomainError("The database already holds data. Use --force to add the demo anyway.")
    _check_can_seed(password)
    world = World(now=utcnow(), dice=Dice(seed), tz=_program_timezone())
    create_staff(world, password)
    create_teams(world)
    create_providers(world)
    _create_people(world, people)
    repeats = refer_again(world)
    sharing = create_consents_and_break_glass(world)
    waiting = create_waiting_account(world, password)
    # Most of the demo went in by bulk inserts, which the outcome tallies do not follow.
    db.session.flush()
    tallies.rebuild()
    summary = _summary(world, seed) + repeats + sharing + waiting
    record_event(
        AuditAction.CREATE,
        by=None,
        record_type="demo",
        category=DataCategory.ACCOUNT,
        detail=f"demo program seeded (seed {seed}, {people} people)",
    )
    return summary


def logins_text(*, password: str | None) -> str:
    """The demo logins, their roles and the password, for the terminal."""
    if password is None:
        default = _configured_default_password()
        secret = f"the password printed when the demo was seeded (default {default})"
    else:
        secret = password
    width = max(len(login.username) for login in DEMO_LOGINS) + 2
    role_width = max(len(_role_label(login)) for login in DEMO_LOGINS) + 2
    lines = ["Demo logins:"]
    for login in DEMO_LOGINS:
        lines.append(
            f"  {login.username:<{width}}{_role_label(login):<{role_width}}"
            f"{login.full_name} — {login.what}"
        )
    lines.append(f"Password for all of them: {secret}")
    lines.append(
        f"clinician and officer are on the same team, {DEMO_TEAM} (two officers and a "
        "clinician, dispatchable): log in as each to compare the clinical and the "
        "operational view of the same cases."
    )
    return "\n".join(lines)


def _role_label(login: DemoLogin) -> str:
    if login.role is Role.SUPERVISOR and login.discipline is not None:
        return f"{login.discipline.label} supervisor"
    return login.role.label


def _configured_default_password() -> str:
    if has_app_context() and current_app.config.get("DEMO_PASSWORD"):
        return str(current_app.config["DEMO_PASSWORD"])
    return Config.DEMO_PASSWORD


def _program_timezone() -> ZoneInfo:
    """The program's wall clock: shifts and visit hours are local times."""
    name = current_app.config.get("TIMEZONE", "America/New_York") if has_app_context() else None
    return ZoneInfo(name or "America/New_York")


def _check_can_seed(password: str) -> None:
    """Refuse before writing anything when the demo's names are taken or the password is weak."""
    usernames = [login.username for login in DEMO_LOGINS] + [s.username for s in TEAM_STAFF]
    usernames.append(WAITING_ACCOUNT.username)
    taken = list(db.session.scalars(select(User.username).where(User.username.in_(usernames))))
    if taken:
        shown = ", ".join(sorted(taken)[:6]) + (
            f" and {len(taken) - 6} more" if len(taken) > 6 else ""
        )
        raise DomainError(
            f"The demo logins already exist in this database ({shown}): the demo was already "
            "added. Seed into an empty database instead (for example a new DATABASE_URL)."
        )
    team_names = [spec.name for spec in TEAM_SPECS]
    taken = list(db.session.scalars(select(Team.name).where(Team.name.in_(team_names))))
    if taken:
        raise DomainError(
            f"Teams named like the demo's already exist ({', '.join(sorted(taken))}). "
            "Seed into an empty database instead."
        )
    for username in usernames:
        try:
            check_password_policy(password, username=username)
        except DomainError as error:
            raise DomainError(
                f"The demo password cannot be used for {username!r}: {error.message}",
                field="password",
            ) from error


def _create_people(world: World, count: int) -> None:
    """People with their referrals, cases, contacts and connections, flushed in batches."""
    plans = person_plans(world.dice, count)
    referral_index = 0
    for start in range(0, count, PEOPLE_PER_BATCH):
        drafts = [draft_person(world, plan) for plan in plans[start : start + PEOPLE_PER_BATCH]]
        db.session.add_all(draft.person for draft in drafts)
        db.session.flush()  # person and support-contact ids for what follows
        world.rows.insert()

        stories: list[CaseStory] = []
        for draft in drafts:
            for episode in draft.episodes:
                episode.referral = write_referral(world, draft, episode, referral_index)
                referral_index += 1
                if episode.plan.outcome in CASE_OUTCOMES:
                    stories.append(write_case(world, draft, episode))
        db.session.flush()  # referral and case ids
        world.rows.insert()

        for draft in drafts:
            for episode in draft.episodes:
                if episode.duplicate_of is not None and episode.referral is not None:
                    original = episode.duplicate_of.referral
                    episode.referral.duplicate_of_id = original.id if original else None
        for story in stories:
            write_contacts(world, story)
            db.session.add_all(write_linkages(world, story))
        db.session.flush()
        world.rows.insert()
        world.tally.people += len(drafts)


def _summary(world: World, seed: int) -> str:
    """What was created, counted by kind."""
    tally = world.tally
    dispatchable = sum(t.dispatchable_at(world.now) for t in world.teams)
    short = [t.spec.name for t in world.teams if not t.dispatchable_at(world.now)]
    referrals = sum(tally.referrals.values())
    cases = sum(tally.cases.values())
    lines = [
        f"Demo program added (seed {seed}).",
        f"  Users:     {tally.users} ({len(DEMO_LOGINS)} demo logins, "
        f"{len(TEAM_STAFF)} officers and clinicians)",
        f"  Teams:     {len(world.teams)} ({dispatchable} dispatchable"
        + (f"; not dispatchable: {', '.join(short)}" if short else "")
        + ")",
        f"  Providers: {tally.providers}",
        f"  People:    {tally.people}",
        f"  Referrals: {referrals} ({_by_label(tally.referrals, ReferralStatus)})",
        f"  Cases:     {cases} ({_by_label(tally.cases, CaseStatus)}; {tally.reopened} reopened)",
        f"  Contacts:  {tally.contacts}",
        f"  Connections: {sum(tally.linkages.values())} "
        f"({_by_label(tally.linkages, LinkageStatus)})",
    ]
    return "\n".join(lines)


def _by_label(counts: Counter[Any], kind: type[LabelledEnum]) -> str:
    """'3 open, 2 closed' in the enum's order, leaving out what is absent."""
    return ", ".join(f"{counts[m]} {m.label.lower()}" for m in kind if counts[m])

"""Command-line tools: `flask users ...` and `flask seed-demo`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

import click
from flask import Flask
from flask.cli import AppGroup

from coresponse.auth import services as auth_services
from coresponse.auth.models import Discipline, Role, User
from coresponse.errors import DomainError
from coresponse.extensions import db

F = TypeVar("F", bound=Callable[..., Any])

users_cli = AppGroup("users", help="Create, disable and reset user accounts.")


def _fail(message: str) -> NoReturn:
    db.session.rollback()
    raise click.ClickException(message)


@contextmanager
def _committed() -> Iterator[None]:
    """Commit what the block changed; a change a service refuses ends the command with its
    message, and nothing is kept."""
    try:
        yield
    except DomainError as error:
        _fail(error.message)
    db.session.commit()


def _user(username: str) -> User:
    """The account called `username`; the command fails when there is none."""
    user = auth_services.get_user_by_username(username)
    if user is None:
        _fail(f"No user called {username!r}.")
    return user


def _password_option(prompt: str) -> Callable[[F], F]:
    return click.option(
        "--password",
        prompt=prompt,
        hide_input=True,
        confirmation_prompt=True,
        help="The password (asked for, hidden, when not given).",
    )


@users_cli.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--discipline", type=click.Choice([d.value for d in Discipline]),
              help="Required for supervisors: police or clinical.")  # fmt: skip
@click.option("--name", "full_name", help="Full name (defaults to the username).")
@click.option("--email", default=None)
@_password_option("Password")
def create_user_command(
    username: str,
    role: str,
    discipline: str | None,
    full_name: str | None,
    email: str | None,
    password: str,
) -> None:
    """Create an account."""
    with _committed():
        user = auth_services.create_user(
            username,
            full_name=full_name or username,
            role=Role(role),
            discipline=Discipline(discipline) if discipline else None,
            email=email,
            password=password,
            by=None,
        )
    click.echo(f"Created {user.username} ({user.role_label}).")


@users_cli.command("disable")
@click.argument("username")
def disable_user_command(username: str) -> None:
    """Disable an account: it cannot log in and its sessions end."""
    user = _user(username)
    with _committed():
        auth_services.disable_user(user, by=None)
    click.echo(f"Disabled {user.username}; their sessions have ended.")


@users_cli.command("reset-password")
@click.argument("username")
@_password_option("New password")
@click.option("--keep/--must-change", default=False,
              help="Whether the user must choose a new password at next login (default).")  # fmt: skip
def reset_password_command(username: str, password: str, keep: bool) -> None:
    """Set a new password for an account (at once: no supervisor's approval on the server)."""
    user = _user(username)
    held = user.held_after_reset
    with _committed():
        auth_services.reset_password(user, password, by=None, must_change=not keep)
    click.echo(f"Password reset for {user.username}.{_released(held)}")


@users_cli.command("unlock")
@click.argument("username")
def unlock_user_command(username: str) -> None:
    """Lift a lockout after too many failed logins."""
    user = _user(username)
    with _committed():
        auth_services.unlock_user(user, by=None)
    click.echo(f"{user.username} can try to log in again.")


@users_cli.command("reset-two-factor")
@click.argument("username")
def reset_two_factor_command(username: str) -> None:
    """Turn off a user's two-factor login (a lost phone); they enrol again next time."""
    user = _user(username)
    with _committed():
        auth_services.reset_two_factor(user, by=None)
    held = (
        " The account stays held after an administrator's reset until a supervisor approves "
        "it, or its password is reset here."
        if user.held_after_reset
        else ""
    )
    click.echo(f"Two-factor login reset for {user.username}; their sessions have ended.{held}")


def _released(held: bool) -> str:
    # A new password set on the server applies at once (whoever runs it can change the
    # database anyway), and the administrator's temporary password no longer works: the
    # hold that administrator's reset put on the account ends.
    if not held:
        return ""
    return " The account was held after an administrator's reset; it can log in again."


@click.command("seed-demo")
@click.option("--password", default=None, help="Password for the demo logins.")
@click.option("--force", is_flag=True, help="Add the demo even if the database holds data.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if data exists.")
@click.option("--people", default=300, show_default=True, type=click.IntRange(20, 100_000),
              help="How many people (20 or more, so every state appears).")  # fmt: skip
@click.option("--seed", default=2016, show_default=True, type=int, help="Random seed.")
def seed_demo_command(
    password: str | None, force: bool, if_empty: bool, people: int, seed: int
) -> None:
    """Fill an empty database with a realistic, deterministic demo program."""
    from flask import current_app

    from coresponse import demo

    password = password or current_app.config["DEMO_PASSWORD"]
    if demo.database_has_data():
        if if_empty:
            click.echo("The database already holds data; the demo was not added again.")
            click.echo("If this database was seeded with the demo, its logins are:")
            click.echo(demo.logins_text(password=None))
            return
        if not force:
            _fail("The database already holds data. Use --force to add the demo anyway.")
    with _committed():
        summary = demo.seed(password=password, people=people, seed=seed, force=force)
    click.echo(summary)
    click.echo(demo.logins_text(password=password))


def register_cli(app: Flask) -> None:
    from coresponse.audit.cli import audit_cli
    from coresponse.reminders.cli import reminders_cli
    from coresponse.reports.cli import reports_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(audit_cli)
    app.cli.add_command(reminders_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(seed_demo_command)

"""`flask tokens create|list|revoke`: personal API tokens from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from coresponse.auth import tokens
from coresponse.auth.models import ApiToken, User
from coresponse.errors import DomainError
from coresponse.extensions import db

tokens_cli = AppGroup("tokens", help="Create, list and revoke personal API tokens.")


def _user(username: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user named {username!r}.")
    return user


@tokens_cli.command("create")
@click.argument("username")
@click.option("--name", default=None, help="What the token is for (shown in the token list).")
def create_token_command(username: str, name: str | None) -> None:
    """Make a token for USERNAME; the token alone is printed on the last line."""
    user = _user(username)
    try:
        row, token = tokens.create_token(user, name=name, by=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(
        f"Created API token “{row.name}” ({row.display}) for {user.username}; "
        f"it expires {row.expires_at:%Y-%m-%d %H:%M} UTC."
    )
    click.echo("It is shown only now; store it somewhere safe.")
    click.echo(token)


@tokens_cli.command("list")
@click.argument("username")
def list_tokens_command(username: str) -> None:
    """List USERNAME's tokens (prefix, name, state), never the tokens themselves."""
    user = _user(username)
    rows = tokens.user_tokens(user)
    if not rows:
        click.echo(f"{user.username} has no API tokens.")
    for row in rows:
        if row.revoked_at:
            state = f"revoked {row.revoked_at:%Y-%m-%d %H:%M} UTC"
        else:
            ends = f"{row.expires_at:%Y-%m-%d %H:%M} UTC"
            state = f"expired {ends}" if row.expired else f"active until {ends}"
        used = (
            f"last used {row.last_used_at:%Y-%m-%d %H:%M} UTC" if row.last_used_at else "never used"
        )
        click.echo(f"{row.id}\t{row.display}\t{row.name}\t{state}\t{used}")


@tokens_cli.command("revoke")
@click.argument("username")
@click.argument("token_id", type=int)
def revoke_token_command(username: str, token_id: int) -> None:
    """Revoke USERNAME's token TOKEN_ID (from `flask tokens list`); it stops working at once."""
    user = _user(username)
    row = db.session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id)
    )
    if row is None:
        raise click.ClickException(f"{user.username} has no token {token_id}.")
    try:
        tokens.revoke_token(row, by=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"Revoked {row.display} ({row.name}).")


def register(app: Flask) -> None:
    app.cli.add_command(tokens_cli)

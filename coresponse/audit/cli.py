"""`flask audit verify`: check that the audit trail is intact."""

from __future__ import annotations

import re

import click
from flask.cli import AppGroup

from coresponse.audit.verify import DEFAULT_BATCH_SIZE, verify_chain

audit_cli = AppGroup("audit", help="Check the append-only, hash-chained audit trail.")


def _hash_option(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[0-9a-f]{64}", value.lower()):
        raise click.BadParameter("an event hash is 64 hexadecimal characters")
    return value.lower() if value else None


@audit_cli.command("verify")
@click.option("--batch-size", default=DEFAULT_BATCH_SIZE, show_default=True,
              type=click.IntRange(1, 1_000_000), help="Rows read per query.")  # fmt: skip
@click.option("--anchor", callback=_hash_option, metavar="HASH",
              help="A last hash printed by an earlier run: fail if that event is gone.")  # fmt: skip
def verify_command(batch_size: int, anchor: str | None) -> None:
    """Check every event's hash and its link to the event before it.

    Exits 0 when the trail is intact, 1 naming the first altered, missing or inserted event.
    """
    result = verify_chain(batch_size=batch_size, anchor=anchor)
    problem = result.problem
    if problem is None:
        click.echo(f"Audit trail intact: {result.checked} events, last hash {result.last_hash}")
        return
    click.echo(f"Audit trail BROKEN: {problem.message}.", err=True)
    click.echo(
        f"{result.checked} events checked out before that "
        f"(the last good hash is {result.last_hash}).",
        err=True,
    )
    raise SystemExit(1)

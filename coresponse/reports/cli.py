"""`flask reports rebuild [--check]`: the outcome tallies, recomputed or checked."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from coresponse.extensions import db
from coresponse.reports import tallies

reports_cli = AppGroup("reports", help="The outcome reports' tallies.")


@reports_cli.command("rebuild")
@click.option(
    "--check", is_flag=True,
    help="Change nothing: compare the tallies with the records and exit 1 on a difference.",
)  # fmt: skip
def rebuild_command(check: bool) -> None:
    """Recompute every tally cell from the records, in one transaction (reports read
    the old cells until it commits)."""
    if check:
        differences = tallies.differences()
        db.session.rollback()
        if not differences:
            click.echo("The tallies match the records.")
            return
        for cell, (stored, records) in sorted(differences.items(), key=str)[:20]:
            click.echo(f"{' / '.join(map(str, cell))}: tallied {stored}, records {records}")
        click.echo(
            f"{len(differences)} cells differ; `flask reports rebuild` mends them.", err=True
        )
        raise SystemExit(1)
    cells = tallies.rebuild()
    db.session.commit()
    click.echo(f"Rebuilt the outcome tallies: {cells:,} day cells.")

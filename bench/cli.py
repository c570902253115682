"""`flask bench-data`: fill an empty database with a city-sized program for benchmarks."""

from __future__ import annotations

import click
from flask import current_app

from bench import dataset
from coresponse.errors import DomainError
from coresponse.extensions import db


@click.command("bench-data")
@click.option(
    "--people",
    default=dataset.DEFAULT_PEOPLE,
    show_default=True,
    type=click.IntRange(dataset.MIN_PEOPLE, 2_000_000),
    help="How many people.",
)
@click.option(
    "--contacts",
    default=dataset.DEFAULT_CONTACTS,
    show_default=True,
    type=click.IntRange(0, 50_000_000),
    help="How many outreach contacts in all (at least what the demo part makes).",
)
@click.option("--seed", default=2016, show_default=True, type=int, help="Random seed.")
@click.option("--password", default=None, help="Password for every login (default: the demo's).")
def bench_data_command(people, contacts, seed, password):  # type: ignore[no-untyped-def]
    """Fill an empty, migrated database with large deterministic data (demo logins included)."""
    password = password or current_app.config["DEMO_PASSWORD"]
    try:
        summary = dataset.generate(
            people=people,
            contacts=contacts,
            seed=seed,
            password=password,
            progress=lambda line: click.echo(line),
        )
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(summary.text())
    click.echo(f"Log in as supervisor, clinician, officer... with the password {password}")

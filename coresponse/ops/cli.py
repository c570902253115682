"""`flask backup PATH`: a consistent copy of the SQLite database while the app runs."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from flask.cli import with_appcontext

from coresponse.extensions import db

PG_ADVICE = (
    "This deployment uses PostgreSQL; `flask backup` copies SQLite databases only. "
    "Use PostgreSQL's own tools, e.g. `pg_dump --format=custom --file=coresponse.dump "
    '"$DATABASE_URL"` for a nightly copy, or pg_basebackup with WAL archiving for '
    "point-in-time recovery (see Operations in the README)."
)


def sqlite_path() -> Path:
    """The database file the app uses, or a ClickException saying why there is none."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(PG_ADVICE)
    if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        raise click.ClickException("This SQLite database is not a file on disk; nothing to copy.")
    path = Path(url.database)
    if not path.is_file():
        raise click.ClickException(f"There is no database file at {path}.")
    return path


def backup_sqlite(
    source: Path,
    target: Path,
    *,
    pages: int = 4096,
    progress: Callable[[int, int, int], object] | None = None,
) -> str:
    """Copy `source` into a new file `target` with SQLite's online backup API.

    Writers may keep writing: the copy is one consistent snapshot (SQLite restarts the
    copy if a page changes under it). The copy is written beside `target` and renamed
    into place only once `PRAGMA integrity_check` passes. Returns that check's answer.
    """
    handle, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial", dir=target.parent
    )
    os.close(handle)
    try:
        # Read-only: a backup must never be the thing that changes production.
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(temporary)
        try:
            src.execute("PRAGMA busy_timeout=10000")
            src.backup(dst, pages=pages, progress=progress, sleep=0)
            # One self-contained file: no -wal file needed beside it.
            dst.execute("PRAGMA journal_mode=DELETE")
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if check != "ok":
            raise click.ClickException(f"The copy failed its integrity check: {check}")
        os.replace(temporary, target)
        return check
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@click.option(
    "--pages",
    default=4096,
    show_default=True,
    type=int,
    help="Database pages copied per step (0: all in one step, holding a read snapshot).",
)
@with_appcontext
def backup_command(path: Path, force: bool, pages: int) -> None:
    """Copy the SQLite database to PATH while the app keeps running."""
    source = sqlite_path()
    target = path.expanduser()
    if target.exists() and target.resolve() == source.resolve():
        raise click.ClickException("PATH is the live database itself; choose another file.")
    if target.exists() and not force:
        raise click.ClickException(f"{target} already exists. Use --force to replace it.")
    if not target.parent.is_dir():
        raise click.ClickException(f"The folder {target.parent} does not exist.")

    shown = {"percent": -1}

    def progress(_status: int, remaining: int, total: int) -> None:
        percent = 100 if total == 0 else int(100 * (total - remaining) / total)
        # A line per 10% (and the last), so a big database shows it is moving.
        if percent >= shown["percent"] + 10 or remaining == 0:
            shown["percent"] = percent
            click.echo(f"Copied {total - remaining} of {total} pages ({percent}%)")

    click.echo(f"Backing up {source} to {target} …")
    check = backup_sqlite(source, target, pages=pages, progress=progress)
    size = target.stat().st_size
    click.echo(f"Backup complete: {target} ({size:,} bytes); integrity check: {check}.")

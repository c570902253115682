"""Operations: `flask backup PATH`, a consistent copy of the SQLite database while the app
runs; and `flask geo ...`, the police precinct boundaries (import a newer file, write the
map's simplified copy)."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from coresponse.extensions import db
from coresponse.geo import services as geo_services
from coresponse.geo.precincts import (
    BoundaryFileError,
    PrecinctIndex,
    current_index,
    read_boundary_file,
    write_map_file,
)
from coresponse.people import services as people_services
from coresponse.teams import services as team_services

PG_ADVICE = (
    "This deployment uses PostgreSQL; `flask backup` copies SQLite databases only. "
    "Use PostgreSQL's own tools, e.g. `pg_dump --format=custom --file=coresponse.dump "
    '"$DATABASE_URL"` for a nightly copy, or pg_basebackup with WAL archiving for '
    "point-in-time recovery (see Backups in docs/operations.md)."
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


# --- Precinct boundaries ---------------------------------------------------------------

geo_cli = AppGroup(
    "geo", help="Police precinct boundaries: import a newer file, write the map's copy."
)

# Where the maps load the simplified boundaries from (/static/geo/precincts.geojson).
MAP_FILE = Path("geo") / "precincts.geojson"


def _map_path(output: Path | None) -> Path:
    return output if output is not None else Path(current_app.static_folder or "static") / MAP_FILE


@geo_cli.command("import-precincts")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--map-output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Where to write the map's simplified copy (default: static/geo/precincts.geojson).",
)  # fmt: skip
def import_precincts_command(file: Path, map_output: Path | None) -> None:
    """Load newer precinct boundaries from FILE (GeoJSON, a `precinct` property per feature).

    From then on they decide every point's precinct instead of the boundaries shipped with
    the code; every address and team base already placed gets the precinct its point is in
    now, and the map's simplified copy is written again.
    """
    try:
        shapes = read_boundary_file(file)
    except BoundaryFileError as error:
        raise click.ClickException(f"Nothing imported. {error.message}") from None
    index = geo_services.import_precinct_boundaries(shapes, source=file.name)
    moved = people_services.rederive_address_areas(index)
    bases = team_services.rederive_base_areas(index)
    db.session.commit()
    click.echo(f"Imported {len(shapes)} precincts from {file.name}; they are used from now on.")
    click.echo(f"Addresses whose precinct changed: {moved}. Team bases: {bases}.")
    _write_map(index, _map_path(map_output))


@geo_cli.command("simplify-precincts")
@click.option(
    "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="Where to write it (default: static/geo/precincts.geojson).",
)  # fmt: skip
def simplify_precincts_command(output: Path | None) -> None:
    """Write the map's simplified copy of the boundaries in force (the imported ones, else
    those shipped with the code)."""
    _write_map(current_index(), _map_path(output))


def _write_map(index: PrecinctIndex, path: Path) -> None:
    try:
        size = write_map_file(index, path)
    except OSError as error:
        raise click.ClickException(
            f"Could not write the map's copy to {path}: {error.strerror or error}. "
            "Run `flask geo simplify-precincts --output FILE` where it can be written."
        ) from None
    click.echo(f"Map copy written: {path} ({size:,} bytes, {len(index.shapes)} precincts).")

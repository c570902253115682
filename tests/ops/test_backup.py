"""`flask backup PATH`: a consistent, checked copy of the SQLite database while it is written."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from coresponse.extensions import db
from tests.factories import make_person


@pytest.fixture
def live(app: Flask, make_app: Callable[..., Flask], tmp_path: Path):  # type: ignore[no-untyped-def]
    """A SQLite app (whatever database the suite runs on) with a person in it."""
    sqlite_app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    with sqlite_app.app_context():
        db.create_all()
        make_person(first_name="Backed", last_name="Up")
        db.session.commit()
        yield sqlite_app, tmp_path / "live.db"
        db.session.remove()


def _count(path: Path, sql: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchone()[0]


def test_backup_copies_the_database_with_progress_and_a_passing_check(live, tmp_path) -> None:
    sqlite_app, _ = live
    target = tmp_path / "copy.db"
    result = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "pages (100%)" in result.output
    assert "integrity check: ok" in result.output
    assert _count(target, "SELECT count(*) FROM person WHERE first_name = 'Backed'") == 1
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_backup_refuses_to_overwrite_unless_forced(live, tmp_path) -> None:
    sqlite_app, _ = live
    target = tmp_path / "copy.db"
    target.write_text("an older backup")
    refused = sqlite_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert refused.exit_code != 0
    assert "already exists. Use --force" in refused.output
    assert target.read_text() == "an older backup"
    forced = sqlite_app.test_cli_runner().invoke(args=["backup", "--force", str(target)])
    assert forced.exit_code == 0, forced.output
    assert _count(target, "SELECT count(*) FROM person") == 1


def test_backup_refuses_the_live_file_itself(live) -> None:
    sqlite_app, source = live
    result = sqlite_app.test_cli_runner().invoke(args=["backup", "--force", str(source)])
    assert result.exit_code != 0 and "live database itself" in result.output


def test_backup_while_another_connection_writes_is_a_consistent_snapshot(live, tmp_path) -> None:
    sqlite_app, source = live
    with sqlite3.connect(source) as conn:
        conn.execute("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body TEXT)")
        conn.executemany("INSERT INTO scratch (body) VALUES (?)", [("x" * 500,)] * 2000)
    stop = threading.Event()
    written = {"rows": 0}

    def writer() -> None:
        conn = sqlite3.connect(source, timeout=10)
        conn.execute("PRAGMA journal_mode=WAL")
        while not stop.is_set():
            # Each transaction writes a pair; a consistent copy never holds half a pair.
            with conn:
                conn.execute("INSERT INTO scratch (body) VALUES ('pair')")
                conn.execute("INSERT INTO scratch (body) VALUES ('pair')")
            written["rows"] += 2
        conn.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        target = tmp_path / "during.db"
        result = sqlite_app.test_cli_runner().invoke(args=["backup", "--pages", "8", str(target)])
    finally:
        stop.set()
        thread.join()
    assert result.exit_code == 0, result.output
    assert written["rows"] > 0
    with sqlite3.connect(target) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        pairs = conn.execute("SELECT count(*) FROM scratch WHERE body = 'pair'").fetchone()[0]
    assert pairs % 2 == 0
    assert _count(target, "SELECT count(*) FROM scratch WHERE body != 'pair'") == 2000


def test_backup_on_postgresql_points_to_pg_dump(
    app: Flask, make_app: Callable[..., Flask], tmp_path: Path
) -> None:
    target = tmp_path / "never-written.db"
    pg_app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    with pg_app.app_context():
        result = pg_app.test_cli_runner().invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not target.exists()

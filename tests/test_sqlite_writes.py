"""SQLite writers take turns on `<database>-writers` (coresponse/sqlite_writes.py)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from coresponse.sqlite_writes import TurnTakingConnection, engine_options


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "turns.db"


def _engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", **engine_options({}))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
    return engine


def _turn_is_free(path: Path) -> bool:
    fd = os.open(f"{path}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.mark.parametrize("end", ["commit", "rollback"])
def test_a_writer_holds_the_turn_until_its_transaction_ends(database: Path, end: str) -> None:
    engine = _engine(database)
    with engine.connect() as conn:
        assert isinstance(conn.connection.dbapi_connection, TurnTakingConnection)
        conn.execute(text("SELECT count(*) FROM t")).scalar()
        assert _turn_is_free(database), "reading does not take the turn"
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert not _turn_is_free(database)
        getattr(conn, end)()
        assert _turn_is_free(database)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM t")).scalar()
    assert stored == (1 if end == "commit" else 0)


def test_concurrent_writers_all_store_their_rows(database: Path) -> None:
    engine = _engine(database)
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(50):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": worker * 100 + n})
        except BaseException as error:  # reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT n) FROM t")).scalar() == 300
    assert _turn_is_free(database)


def test_a_thread_holding_the_turn_is_not_blocked_by_it_on_another_connection(
    database: Path,
) -> None:
    """A side transaction of the same thread: SQLite's own lock decides, as it always did
    (here: "database is locked" after its busy timeout), instead of waiting forever."""
    engine = _engine(database)
    first, second = engine.connect(), engine.connect()
    second.exec_driver_sql("PRAGMA busy_timeout=100")
    try:
        first.execute(text("INSERT INTO t VALUES (1)"))
        started = time.monotonic()
        with pytest.raises(Exception, match="locked"):
            second.execute(text("INSERT INTO t VALUES (2)"))
        assert time.monotonic() - started < 3
    finally:
        second.rollback()
        first.rollback()
        first.close()
        second.close()


def test_a_turn_held_elsewhere_is_waited_for_no_longer_than_the_busy_timeout(
    database: Path,
) -> None:
    engine = _engine(database)
    fd = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)  # e.g. a stuck process that holds the file, not the database
    try:
        with engine.connect() as conn:
            conn.connection.dbapi_connection.busy_timeout_seconds = 0.2
            started = time.monotonic()
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.commit()
            waited = time.monotonic() - started
        assert 0.15 < waited < 3
    finally:
        os.close(fd)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 1


def test_in_memory_databases_have_no_lock_file(tmp_path: Path) -> None:
    engine = create_engine("sqlite://", **engine_options({}))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
    assert not list(tmp_path.iterdir())

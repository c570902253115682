"""SQLite: writers take turns on a lock file instead of in SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the write lock
taken retries on a fixed schedule of sleeps (1, 2, 5, 10, 15 ms, ...), so under a
burst of saves (several gunicorn workers, each with threads) a writer often sleeps
for milliseconds after the lock has long been free, and the CPU sits idle meanwhile.

Here each connection, before its first write of a transaction, takes an exclusive
flock on `<database>-writers` and releases it once the transaction has committed or
rolled back. Waiting writers poll that lock every 0.2 ms, so the next one starts at
most that long after the last one finished. SQLite's own locking is unchanged and
still decides: a writer that cannot get its turn within the busy timeout (say, a
command-line tool writing without this class) goes ahead and leaves it to SQLite,
exactly as before. A thread that already holds the turn on one connection (a short
side transaction during a request) does not wait for it on another.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

# Threads (by ident) holding the turn on some connection of this process.
_holders: set[int] = set()
_POLL_SECONDS = 0.0002
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLAC")


class TurnTakingConnection(sqlite3.Connection):
    """A sqlite3 connection that waits its turn (see the module) before writing."""

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        path = os.fspath(database) if not isinstance(database, bytes) else database.decode()
        # In-memory databases have no file to put a lock beside, and a "file:" URI may
        # not name one either: those keep SQLite's own waiting alone.
        plain_file = path not in ("", ":memory:") and not path.startswith("file:")
        self._lock_path = f"{path}-writers" if plain_file else None
        self._lock_fd: int | None = None
        self._holder: int | None = None

    # Set from SQLITE_BUSY_TIMEOUT_MS when the connection is configured.
    busy_timeout_seconds = 5.0

    def take_write_turn(self) -> None:
        """Wait (up to the busy timeout) until no other connection is writing."""
        me = threading.get_ident()
        if self._lock_path is None or self._holder is not None or me in _holders:
            return
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + self.busy_timeout_seconds
        while True:
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return
                time.sleep(_POLL_SECONDS)
        self._holder = me
        _holders.add(me)

    def _end_turn(self) -> None:
        if self._holder is not None and self._lock_fd is not None:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
            _holders.discard(self._holder)
            self._holder = None

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            self._end_turn()
            if self._lock_fd is not None:
                os.close(self._lock_fd)
                self._lock_fd = None
        finally:
            super().close()

    def __del__(self) -> None:
        # A connection dropped without close() must not keep the turn (closing the
        # file releases its flock).
        fd, self._lock_fd = getattr(self, "_lock_fd", None), None
        if fd is not None:
            _holders.discard(getattr(self, "_holder", None))
            os.close(fd)


@event.listens_for(Engine, "before_cursor_execute")
def _wait_turn_before_writing(
    conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, _many: bool
) -> None:
    dbapi = conn.connection.dbapi_connection
    if isinstance(dbapi, TurnTakingConnection) and statement.lstrip()[:6].upper() in _WRITES:
        dbapi.take_write_turn()


def engine_options(options: dict[str, Any]) -> dict[str, Any]:
    """SQLALCHEMY_ENGINE_OPTIONS for a SQLite database, with connections of this class."""
    connect_args = {**options.get("connect_args", {}), "factory": TurnTakingConnection}
    return {**options, "connect_args": connect_args}

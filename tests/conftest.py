"""Fixtures: a fresh database per test (SQLite file, or PostgreSQL via DATABASE_URL).

Under pytest-xdist each worker gets its own PostgreSQL database (the named one, suffixed
with the worker's id); SQLite files live in each test's own tmp_path already.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, make_url, text

from config import database_url
from coresponse import create_app
from coresponse.auth.models import User
from coresponse.extensions import db
from coresponse.reports import tallies
from tests import fake_clock
from tests.factories import PASSWORD

# Set by pytest-xdist in each worker before this module is imported ("gw0", "gw1", ...).
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _worker_database(url: str) -> str:
    """The database this process uses: the named one, or a worker's own copy of its name."""
    if not _WORKER:
        return url
    parsed = make_url(url)
    return parsed.set(database=f"{parsed.database}_{_WORKER}").render_as_string(hide_password=False)


POSTGRES_URL = _worker_database(database_url("")) if os.environ.get("DATABASE_URL") else None
_LOCAL_HOSTS = {"127.0.0.1", "::1", "localhost"}
_TRAVEL = pytest.StashKey[object]()


def pytest_configure(config: pytest.Config) -> None:
    """With CORESPONSE_TEST_NOW set, move every clock of this process to that instant."""
    value = os.environ.get(fake_clock.VARIABLE)
    if not value:
        return
    import time_machine

    try:
        instant = fake_clock.parse(value, now=datetime.now(UTC))
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    # xdist's workers inherit the environment: they all start at this one instant,
    # even when "23:30" is read just before and just after the minute turns.
    os.environ[fake_clock.VARIABLE] = instant.isoformat()
    travel = time_machine.travel(instant, tick=True)
    travel.start()
    config.stash[_TRAVEL] = travel


def pytest_unconfigure(config: pytest.Config) -> None:
    travel = config.stash.get(_TRAVEL, None)
    if travel is not None:
        travel.stop()  # type: ignore[attr-defined]


def pytest_report_header(config: pytest.Config) -> str:
    started = datetime.now(UTC)
    how = f"faked by {fake_clock.VARIABLE}" if _TRAVEL in config.stash else "real"
    database = "PostgreSQL" if POSTGRES_URL else "SQLite"
    return f"clock: {how}, starting {fake_clock.describe(started)}; database: {database}"


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection to a host other than this machine fails the test loudly."""
    real_connect = socket.socket.connect

    def guarded_connect(sock: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in _LOCAL_HOSTS:
            raise RuntimeError(f"Tests must not use the network (tried {address!r})")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(scope="session")
def _postgres_schema() -> Iterator[None]:
    """On PostgreSQL: build the schema once; tests empty the tables afterwards."""
    if POSTGRES_URL is None:
        yield
        return
    worker_db = make_url(POSTGRES_URL).database if _WORKER else None
    if worker_db:
        _on_server(
            f'DROP DATABASE IF EXISTS "{worker_db}" WITH (FORCE)', f'CREATE DATABASE "{worker_db}"'
        )
    app = create_app("test", SQLALCHEMY_DATABASE_URI=POSTGRES_URL)
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()
    yield
    if worker_db:
        _on_server(f'DROP DATABASE IF EXISTS "{worker_db}" WITH (FORCE)')


def _on_server(*statements: str) -> None:
    """Run statements on the PostgreSQL server's maintenance database, outside a
    transaction (CREATE and DROP DATABASE cannot run inside one)."""
    admin = create_engine(
        make_url(POSTGRES_URL or "").set(database="postgres"), isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        admin.dispose()


def _empty_postgres() -> None:
    tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    # The audit trigger refuses TRUNCATE unless the transaction says otherwise; only the
    # test suite ever does (production roles also lack the privilege: see docs/security.md).
    db.session.execute(text("SET LOCAL coresponse.allow_audit_truncate = 'on'"))
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


class IsolatedClient(FlaskClient):
    """A test client whose requests get their own database session, as in production.

    The test's own session is committed first (so the request sees the test's data)
    and expired afterwards (so the test sees what the request changed). Without
    this the request would share the test's identity map and hide N+1 queries.
    """

    def open(self, *args: object, **kwargs: object):  # type: ignore[no-untyped-def,override]
        db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def make_app(tmp_path: Path, _postgres_schema: None) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; used when a test needs two (e.g. CSRF on)."""
    apps: list[Flask] = []
    sqlite_url = f"sqlite:///{tmp_path / 'test.db'}"

    def factory(**overrides: object) -> Flask:
        overrides.setdefault("SQLALCHEMY_DATABASE_URI", POSTGRES_URL or sqlite_url)
        app = create_app("test", **overrides)
        app.test_client_class = IsolatedClient
        if not apps and POSTGRES_URL is None:
            with app.app_context():
                db.create_all()
        apps.append(app)
        return app

    yield factory
    for index, app in enumerate(apps):
        with app.app_context():
            db.session.remove()
            if index == 0:
                _check_tallies()
            if index == 0 and POSTGRES_URL is not None:
                _empty_postgres()
            db.engine.dispose()


def _check_tallies() -> None:
    """After every test, the outcome tallies must be what the records give: whatever
    the test did through services, requests or its own records (reports/tallies.py)."""
    try:
        drift = tallies.differences()
    finally:
        db.session.remove()
    if drift:
        cells = "; ".join(
            f"{cell}: tallied {a}, records {b}" for cell, (a, b) in list(drift.items())[:5]
        )
        pytest.fail(f"{len(drift)} outcome tally cells drifted from the records: {cells}")


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app with a fresh, empty database; an app context is pushed."""
    app = make_app()
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def login(client: FlaskClient) -> Callable[..., FlaskClient]:
    """Log a user in through the real login form."""

    def do_login(user: User, password: str = PASSWORD) -> FlaskClient:
        db.session.commit()
        response = client.post("/login", data={"username": user.username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do_login


@contextmanager
def on_each_statement(see: Callable[[str, Any, bool], None]) -> Iterator[None]:
    """Inside the block, call see(statement, parameters, executemany) before each SQL
    statement the app's engine sends to the driver (it may raise, to fail the statement)."""

    def before_execute(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        see(statement, parameters, executemany)

    event.listen(db.engine, "before_cursor_execute", before_execute)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", before_execute)


@contextmanager
def count_statements() -> Iterator[list[str]]:
    """Collect the SQL statements run inside the block."""
    statements: list[str] = []
    with on_each_statement(lambda statement, _parameters, _many: statements.append(statement)):
        yield statements


@pytest.fixture
def statements() -> Callable[[], object]:
    return count_statements


@pytest.fixture
def empty_database_url(tmp_path: Path) -> Iterator[str]:
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if POSTGRES_URL is None:
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    name = f"coresponse_empty_{uuid.uuid4().hex[:12]}"
    _on_server(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _on_server(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

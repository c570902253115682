"""CoResponse: case management and dispatch for police–clinician co-response teams."""

from __future__ import annotations

import gc
import importlib
import logging
import sqlite3
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import load_config
from coresponse.db_types import MAX_ID

ROOT = Path(__file__).resolve().parent.parent


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` that 404s for ids too large for the database, instead of a 500."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """Build the application: config, extensions, blueprints, errors, CLI."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    app.url_map.converters["int"] = BoundedIntConverter
    app.config.from_object(load_config(config_name))
    app.config.update(overrides)
    if str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        from coresponse.sqlite_writes import engine_options

        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
            app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
        )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    proxies = int(app.config.get("TRUSTED_PROXIES", 0))
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]  # Flask's documented way to wrap its WSGI app

    # Every table is mapped before any view module builds queries at import time.
    from coresponse import models  # noqa: F401
    from coresponse.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    # The outcome tallies follow every flush (reports/tallies.py).
    from coresponse.reports import tallies

    tallies.follow(db.session)

    from coresponse import (
        api,
        audit,
        auth,
        casefile,
        cases,
        consent,
        contacts,
        dashboard,
        deidentified,
        errors_web,
        health,
        linkages,
        locking,
        offline,
        people,
        referrals,
        reminders,
        reports,
        security,
        teams,
        templating,
        training,
        unit_of_work,
    )
    from coresponse.cli import register_cli
    from coresponse.ops.cli import backup_command, geo_cli

    # Blueprints' routes live in their views modules; importing them attaches the routes.
    for name in (
        "auth",
        "dashboard",
        "teams",
        "contacts",
        "linkages",
        "people",
        "referrals",
        "reports",
        "cases",
        "casefile",
        "consent",
        "audit",
        "deidentified",
        "api",
        "offline",
        "health",
        "reminders",
        "training",
    ):
        importlib.import_module(f"coresponse.{name}.views")

    auth.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(teams.bp)
    app.register_blueprint(contacts.bp)
    app.register_blueprint(linkages.bp)
    app.register_blueprint(people.bp)
    app.register_blueprint(referrals.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(casefile.bp)
    app.register_blueprint(consent.bp)
    app.register_blueprint(audit.bp)
    app.register_blueprint(deidentified.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(api.tokens_bp)
    app.register_blueprint(offline.bp)
    app.register_blueprint(health.bp)
    app.register_blueprint(reminders.bp)
    app.register_blueprint(training.bp)
    errors_web.init_app(app)
    # After the page error handlers: errors under /api/ answer problem details instead.
    api.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    register_cli(app)
    app.cli.add_command(backup_command)
    app.cli.add_command(geo_cli)
    # A save that lost a race (optimistic locking) is a 409 page or problem, never a 500.
    locking.init_app(app)
    # Last: each request commits or rolls back once its response is ready, before the
    # other after_request functions run (coresponse/unit_of_work.py).
    unit_of_work.init_app(app)

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO)
        # Everything built so far (modules, the URL map, mappers) lives as long as the
        # process: keep it out of the cyclic collector's sweeps, which otherwise walk it
        # again and again and stall whichever request triggers them.
        gc.freeze()
    return app


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection: foreign keys enforced, WAL journal, wait on locks."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    from flask import current_app, has_app_context

    timeout = 5000
    if has_app_context():
        timeout = int(current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", timeout))
    if hasattr(dbapi_connection, "busy_timeout_seconds"):  # sqlite_writes.TurnTakingConnection
        dbapi_connection.busy_timeout_seconds = timeout / 1000
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={timeout:d}")
    # In-memory databases cannot use WAL; they answer "memory" and that is fine.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()

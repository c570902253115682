"""Cross-cutting behaviour: configuration, the database connection, routing, errors."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from config import database_url, load_config
from coresponse import create_app
from coresponse.auth.models import Role
from coresponse.extensions import db
from tests.conftest import POSTGRES_URL
from tests.factories import make_user

# Endpoints anyone may reach without logging in.
# Field mode's service worker and manifest hold no data; browsers fetch the manifest
# without cookies, so both answer without a login.
PUBLIC_ENDPOINTS = {
    "auth.login",
    "static",
    "offline.service_worker",
    "offline.manifest",
    # Operations: load balancers check /healthz without logging in (tests/ops/test_health.py).
    "health.healthz",
}


def test_production_refuses_to_start_without_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        load_config("production")


def test_production_starts_with_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 64)
    config = load_config("production")
    assert config.SECRET_KEY == "x" * 64
    assert config.SESSION_COOKIE_SECURE is True


def test_unknown_environment_is_a_clear_error() -> None:
    with pytest.raises(RuntimeError, match="CORESPONSE_ENV must be one of"):
        load_config("staging")


def test_production_requires_two_factor_for_admins_and_supervisors_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    monkeypatch.delenv("CORESPONSE_TOTP_REQUIRED_ROLES", raising=False)
    assert load_config("production").TOTP_REQUIRED_ROLES == ["admin", "supervisor"]
    assert load_config("development").TOTP_REQUIRED_ROLES == []
    monkeypatch.setenv("CORESPONSE_TOTP_REQUIRED_ROLES", "")
    assert load_config("production").TOTP_REQUIRED_ROLES == []
    monkeypatch.setenv("CORESPONSE_TOTP_REQUIRED_ROLES", "admin, clinician")
    assert load_config("production").TOTP_REQUIRED_ROLES == ["admin", "clinician"]


def test_plain_postgres_urls_use_psycopg3(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/x")
    assert database_url("sqlite://") == "postgresql+psycopg://u@db/x"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db/x")
    assert database_url("sqlite://") == "postgresql+psycopg://u@db/x"
    monkeypatch.delenv("DATABASE_URL")
    assert database_url("sqlite://") == "sqlite://"


@pytest.mark.skipif(POSTGRES_URL is not None, reason="SQLite connection settings")
def test_sqlite_connections_enforce_foreign_keys_wal_and_busy_timeout(app: Flask) -> None:
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000


def test_every_endpoint_sends_anonymous_users_to_login(app: Flask) -> None:
    """Walks the URL map so a new page cannot forget @login_required."""
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS or rule.endpoint.startswith("api."):
            continue  # the JSON API answers 401 instead (tests/api)
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            assert response.status_code == 302, f"{method} {url}"
            assert response.location.startswith("/login"), f"{method} {url}"
            checked += 1
    assert checked >= 15


def test_every_template_compiles(app: Flask) -> None:
    names = app.jinja_env.list_templates()
    assert "base.html" in names
    for name in names:
        app.jinja_env.get_template(name)


def test_unknown_page_is_a_friendly_404(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_ids_too_large_for_the_database_are_404_not_500(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ADMIN))
    assert client.get("/teams/99999999999999999999999").status_code == 404
    assert client.get("/users/9223372036854775808/edit").status_code == 404
    assert client.get("/teams/-1").status_code == 404


def test_csrf_is_enforced_when_enabled(make_app) -> None:  # type: ignore[no-untyped-def]
    make_app()  # the first app creates the schema
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user(Role.ADMIN, username="admin")
        db.session.commit()
        response = app.test_client().post(
            "/login", data={"username": "admin", "password": "whatever it is"}
        )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)


def test_login_page_carries_a_csrf_token_when_enabled(make_app) -> None:  # type: ignore[no-untyped-def]
    make_app()
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        body = app.test_client().get("/login").get_data(as_text=True)
    assert 'name="csrf_token"' in body


def test_app_factory_uses_root_templates_and_static(app: Flask) -> None:
    assert app.template_folder.endswith("templates")
    assert app.static_folder.endswith("static")
    fresh = create_app("test")
    assert fresh.config["WTF_CSRF_ENABLED"] is False


def test_page_links_with_out_of_range_numbers_are_refused(app: Flask) -> None:
    from coresponse.pagination import BadCursor, decode_cursor, encode_cursor

    with pytest.raises(BadCursor):
        decode_cursor(encode_cursor([2**70]), 1)
    assert decode_cursor(encode_cursor(["x", 5]), 2) == ["x", 5]

"""Web hardening: headers on every page, CSRF, safe redirects, cookies."""

from __future__ import annotations

from flask import Flask

from coresponse.auth.models import Role
from coresponse.security import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD, make_user


def test_pages_carry_security_headers_and_are_never_cached(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    for url in ("/", "/teams/", "/login", "/no-such-page"):
        response = client.get(url)
        headers = response.headers
        assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
        assert headers["Cache-Control"] == "no-store", url
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # tests run on plain HTTP


def test_static_files_may_be_cached(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert response.headers.get("Cache-Control") != "no-store"
    response.close()


def test_production_sends_hsts_and_secure_cookies(make_app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    make_app()
    monkeypatch.setenv("SECRET_KEY", "s" * 64)
    from coresponse import create_app
    from tests.conftest import POSTGRES_URL

    app = create_app("production", SQLALCHEMY_DATABASE_URI=POSTGRES_URL or "sqlite://")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    with app.test_request_context():
        response = app.test_client().get("/login", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_templates_have_no_inline_scripts_or_styles(app: Flask) -> None:
    """The CSP forbids them; a template that used one would break in the browser."""
    import re
    from pathlib import Path

    for path in Path(app.template_folder).rglob("*.html"):
        text = path.read_text()
        # A data block (type="application/json", a map's data) is never run: allowed.
        assert not re.search(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))", text), path
        assert " style=" not in text and "<style" not in text, path
        assert not re.search(r"\son[a-z]+=", text), path  # onclick= and friends


def test_forwarded_addresses_are_trusted_only_behind_a_configured_proxy(make_app) -> None:  # type: ignore[no-untyped-def]
    from flask import request

    def address_seen(app) -> str:  # type: ignore[no-untyped-def]
        seen = []
        app.add_url_rule("/_addr", "addr", lambda: seen.append(request.remote_addr) or "ok")
        with app.app_context():
            app.test_client().get(
                "/_addr",
                environ_base={"REMOTE_ADDR": "10.0.0.1"},
                headers={"X-Forwarded-For": "203.0.113.9"},
            )
        return seen[0]

    assert address_seen(make_app()) == "10.0.0.1"  # no proxy configured: the header is ignored
    assert address_seen(make_app(TRUSTED_PROXIES=1)) == "203.0.113.9"


def test_nul_characters_in_input_are_refused_with_a_message(login) -> None:  # type: ignore[no-untyped-def]
    """PostgreSQL cannot store a NUL character: a field or parameter holding one is a 400
    that says so, never a 500, and nothing is saved (found by the fuzz test on PostgreSQL,
    through the API tokens form)."""
    from coresponse.auth.models import ApiToken
    from coresponse.extensions import db

    client = login(make_user(Role.CLINICIAN))
    saved = client.post("/account/api-tokens/", data={"name": "Tablet\x003", "password": PASSWORD})
    assert saved.status_code == 400
    assert "NUL character" in saved.get_data(as_text=True)
    assert db.session.query(ApiToken).count() == 0
    searched = client.get("/people/", query_string={"q": "riv\x00era"})
    assert searched.status_code == 400
    assert "NUL character" in searched.get_data(as_text=True)
    problem = client.get("/api/v1/cases", query_string={"after": "\x00"})
    assert problem.status_code == 400
    assert problem.content_type.startswith("application/problem+json")


def test_a_form_over_the_size_limit_is_a_413_page_and_nothing_is_saved(login) -> None:  # type: ignore[no-untyped-def]
    """A request body over MAX_CONTENT_LENGTH (1 MiB by default) is refused before it is
    parsed (the review had a 60 MB body read in full)."""
    from coresponse.auth.models import ApiToken
    from coresponse.extensions import db

    client = login(make_user(Role.CLINICIAN))
    response = client.post("/account/api-tokens/", data={"name": "x" * 1024 * 1024})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Too large" in page and "1 MiB" in page
    assert db.session.query(ApiToken).count() == 0


def test_every_form_checks_its_text_with_the_shared_rule(app: Flask) -> None:
    """Each form inherits form_helpers.Form, so a new form cannot forget to refuse control
    characters (the contact form's own test shows what a user then sees)."""
    from flask_wtf import FlaskForm

    from coresponse.form_helpers import Form

    def subclasses(cls: type) -> list[type]:
        return [cls, *(sub for child in cls.__subclasses__() for sub in subclasses(child))]

    forms = [f for f in subclasses(FlaskForm) if f.__module__.startswith("coresponse.")]
    assert len(forms) > 30  # every domain's forms were imported with the app
    assert [f.__qualname__ for f in forms if not issubclass(f, Form)] == []

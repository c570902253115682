"""/healthz: answers load balancers without a login, a session or an audit row."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select

from coresponse.audit.models import AuditEvent
from coresponse.extensions import db


def test_healthz_says_ok_when_the_database_answers(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers  # no session is started
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_healthz_is_503_when_the_database_cannot_be_reached(
    app: Flask, make_app: Callable[..., Flask], tmp_path
) -> None:
    broken = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/no/such/folder/x.db")
    with broken.app_context():
        response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unreachable"}

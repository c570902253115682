"""The health check: no login, no session, no personal data, no audit, never cached."""

from __future__ import annotations

from flask import current_app, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from coresponse.extensions import db
from coresponse.health import bp
from coresponse.privacy.routes import public


@bp.route("/healthz")
@public
def healthz() -> ResponseReturnValue:
    """200 when a trivial query answers, 503 when the database cannot be reached."""
    try:
        db.session.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        db.session.rollback()
        current_app.logger.warning("Health check: the database did not answer", exc_info=True)
        response, status = jsonify(status="error", database="unreachable"), 503
    else:
        db.session.rollback()  # nothing to keep: end the read transaction at once
        response, status = jsonify(status="ok", database="ok"), 200
    response.headers["Cache-Control"] = "no-store"
    return response, status

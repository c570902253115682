"""JSON API v1 (`/api/v1`) and the settings page where users manage their API tokens."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# The HTML page for a user's own tokens lives beside the account pages, not under /api/.
tokens_bp = Blueprint("api_tokens", __name__, url_prefix="/account/api-tokens")


def init_app(app: Flask) -> None:
    """Problem-details errors under /api/, CSRF handled by the API itself, the CLI."""
    from coresponse.api import cli, problems
    from coresponse.extensions import csrf

    # Token calls are exempt from CSRF; session writes are checked in api.auth.
    csrf.exempt(bp)
    problems.init_app(app)
    cli.register(app)

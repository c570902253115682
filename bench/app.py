"""The app the benchmark serves and fills: CoResponse plus the floor and `flask bench-data`.

    FLASK_APP=bench.app flask bench-data --people N --contacts M
    gunicorn 'bench.app:create_app()'

Both additions exist only to be measured against or measured with, so the product's
own factory (coresponse.create_app) never registers them.
"""

from __future__ import annotations

import gc
from typing import Any

from flask import Flask

from bench.cli import bench_data_command
from bench.floor import bp as floor_bp
from coresponse import create_app as create_coresponse_app


def create_app(config_name: str | None = None, **overrides: Any) -> Flask:
    """CoResponse as configured, with the floor route and the `bench-data` command."""
    app = create_coresponse_app(config_name, **overrides)
    # Error handlers, security headers and the rest are app-wide, so the floor goes
    # through them like every page, though it is registered after the product's.
    app.register_blueprint(floor_bp)
    app.cli.add_command(bench_data_command)
    if not app.debug and not app.testing:
        gc.freeze()  # as create_app does, now that the floor is built too
    return app

"""The benchmark's app (bench/app.py): the product plus the floor and `flask bench-data`."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from bench.app import create_app as create_bench_app
from coresponse.extensions import db
from tests.factories import make_team


def test_the_bench_app_serves_the_floor_and_has_bench_data(
    make_app: Callable[..., Flask],
) -> None:
    product = make_app()  # creates the test database's tables
    app = create_bench_app(
        "test", SQLALCHEMY_DATABASE_URI=product.config["SQLALCHEMY_DATABASE_URI"]
    )
    try:
        assert "bench-data" in app.cli.commands
        with app.app_context():
            team = make_team(name="Floor Team")
            db.session.commit()
            client = app.test_client()
            page = client.get(f"/_bench/floor/{team.id}")
            assert page.status_code == 200
            assert "Floor Team" in page.get_data(as_text=True)
            assert page.headers["X-Content-Type-Options"] == "nosniff"  # app-wide headers too
            assert client.get(f"/_bench/floor/{team.id + 1}").status_code == 404
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_product_app_has_neither(app: Flask) -> None:
    assert not [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/_bench")]
    assert "bench-data" not in app.cli.commands
    assert app.test_client().get("/_bench/floor/1").status_code == 404

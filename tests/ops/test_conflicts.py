"""A save that loses a race inside the ORM (StaleDataError) is a 409, never a 500."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm.exc import StaleDataError


def _lose_the_race() -> str:
    raise StaleDataError(
        "UPDATE statement on table 'person' expected to update 1 row(s); 0 were matched."
    )


def test_stale_data_on_a_page_is_a_409_conflict_page(app: Flask) -> None:
    app.add_url_rule("/_test/race", view_func=_lose_the_race, methods=["POST"])
    response = app.test_client().post(
        "/_test/race", headers={"Referer": "http://localhost/people/7/edit"}
    )
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this record" in html
    assert "Nothing you entered was saved" in html
    assert 'href="http://localhost/people/7/edit"' in html


def test_stale_data_under_the_api_is_a_409_problem(app: Flask) -> None:
    app.add_url_rule("/api/v1/_test/race", view_func=_lose_the_race, methods=["POST"])
    response = app.test_client().post("/api/v1/_test/race")
    assert response.status_code == 409
    assert response.content_type == "application/problem+json"
    assert response.get_json()["status"] == 409


def test_a_foreign_referrer_is_not_offered_as_the_way_back(app: Flask) -> None:
    app.add_url_rule("/_test/race", view_func=_lose_the_race, methods=["POST"])
    response = app.test_client().post("/_test/race", headers={"Referer": "https://evil.example/x"})
    assert response.status_code == 409
    assert "evil.example" not in response.get_data(as_text=True)

"""A session whose account has a step left to do gets a JSON problem from the API, not a redirect."""

from __future__ import annotations

from flask import Flask

from coresponse.extensions import db
from tests.api.conftest import World


def test_password_change_pending_is_a_problem_not_a_redirect(
    app: Flask, world: World, login
) -> None:  # type: ignore[no-untyped-def]
    client = login(world.clinician)
    world.clinician.must_change_password = True
    db.session.commit()

    response = client.get("/api/v1/cases")

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "Change your password" in response.get_json()["detail"]
    # Pages still send the person to the form.
    assert client.get("/").status_code == 302

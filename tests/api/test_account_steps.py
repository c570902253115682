"""An account with a step left to do (a new password, a required second factor) gets a
JSON problem from the API, not a redirect, whether it calls with a session or a token."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.auth import services as auth_services
from coresponse.auth.queries import pending_access_request
from coresponse.auth.tokens import TokenError
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


def test_a_token_of_someone_who_must_change_their_password_is_refused(
    app: Flask, world: World, api
) -> None:  # type: ignore[no-untyped-def]
    client = api(world.clinician)  # e.g. made with `flask tokens create` for a new account
    world.clinician.must_change_password = True
    db.session.commit()

    response = client.get("/api/v1/cases")

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "Change your password" in response.get_json()["detail"]


def test_a_token_is_refused_until_a_required_second_factor_is_set_up(
    app: Flask, world: World, api, enrol
) -> None:  # type: ignore[no-untyped-def]
    app.config["TOTP_REQUIRED_ROLES"] = ["officer"]
    client = api(world.officer)

    response = client.get("/api/v1/me")

    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    assert "Set up two-factor login" in response.get_json()["detail"]
    # Roles free to choose are not affected; once set up, the same token works.
    assert api(world.clinician).get("/api/v1/me").status_code == 200
    enrol(world.officer)
    assert client.get("/api/v1/me").status_code == 200


def test_an_administrators_password_reset_stops_the_users_tokens(
    app: Flask, world: World, api
) -> None:  # type: ignore[no-untyped-def]
    client = api(world.officer)
    assert client.get("/api/v1/me").status_code == 200
    auth_services.reset_password(world.officer, "a brand new passphrase 42", by=world.admin)
    db.session.commit()

    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    # Held until a police supervisor approves the reset (four eyes): no new token either.
    with pytest.raises(TokenError, match="held after a reset"):
        api(world.officer)
    pending = pending_access_request(world.officer)
    assert pending is not None
    auth_services.approve_access_request(
        auth_services.get_access_request(pending.id), by=world.police_supervisor
    )
    db.session.commit()
    # A token made after the approval (on the command line) waits for the new password.
    assert api(world.officer).get("/api/v1/me").status_code == 403

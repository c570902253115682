"""Four eyes for resets, over HTTP: the administrator who resets an account's password or
two-factor login cannot use it, and what the administrator, the supervisors and the
account's holder see."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import AccessRequest, ApiToken, Discipline, Role, User
from coresponse.auth.queries import pending_access_request
from coresponse.auth.services import ACCESS_HELD
from coresponse.auth.tokens import TOKEN_PREFIX, hash_token
from coresponse.clock import utcnow
from coresponse.extensions import db
from tests.factories import PASSWORD, make_person, make_user

TEMPORARY = "a temporary passphrase"
MINE = "my own passphrase again"
RESET = {"password": TEMPORARY, "confirm": TEMPORARY}


def _log_in(app: Flask, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    return client, response


def _user(username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def _request_id(username: str) -> int:
    pending = pending_access_request(_user(username))
    assert pending is not None
    return pending.id


def test_an_administrator_cannot_take_over_a_clinical_supervisor_by_a_reset(app: Flask) -> None:
    """The takeover, end to end: reset the password, log in with it, read clinical notes.
    Refused until another clinical supervisor approves; then the user logs in as today."""
    make_user(Role.ADMIN, username="dana", full_name="Dana Whitfield")
    lead = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="lead",
                     full_name="Lee Ahn")  # fmt: skip
    make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="maria")
    person = make_person()
    db.session.commit()
    lead_id = lead.id
    admin, _ = _log_in(app, "dana")
    form = admin.get(f"/users/{lead_id}/reset-password").get_data(as_text=True)
    assert "cannot log in until a clinical supervisor other than you approves it" in form
    response = admin.post(f"/users/{lead_id}/reset-password", data=RESET)
    assert response.status_code == 302 and response.location == f"/users/{lead_id}/edit"
    page = admin.get(response.location).get_data(as_text=True)
    assert "Their sessions have ended. They cannot log in until a clinical supervisor" in page
    assert "Password reset waiting for approval." in page
    assert "other than Dana Whitfield approves the reset" in page
    assert "Password reset awaiting approval" in admin.get("/users/?q=lead").get_data(as_text=True)

    # The administrator knows the temporary password, and is told plainly it does not work.
    taker, response = _log_in(app, "lead", TEMPORARY)
    assert response.status_code == 403
    assert ACCESS_HELD in response.get_data(as_text=True)
    assert "waiting for approval" in ACCESS_HELD
    assert taker.get(f"/people/{person.id}").status_code == 302  # to the login page
    # Nor may the administrator approve it.
    request_id = _request_id("lead")
    assert admin.get("/access-requests/").status_code == 403
    assert (
        admin.post(f"/access-requests/{request_id}/decide", data={"decision": "approve"})
    ).status_code == 403

    maria, _ = _log_in(app, "maria")
    assert "Access to approve" in maria.get("/").get_data(as_text=True)
    page = maria.get("/access-requests/").get_data(as_text=True)
    assert "Lee Ahn" in page and "Password reset by Dana Whitfield" in page
    assert "Held: cannot log in" in page and "Approve only once you know Lee Ahn asked" in page
    response = maria.post(
        f"/access-requests/{request_id}/decide",
        data={"decision": "approve", "note": "Called Lee"},
    )
    assert response.status_code == 302
    assert (
        "Approved: the password reset of Lee Ahn&#39;s account, which can log in again."
        in maria.get("/access-requests/").get_data(as_text=True)
    )

    user, response = _log_in(app, "lead", TEMPORARY)
    assert response.status_code == 302 and response.location == "/account/password"
    assert user.get(f"/people/{person.id}").location == "/account/password"
    user.post(
        "/account/password",
        data={"current_password": TEMPORARY, "password": MINE, "confirm": MINE},
    )
    assert user.get(f"/people/{person.id}").status_code == 200


def test_a_rejected_reset_keeps_the_account_held_and_tells_the_administrator_what_next(
    app: Flask,
) -> None:
    make_user(Role.ADMIN, username="dana")
    clinician = make_user(Role.CLINICIAN, username="kim", full_name="Kim Osei")
    make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="maria",
              full_name="Maria Lopez")  # fmt: skip
    db.session.commit()
    admin, _ = _log_in(app, "dana")
    admin.post(f"/users/{clinician.id}/reset-password", data=RESET)
    request_id = _request_id("kim")
    maria, _ = _log_in(app, "maria")
    response = maria.post(
        f"/access-requests/{request_id}/decide",
        data={"decision": "reject", "note": "Kim says she did not ask"},
    )
    assert response.status_code == 302
    assert "It stays held and cannot log in" in maria.get("/access-requests/").get_data(
        as_text=True
    )
    _, response = _log_in(app, "kim", TEMPORARY)
    assert response.status_code == 403 and ACCESS_HELD in response.get_data(as_text=True)
    assert "Reset not approved" in admin.get("/users/?q=kim").get_data(as_text=True)
    page = admin.get(f"/users/{clinician.id}/edit").get_data(as_text=True)
    assert "Password reset rejected</strong> by Maria Lopez" in page
    assert "Note: Kim says she did not ask" in page
    assert "reset the password again to ask a supervisor again, or disable the account" in page
    # A change of role is no way round it.
    response = admin.post(
        f"/users/{clinician.id}/edit",
        data={"full_name": "Kim Osei", "role": "supervisor", "discipline": "clinical",
              "email": ""},
    )  # fmt: skip
    assert response.status_code == 422
    assert "cannot log in until a supervisor approves the reset" in response.get_data(as_text=True)
    assert _user("kim").role is Role.CLINICIAN
    response = maria.post(f"/access-requests/{request_id}/decide", data={"decision": "approve"})
    assert response.status_code == 409


def test_a_two_factor_reset_waits_for_approval(app: Flask, enrol: Callable[[User], str]) -> None:
    make_user(Role.ADMIN, username="dana")
    officer = make_user(Role.OFFICER, username="ofc", full_name="Olu Ade")
    make_user(Role.SUPERVISOR, discipline=Discipline.POLICE, username="sgt")
    enrol(officer)
    admin, _ = _log_in(app, "dana")
    page = admin.get(f"/users/{officer.id}/edit").get_data(as_text=True)
    assert "holds the account until a police supervisor other than you approves" in page
    response = admin.post(f"/users/{officer.id}/reset-two-factor")
    assert response.status_code == 302
    page = admin.get(response.location).get_data(as_text=True)
    assert "Two-factor login removed for ofc; they are logged out. They cannot log in" in page
    assert "Two-factor reset waiting for approval." in page
    _, response = _log_in(app, "ofc")
    assert response.status_code == 403 and ACCESS_HELD in response.get_data(as_text=True)
    sergeant, _ = _log_in(app, "sgt")
    assert "Two-factor reset by" in sergeant.get("/access-requests/").get_data(as_text=True)
    sergeant.post(f"/access-requests/{_request_id('ofc')}/decide", data={"decision": "approve"})
    _, response = _log_in(app, "ofc")
    assert response.status_code == 302 and response.location == "/"


def test_with_approval_off_a_reset_works_at_once_as_before(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    app.config["ACCESS_APPROVAL"] = False
    lead = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="lead")
    admin = login(make_user(Role.ADMIN))
    assert "approves it" not in admin.get(f"/users/{lead.id}/reset-password").get_data(as_text=True)
    response = admin.post(f"/users/{lead.id}/reset-password", data=RESET)
    assert response.status_code == 302 and response.location == "/users/"
    _, response = _log_in(app, "lead", TEMPORARY)
    assert response.status_code == 302 and response.location == "/account/password"


def test_analyst_and_administrator_accounts_reset_as_before(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user(Role.ADMIN))
    for role in (Role.ANALYST, Role.ADMIN):
        user = make_user(role)
        db.session.commit()
        response = admin.post(f"/users/{user.id}/reset-password", data=RESET)
        assert response.status_code == 302 and response.location == "/users/"
        _, response = _log_in(app, user.username, TEMPORARY)
        assert response.status_code == 302 and response.location == "/account/password"
    assert db.session.scalar(select(AccessRequest.id)) is None


def test_a_held_accounts_api_token_does_not_work(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    """Its tokens were revoked by the reset; one put in the database anyway is refused."""
    lead = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    login(make_user(Role.ADMIN)).post(f"/users/{lead.id}/reset-password", data=RESET)
    token = f"{TOKEN_PREFIX}planted-by-hand-in-the-database"
    db.session.add(
        ApiToken(user_id=lead.id, name="planted", prefix="planted", token_hash=hash_token(token),
                 created_at=utcnow(), expires_at=utcnow().replace(year=utcnow().year + 1))
    )  # fmt: skip
    db.session.commit()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "held after a reset" in response.get_json()["detail"]


def test_a_reset_on_the_server_gives_access_at_once(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    """`flask users reset-password`, as the four-eyes decision for `flask users create`."""
    lead = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="lead")
    login(make_user(Role.ADMIN)).post(f"/users/{lead.id}/reset-password", data=RESET)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "reset-password", "lead", "--password", MINE])
    assert result.exit_code == 0, result.output
    assert "held after an administrator's reset; it can log in again" in result.output
    _, response = _log_in(app, "lead", MINE)
    assert response.status_code == 302
    _, response = _log_in(app, "lead", TEMPORARY)
    assert response.status_code == 422  # the administrator's password is gone

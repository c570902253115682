"""Four eyes for access, over HTTP: what administrators, supervisors and the waiting
account see and can do."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import (
    AccessRequest,
    AccessRequestStatus,
    ApiToken,
    Discipline,
    Role,
    User,
)
from coresponse.auth.queries import pending_access_request
from coresponse.auth.services import ACCESS_NOT_APPROVED
from coresponse.auth.tokens import TOKEN_PREFIX, hash_token
from coresponse.clock import utcnow
from coresponse.extensions import db
from tests.factories import PASSWORD, make_person, make_user

NEW_PASSWORD = "a brand new passphrase"
MINE = "my own passphrase now"
NEW_SUPERVISOR = {
    "username": "m.ortiz",
    "full_name": "Marisol Ortiz",
    "role": "supervisor",
    "discipline": "clinical",
    "email": "",
    "password": NEW_PASSWORD,
    "confirm": NEW_PASSWORD,
}


def _log_in(app: Flask, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password})
    return client, response


def _user(username: str) -> User:
    return db.session.scalar(select(User).where(User.username == username))


def test_a_new_clinical_supervisor_reads_nothing_until_another_supervisor_approves(
    app: Flask,
) -> None:
    """The reported failure, end to end: an administrator creates a clinical supervisor's
    account and tries to use it; then a real clinical supervisor approves it."""
    make_user(Role.ADMIN, username="dana")
    make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="lead")
    person = make_person()
    admin, _ = _log_in(app, "dana")
    response = admin.post("/users/new", data=NEW_SUPERVISOR)
    assert response.status_code == 302
    listing = admin.get("/users/").get_data(as_text=True)
    assert "Awaiting approval" in listing
    assert "inactive until a supervisor other than you approves it" in listing
    edit = admin.get(f"/users/{_user('m.ortiz').id}/edit").get_data(as_text=True)
    assert "Waiting for approval as clinical supervisor" in edit
    assert "Disable account" not in edit and "Enable account" not in edit

    # The administrator knows the password, and is told plainly it does not work yet.
    waiting, response = _log_in(app, "m.ortiz", NEW_PASSWORD)
    assert response.status_code == 403
    assert ACCESS_NOT_APPROVED in response.get_data(as_text=True)
    assert waiting.get(f"/people/{person.id}").status_code == 302  # to the login page

    # Nor may the administrator approve it.
    request_id = pending_access_request(_user("m.ortiz")).id
    assert admin.get("/access-requests/").status_code == 403
    assert (
        admin.post(
            f"/access-requests/{request_id}/decide", data={"decision": "approve"}
        ).status_code
        == 403
    )

    lead, _ = _log_in(app, "lead")
    home = lead.get("/").get_data(as_text=True)
    assert "Access to approve" in home
    page = lead.get("/access-requests/").get_data(as_text=True)
    assert "Marisol Ortiz" in page and "Clinical supervisor" in page and "New account" in page
    response = lead.post(
        f"/access-requests/{request_id}/decide",
        data={"decision": "approve", "note": "Confirmed with HR"},
    )
    assert response.status_code == 302
    assert "Approved: Marisol Ortiz can now log in as clinical supervisor." in lead.get(
        "/access-requests/"
    ).get_data(as_text=True)
    assert "Access to approve" not in lead.get("/").get_data(as_text=True)

    approved, response = _log_in(app, "m.ortiz", NEW_PASSWORD)
    assert response.status_code == 302 and response.location == "/account/password"
    approved.post(
        "/account/password",
        data={"current_password": NEW_PASSWORD, "password": MINE, "confirm": MINE},
    )
    assert approved.get(f"/people/{person.id}").status_code == 200


def test_a_supervisor_of_the_other_side_sees_the_request_but_cannot_decide(
    app: Flask, login
) -> None:  # type: ignore[no-untyped-def]
    admin = make_user(Role.ADMIN)
    sergeant = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    login(admin).post("/users/new", data=NEW_SUPERVISOR)
    request_id = pending_access_request(_user("m.ortiz")).id
    client, _ = _log_in(app, sergeant.username)
    assert "Access to approve" not in client.get("/").get_data(as_text=True)
    page = client.get("/access-requests/").get_data(as_text=True)
    assert "Marisol Ortiz" in page
    assert "decided by a clinical supervisor" in page
    assert 'value="approve"' not in page
    response = client.post(f"/access-requests/{request_id}/decide", data={"decision": "approve"})
    assert response.status_code == 403
    assert "decided by a clinical supervisor" in response.get_data(as_text=True)
    assert not _user("m.ortiz").active


def test_a_role_change_is_shown_waiting_and_keeps_the_old_role(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    admin = login(make_user(Role.ADMIN))
    officer = make_user(Role.OFFICER, full_name="Olu Ade")
    response = admin.post(
        f"/users/{officer.id}/edit",
        data={"full_name": "Olu Ade", "role": "clinician", "discipline": "", "email": ""},
    )
    assert response.status_code == 302
    listing = admin.get("/users/?q=olu").get_data(as_text=True)
    assert "Police officer" in listing and "Clinician awaiting approval" in listing
    edit = admin.get(f"/users/{officer.id}/edit").get_data(as_text=True)
    assert "Clinician waiting for approval" in edit
    assert "the account stays police officer" in edit
    # The form shows the role asked for, so saving a new e-mail does not withdraw it.
    assert '<option selected value="clinician">' in edit
    db.session.refresh(officer)
    assert officer.role is Role.OFFICER


def test_rejecting_leaves_the_account_as_it_was_and_tells_the_administrator(
    app: Flask,
) -> None:
    make_user(Role.ADMIN, username="dana")
    make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="lead")
    admin, _ = _log_in(app, "dana")
    admin.post("/users/new", data=NEW_SUPERVISOR)
    request_id = pending_access_request(_user("m.ortiz")).id
    lead, _ = _log_in(app, "lead")
    response = lead.post(
        f"/access-requests/{request_id}/decide",
        data={"decision": "reject", "note": "Not on the staff list"},
    )
    assert response.status_code == 302
    assert db.session.get(AccessRequest, request_id).status is AccessRequestStatus.REJECTED
    assert "Not approved" in admin.get("/users/").get_data(as_text=True)
    edit = admin.get(f"/users/{_user('m.ortiz').id}/edit").get_data(as_text=True)
    assert "Clinical supervisor rejected" in edit and "Note: Not on the staff list" in edit
    _, response = _log_in(app, "m.ortiz", NEW_PASSWORD)
    assert response.status_code == 403
    # Deciding again is a conflict, not a second decision.
    response = lead.post(f"/access-requests/{request_id}/decide", data={"decision": "approve"})
    assert response.status_code == 409
    assert "already rejected" in response.get_data(as_text=True)


def test_bad_decisions_are_refused_with_a_message(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    lead = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="lead")
    db.session.commit()
    client, _ = _log_in(app, admin.username)
    client.post("/users/new", data=NEW_SUPERVISOR)
    request_id = pending_access_request(_user("m.ortiz")).id
    client, _ = _log_in(app, lead.username)
    url = f"/access-requests/{request_id}/decide"
    response = client.post(url, data={})
    assert response.status_code == 422
    assert "Choose Approve or Reject." in response.get_data(as_text=True)
    response = client.post(url, data={"decision": "promote"})
    assert response.status_code == 422
    response = client.post(url, data={"decision": "approve", "note": "x" * 501})
    assert response.status_code == 422
    assert "500 characters" in response.get_data(as_text=True)
    response = client.post(url, data={"decision": "reject", "note": "bad\x1fbyte"})
    assert response.status_code == 422
    response = client.post(url, data={"decision": "reject", "note": "bad\x00byte"})
    assert response.status_code == 400
    assert (
        client.post("/access-requests/424242/decide", data={"decision": "approve"}).status_code
        == 404
    )
    assert client.get("/access-requests/?after=not-a-cursor!").status_code == 400
    assert client.get(url).status_code == 405
    assert not _user("m.ortiz").active


def test_with_approval_off_a_new_account_logs_in_at_once(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    app.config["ACCESS_APPROVAL"] = False
    admin = login(make_user(Role.ADMIN))
    admin.post("/users/new", data=NEW_SUPERVISOR)
    assert "Active" in admin.get("/users/?q=ortiz").get_data(as_text=True)
    _, response = _log_in(app, "m.ortiz", NEW_PASSWORD)
    assert response.status_code == 302


def test_a_waiting_accounts_api_token_is_refused(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    """No token can be made for it; one put in the database anyway does not work."""
    login(make_user(Role.ADMIN)).post("/users/new", data=NEW_SUPERVISOR)
    user = _user("m.ortiz")
    token = f"{TOKEN_PREFIX}planted-by-hand-in-the-database"
    db.session.add(
        ApiToken(user_id=user.id, name="planted", prefix="planted", token_hash=hash_token(token),
                 created_at=utcnow(), expires_at=utcnow().replace(year=utcnow().year + 1))
    )  # fmt: skip
    db.session.commit()
    response = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "not yet approved" in response.get_json()["detail"]


def test_the_decision_form_needs_its_csrf_token(make_app) -> None:  # type: ignore[no-untyped-def]
    make_app()  # the first app creates the schema
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = make_user(Role.ADMIN)
        lead = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
        from coresponse.auth.services import create_user

        waiting = create_user(
            "m.ortiz", full_name="Marisol Ortiz", role=Role.CLINICIAN, password=NEW_PASSWORD,
            by=admin,
        )  # fmt: skip
        request_id = pending_access_request(waiting).id
        db.session.commit()
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        csrf = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post(
            "/login", data={"username": lead.username, "password": PASSWORD, "csrf_token": csrf}
        )
        response = client.post(
            f"/access-requests/{request_id}/decide", data={"decision": "approve"}
        )
        assert response.status_code == 400
        assert not _user("m.ortiz").active

"""One unit of work per request (coresponse/unit_of_work.py): the response decides.

A response under 400 commits what the request did; an error status or an exception
rolls it all back; keep_on_error() keeps a request's records on an error status. The
routes here make a real change (a service creating a team, with its audit event) and
then answer in each way.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask, abort, flash, redirect
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coresponse import unit_of_work
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Role, User
from coresponse.auth.services import create_user
from coresponse.cases.models import Case
from coresponse.clock import utcnow
from coresponse.contacts import queries as contact_queries
from coresponse.contacts import services as contact_services
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.teams.models import Team
from coresponse.teams.services import TeamDetails, create_team
from coresponse.web import refuse
from tests.factories import local_input, make_case, make_person, make_staffed_team, make_user

PACKAGE = Path(__file__).resolve().parent.parent / "coresponse"
# Command-line commands run without a request and commit themselves (every cli.py); so
# does the unit of work, and the SQLite connection class commits for SQLAlchemy.
COMMITS_ALLOWED = {"unit_of_work.py", "sqlite_writes.py"}


def _allowed(name: str) -> bool:
    return name in COMMITS_ALLOWED or name.rsplit("/", 1)[-1] == "cli.py"


def test_no_view_or_service_commits() -> None:
    """Views, the API, services and helpers leave the commit to the request's end."""
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if _allowed(name):
            continue
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"\.commit\(\)", line):
                offenders.append(f"coresponse/{name}:{number}: {line.strip()}")
    assert offenders == [], "commit at the end of the request instead:\n" + "\n".join(offenders)


def test_every_view_module_is_scanned() -> None:
    """The scan above covers every module with routes (a new domain's views included)."""
    views = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("views.py")}
    assert {"api/views.py", "contacts/views.py", "auth/views.py"} <= views
    assert not any(_allowed(name) for name in views)


def _new_team(name: str = "Unit of work") -> Team:
    return create_team(
        TeamDetails(name=name, base_address="1 Police Plaza", precincts=["75"]), by=None
    )


def _teams(name: str = "Unit of work") -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Team).where(Team.name == name))


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


def _route(app: Flask, view: Callable[[], object]) -> str:
    app.add_url_rule("/_test/unit-of-work", view_func=view, methods=["GET", "POST"])
    return "/_test/unit-of-work"


def test_a_page_commits_what_its_request_did(app: Flask) -> None:
    def view() -> str:
        _new_team()
        return "ok"

    response = app.test_client().post(_route(app, view))
    assert response.status_code == 200
    assert _teams() == 1
    assert _events() == 1  # the service's audit event with it


def test_a_redirect_commits_too(app: Flask) -> None:
    def view():  # type: ignore[no-untyped-def]
        _new_team()
        return redirect("/")

    assert app.test_client().post(_route(app, view)).status_code == 302
    assert _teams() == 1


@pytest.mark.parametrize("status", [400, 404, 409, 422, 429])
def test_an_error_status_rolls_back_the_request(app: Flask, status: int) -> None:
    def view():  # type: ignore[no-untyped-def]
        _new_team()
        return "refused", status

    assert app.test_client().post(_route(app, view)).status_code == status
    assert _teams() == 0
    assert _events() == 0


def test_an_exception_after_a_service_change_leaves_nothing_saved(app: Flask) -> None:
    app.config["PROPAGATE_TEST_ERRORS"] = False

    def view() -> str:
        _new_team()
        raise RuntimeError("the page failed after the service had flushed")

    response = app.test_client().post(_route(app, view))
    assert response.status_code == 500
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert _teams() == 0
    assert _events() == 0


def test_an_abort_after_a_change_leaves_nothing_saved(app: Flask) -> None:
    def view() -> str:
        _new_team()
        abort(404)

    assert app.test_client().post(_route(app, view)).status_code == 404
    assert _teams() == 0


def test_keep_on_error_keeps_the_request_s_records_on_an_error_status(app: Flask) -> None:
    def view():  # type: ignore[no-untyped-def]
        _new_team()
        unit_of_work.keep_on_error()
        return "refused, but recorded", 422

    assert app.test_client().post(_route(app, view)).status_code == 422
    assert _teams() == 1
    assert _events() == 1


def test_keep_on_error_does_not_outlive_its_request(app: Flask) -> None:
    calls: list[int] = []

    def view():  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            unit_of_work.keep_on_error()
            return "kept", 422
        _new_team()
        return "refused", 422

    client = app.test_client()
    client.post(_route(app, view))
    client.post("/_test/unit-of-work")
    assert _teams() == 0


def test_an_exception_discards_even_what_was_to_be_kept(app: Flask) -> None:
    app.config["PROPAGATE_TEST_ERRORS"] = False

    def view() -> str:
        _new_team()
        unit_of_work.keep_on_error()
        raise RuntimeError("failed after keep_on_error()")

    assert app.test_client().post(_route(app, view)).status_code == 500
    assert _teams() == 0


def test_refuse_undoes_a_refused_change_unless_the_refusal_is_its_own_record(
    app: Flask,
) -> None:
    class Refused(DomainError):
        pass

    class RecordedRefusal(DomainError):
        recorded = True

    def view():  # type: ignore[no-untyped-def]
        from flask import request

        _new_team(request.args["name"])
        error = RecordedRefusal if request.args.get("recorded") else Refused
        return "refused", refuse(None, error("No."))

    client = app.test_client()
    url = _route(app, view)
    assert client.post(url + "?name=Undone").status_code == 422
    assert client.post(url + "?name=Recorded&recorded=1").status_code == 422
    assert _teams("Undone") == 0
    assert _teams("Recorded") == 1


def test_a_commit_that_fails_is_answered_by_the_error_pages_and_shows_no_success(
    app: Flask,
) -> None:
    """The commit runs after the view: its failure is still a handled error, and the
    "Saved." the view flashed is not shown on the next page."""
    app.config["PROPAGATE_TEST_ERRORS"] = False
    _new_team("Taken")
    db.session.commit()

    def view():  # type: ignore[no-untyped-def]
        # Not flushed: the duplicate name fails only when the request commits.
        db.session.add(Team(name="Taken", base_address="elsewhere", coverage=[], memberships=[]))
        flash("Saved.", "success")
        return redirect("/login")

    client = app.test_client()
    response = client.post(_route(app, view))
    assert response.status_code == 500
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert "Saved." not in client.get("/login").get_data(as_text=True)
    assert _teams("Taken") == 1


def test_store_once_answers_a_lost_insert_race_as_a_retry(app: Flask) -> None:
    _new_team("Stored")
    db.session.commit()

    def save() -> Team:
        # Past the service's own check, as a copy racing the first one would be; the
        # unique team name plays the client's id.
        team = Team(name="Stored", base_address="1 Police Plaza", coverage=[], memberships=[])
        db.session.add(team)
        db.session.flush()
        return team

    assert unit_of_work.store_once(save, stored=lambda: _teams("Stored") == 1) is None
    with pytest.raises(IntegrityError):
        unit_of_work.store_once(save, stored=lambda: False)
    assert _teams("Stored") == 1


# --- Real pages: what keep_on_error() keeps -------------------------------------------


@pytest.fixture
def field(app: Flask) -> tuple[User, User, Person, Case]:
    team, officer, _, clinician = make_staffed_team()
    person = make_person(first_name="Alex", last_name="Rivera")
    case = make_case(team, person)
    return officer, clinician, person, case


def _reads(user: User, person: Person) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == AuditAction.VIEW,
                AuditEvent.user_id == user.id,
                AuditEvent.person_id == person.id,
            )
        )
    )


def test_a_form_shown_again_with_errors_keeps_the_read_it_shows(login, field) -> None:  # type: ignore[no-untyped-def]
    officer, _, person, case = field
    response = login(officer).post(f"/cases/{case.id}/contacts/new", data={"type": "teleport"})
    assert response.status_code == 422
    assert "Alex Rivera" in response.get_data(as_text=True)
    assert [e.detail for e in _reads(officer, person)] == ["new contact form"]


def test_a_conflict_page_keeps_the_read_it_shows(login, field) -> None:  # type: ignore[no-untyped-def]
    _, clinician, person, _ = field
    response = login(clinician).post(
        f"/people/{person.id}/edit",
        data={
            "first_name": "Sandy", "last_name": "Rivera", "languages": "English",
            "date_of_birth": person.date_of_birth.isoformat(), "version": "7",
        },
    )  # fmt: skip
    assert response.status_code == 409
    assert [e.record_type for e in _reads(clinician, person)] == ["person"]
    db.session.expire_all()
    assert db.session.get(Person, person.id).first_name == "Alex"


def test_a_login_refused_for_want_of_approval_keeps_its_audit_event(app: Flask) -> None:
    admin = make_user(Role.ADMIN)
    user = create_user(
        "new.clinician", full_name="Jordan Blake", role=Role.CLINICIAN, password="a brand new passphrase",
        by=admin,
    )  # fmt: skip
    db.session.commit()
    response = app.test_client().post(
        "/login", data={"username": "new.clinician", "password": "a brand new passphrase"}
    )
    assert response.status_code == 403
    refused = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == AuditAction.LOGIN_FAILED, AuditEvent.record_id == str(user.id)
        )
    ).all()
    assert [e.detail for e in refused] == ["access not approved yet"]


def test_a_form_that_loses_the_race_to_its_own_copy_is_answered_as_a_retry(  # type: ignore[no-untyped-def]
    login, field, monkeypatch
) -> None:
    """The contact form and the API share store_once: here the form's look-ups are
    blinded, as if both copies had checked before either was stored, so the second
    insert fails on the uuid and is answered as a retry."""
    officer, _, _, case = field
    client = login(officer)
    url = f"/cases/{case.id}/contacts/new"
    form = {
        "uuid": str(uuid.uuid4()),
        "type": ContactType.PHONE.value,
        "occurred_at": local_input(utcnow() - timedelta(minutes=30)),
        "outcome": ContactOutcome.ENGAGED.value,
        "operational_note": "Spoke by phone.",
    }
    first = client.post(url, data=form)
    assert first.status_code == 302

    real, calls = contact_services.contact_with_uuid, []

    def blinded_form(contact_uuid, **recent):  # type: ignore[no-untyped-def]
        calls.append(contact_uuid)
        return None, []  # the form's look-up (the uuid, and the repeat check's contacts)

    def blinded(contact_uuid):  # type: ignore[no-untyped-def]
        calls.append(contact_uuid)
        return None if len(calls) <= 2 else real(contact_uuid)  # then the service's

    monkeypatch.setattr(contact_queries, "contact_by_uuid_and_recent", blinded_form)
    monkeypatch.setattr(contact_services, "contact_with_uuid", blinded)
    second = client.post(url, data=form)
    assert second.status_code == 302
    assert len(calls) == 3  # the third: the stored contact, read after the rollback
    assert second.location == first.location
    assert "This contact was already saved." in client.get(second.location).get_data(as_text=True)
    stored = db.session.scalar(select(func.count()).select_from(Contact))
    assert stored == 1

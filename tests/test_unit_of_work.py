"""One unit of work per request (coresponse/unit_of_work.py): the response decides.

A response under 400 commits what the request did; an error status or an exception
rolls it all back; keep_on_error() keeps a request's records on an error status. The
routes here make a real change (a service creating a team, with its audit event) and
then answer in each way.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask, abort, flash, redirect
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from coresponse import unit_of_work
from coresponse.audit.models import AuditEvent
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.teams.models import Team
from coresponse.teams.services import TeamDetails, create_team
from coresponse.web import refuse


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

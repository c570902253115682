"""Fixtures for the JSON API: a staffed team with an open case, and tokens for its people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coresponse.auth.models import Discipline, Role, User
from coresponse.auth.tokens import create_token
from coresponse.cases.models import Case
from coresponse.extensions import db
from coresponse.teams.models import Team
from tests.auth.conftest import clock, enrol  # noqa: F401  (two-factor enrolment)
from tests.browser.conftest import live_server  # noqa: F401  (a threaded server, real HTTP)
from tests.factories import make_case, make_staffed_team, make_user


@dataclass
class World:
    team: Team
    officer: User
    officer_b: User
    clinician: User
    case: Case
    other_case: Case
    other_clinician: User
    clinical_supervisor: User
    police_supervisor: User
    admin: User
    analyst: User


@pytest.fixture
def world(app: Flask) -> World:
    team, officer, officer_b, clinician = make_staffed_team()
    other_team, _, _, other_clinician = make_staffed_team()
    world = World(
        team=team,
        officer=officer,
        officer_b=officer_b,
        clinician=clinician,
        case=make_case(team),
        other_case=make_case(other_team),
        other_clinician=other_clinician,
        clinical_supervisor=make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL),
        police_supervisor=make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        admin=make_user(Role.ADMIN),
        analyst=make_user(Role.ANALYST),
    )
    db.session.commit()
    return world


class ApiClient:
    """Sends JSON with a bearer token, like a tablet or another system would."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        headers.update(extra or {})
        return headers

    def open(self, url: str, method: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        headers = self._headers(kwargs.pop("headers", None))
        return self.client.open(url, method=method, headers=headers, **kwargs)

    def get(self, url: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.get(url, headers=self._headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, url: str, json: object = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.post(
            url, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )

    def patch(self, url: str, json: object = None, **kwargs: Any):  # type: ignore[no-untyped-def]
        return self.client.patch(
            url, json=json, headers=self._headers(kwargs.pop("headers", None)), **kwargs
        )


@pytest.fixture
def api(app: Flask) -> Callable[[User | None], ApiClient]:
    """An API client with a fresh token for `user` (None: no token at all)."""

    def make(user: User | None) -> ApiClient:
        token = None
        if user is not None:
            _, token = create_token(user, name="tests", by=user)
            db.session.commit()
        return ApiClient(app.test_client(), token)

    return make

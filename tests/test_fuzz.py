"""Property-based fuzzing: no form field or URL parameter, however odd, produces a 500."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coresponse.auth.models import Discipline, Role
from coresponse.extensions import db
from tests.factories import PASSWORD, make_case, make_staffed_team, make_user

# Values that have broken web apps before: huge numbers, odd dates, control characters.
NASTY = st.sampled_from(
    ["", " ", "0", "-1", "99999999999999999999999", "1e309", "NaN", "2026-02-30", "2026-13-01T25:61",
     "9999-12-31T23:59", "0001-01-01", "\x00", "%", "_", "' OR 1=1 --", "<script>x</script>",
     "../../etc/passwd", "ü" * 300, "a" * 5000, "true", "on", "None", "[]", "{}"]
)  # fmt: skip
VALUES = st.one_of(NASTY, st.text(max_size=60), st.integers().map(str))
FUZZ = settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def world(app: Flask):  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    case = make_case(team)
    supervisor = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    admin = make_user(Role.ADMIN)
    db.session.commit()
    ids = {
        "case_id": case.id,
        "person_id": case.person_id,
        "team_id": team.id,
        "user_id": officer.id,
    }
    return {"users": [supervisor, clinician, admin], "ids": ids}


def _client(app: Flask, user):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _routes(app: Flask, ids: dict[str, int], method: str) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if method not in rule.methods or rule.endpoint in ("static", "auth.logout"):
            continue
        if set(rule.arguments) - set(ids):
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids[arg]))
        urls.append(url)
    return urls


def _field_names(html: str) -> list[str]:
    names = set(re.findall(r'name="([a-z_\-]+)"', html)) - {"csrf_token"}
    return sorted(names) or ["q"]


def _fuzz_posts(client, url: str, names: list[str]) -> None:  # type: ignore[no-untyped-def]
    @FUZZ
    @given(st.fixed_dictionaries(dict.fromkeys(names, VALUES)))
    def post(data: dict[str, str]) -> None:
        response = client.post(url, data=data)
        assert response.status_code < 500, (url, data)

    post()


def test_post_forms_never_500(app: Flask, world) -> None:  # type: ignore[no-untyped-def]
    for user in world["users"]:
        client = _client(app, user)
        for url in _routes(app, world["ids"], "POST"):
            page = client.get(url)
            html = page.get_data(as_text=True) if page.status_code == 200 else ""
            _fuzz_posts(client, url, _field_names(html) if html else ["note", "reason"])


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "after", "before", "kind", "role", "key", "accepting", "inactive"]),
        VALUES,
        max_size=3,
    )
)
def test_query_parameters_never_500(app: Flask, world, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    client = _client(app, world["users"][0])
    for url in _routes(app, world["ids"], "GET"):
        response = client.get(url, query_string=params)
        assert response.status_code < 500, (url, params)


@FUZZ
@given(ident=st.one_of(st.integers(min_value=-(2**70), max_value=2**70).map(str), NASTY))
def test_ids_in_urls_never_500(app: Flask, world, ident: str) -> None:  # type: ignore[no-untyped-def]
    client = _client(app, world["users"][0])
    for path in ("/cases/{}", "/people/{}", "/teams/{}", "/referrals/{}", "/contacts/{}"):
        response = client.get(path.format(ident))
        assert response.status_code < 500, (path, ident)

"""The hot queries use indexes: SQLite's query plan shows no full scan of a big table.

The SQL is the real SQL: each hot path is exercised through the app (pages, the API,
the login form) while every statement and its parameters are recorded, and then
`EXPLAIN QUERY PLAN` is asked for each recorded statement with the same parameters
(it plans without running, so writes are safe to explain). A line `SCAN <table>` for a
big table means reading every row; `SCAN <table> USING [COVERING] INDEX` walks an
index in order (with a LIMIT: a keyset page) and `SEARCH` looks rows up, both fine.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from coresponse.extensions import db
from tests.conftest import POSTGRES_URL, on_each_statement
from tests.factories import PASSWORD
from tests.perf_world import World, build_world, login

pytestmark = pytest.mark.skipif(POSTGRES_URL is not None, reason="reads SQLite's query plans")

BIG_TABLES = {
    "contact",
    "person",
    "case",
    "audit_event",
    "audit_event_person",
    "addendum",
    "contact_participant",
    "referral",
    "linkage",
    "person_search_key",
    "person_address",
}
# "SCAN case", "SCAN case AS case_1", "SCAN case USING INDEX ix_case_team_status", ...
_SCAN = re.compile(r"\bSCAN (?P<table>\w+)(?: AS \w+)?(?P<rest>.*)$")


@pytest.fixture
def world(app: Flask) -> World:
    return build_world()


@contextmanager
def recording() -> Iterator[list[tuple[str, Any]]]:
    """Every single-row statement run inside the block, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def see(statement: str, parameters: Any, executemany: bool) -> None:
        if not executemany:
            seen.append((statement, parameters))

    with on_each_statement(see):
        yield seen


def full_scans(statements: list[tuple[str, Any]]) -> list[str]:
    """The plan lines that read a whole big table, with the statement they belong to."""
    problems = []
    connection = db.session.connection()
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "WITH")):
            continue
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        for row in plan:
            detail = row[-1]
            match = _SCAN.search(detail)
            if match is None or match["table"] not in BIG_TABLES:
                continue
            if "USING INDEX" in match["rest"] or "USING COVERING INDEX" in match["rest"]:
                continue
            problems.append(f"{detail}\n    in: {' '.join(statement.split())[:400]}")
    db.session.rollback()
    return problems


def _get(client: FlaskClient, url: str, status: int = 200) -> None:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]


HOT_PATHS = {
    "supervisor queue sections (home)": ("clin_sup", lambda w: ["/"]),
    "supervisor queues in full": (
        "clin_sup",
        lambda w: [
            f"/cases/queue/{k}" for k in ("triage", "unassigned", "overdue", "stale", "closed")
        ],
    ),
    "my caseload": ("clinician", lambda w: ["/cases/mine"]),
    "case map for a team member": ("clinician", lambda w: ["/cases/map.json"]),
    "case map for a supervisor, all teams and one": (
        "clin_sup",
        lambda w: ["/cases/map.json", f"/cases/map.json?team={w.case.team_id}"],
    ),
    "case contacts (case page)": ("clinician", lambda w: [f"/cases/{w.case.id}"]),
    "person timeline, first and next page": (
        "clinician",
        lambda w: [
            f"/people/{w.person.id}",
            f"/people/{w.person.id}?before=2000-01-01T00:00:00%2B00:00",
        ],
    ),
    "person timeline for a supervisor": ("pol_sup", lambda w: [f"/people/{w.person.id}"]),
    "people search by name prefix": (
        "clinician",
        lambda w: ["/people/?q=rive", "/people/?q=alex rive"],
    ),
    "people search for a supervisor": ("clin_sup", lambda w: ["/people/?q=riv"]),
    # Every way the matcher finds people (people/matching.py): a nickname, a similar
    # spelling, an alias, words joined, a birth date, a phone's last digits, an address.
    "people search by every key": (
        "clin_sup",
        lambda w: [
            "/people/?q=alexander+rivera",
            "/people/?q=rivra",
            "/people/?q=lexi",
            "/people/?q=al+ex+rivera",
            "/people/?q=1980-01-05",
            "/people/?q=0042",
            "/people/?q=12+Pennsylvania+Ave",
            "/people/?q=Pennsylvania+Avenue",
        ],
    ),
    # Another team's clinician: the people outside the team, in brief.
    "people search outside the team": (
        "other_clinician",
        lambda w: ["/people/?q=rivera", "/people/?q=alex+rivera+1980-01-05"],
    ),
    "people search as an officer": ("officer", lambda w: ["/people/?q=alex+rivera"]),
    "contact page": ("officer", lambda w: [f"/contacts/{w.contact.id}"]),
    "api cases list (keyset)": ("clinician", lambda w: ["/api/v1/cases?limit=2"]),
    "api cases list for a supervisor": ("clin_sup", lambda w: ["/api/v1/cases?limit=2"]),
    "audit trail of a person": (
        "clin_sup",
        lambda w: [f"/audit/people/{w.person.id}"],
    ),
    "audit report by person": ("admin", lambda w: [f"/audit/?person={w.person.id}"]),
}


@pytest.mark.parametrize("name", list(HOT_PATHS))
def test_hot_reads_use_indexes(app: Flask, world: World, name: str) -> None:
    role, urls = HOT_PATHS[name]
    client = login(app, world.users[role])
    paths = urls(world)
    db.session.commit()
    with recording() as statements:
        for url in paths:
            _get(client, url)
    # The next page of a keyset list, as the page's own link asks for it.
    assert statements, "nothing was recorded"
    problems = full_scans(statements)
    assert not problems, f"{name}: full scans of big tables\n" + "\n".join(problems)


def test_api_cases_next_page_uses_indexes(app: Flask, world: World) -> None:
    client = login(app, world.users["clinician"])
    first = client.get("/api/v1/cases?limit=2").get_json()
    assert first["next"], "the team has more than two open cases"
    with recording() as statements:
        _get(client, f"/api/v1/cases?limit=2&cursor={first['next']}")
    assert not full_scans(statements)


def test_saving_a_contact_looks_up_its_uuid_by_index(app: Flask, world: World) -> None:
    client = login(app, world.users["officer"])
    form = {
        "uuid": str(uuid.uuid4()),
        "type": "phone",
        "occurred_at": "2099-01-01T00:00",  # refused as in the future: the lookup still runs
        "outcome": "engaged",
    }
    db.session.commit()
    with recording() as statements:
        client.post(f"/cases/{world.case.id}/contacts/new", data=form)
    assert any("contact.uuid = ?" in s for s, _ in statements) or statements
    assert not full_scans(statements)


def test_logging_in_and_the_session_check_use_indexes(app: Flask, world: World) -> None:
    client = app.test_client()
    user = world.users["clinician"]
    db.session.commit()
    with recording() as statements:
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        _get(client, "/")
    assert any("user_session.token_hash" in s for s, _ in statements)
    assert not full_scans(statements)


def test_a_full_scan_is_caught(app: Flask, world: World) -> None:
    """The check itself fails on a query that reads every contact."""
    with recording() as statements:
        db.session.execute(
            db.text("SELECT count(*) FROM contact WHERE operational_note LIKE '%x%'")
        )
    assert full_scans(statements)


def test_the_intake_duplicate_check_uses_indexes(app: Flask, world: World) -> None:
    """Intake's duplicate check is search's matcher: its candidates come from the keys'
    indexes too, with a name, a nickname, the birth date, the phone and the address."""
    client = login(app, world.users["clin_sup"])
    form = {
        "source": "nypd_precinct", "received_at": "2026-11-20T09:30", "reason": "Worried.",
        "first_name": "Alexander", "last_name": "Rivera", "aliases": "Lexi",
        "date_of_birth": "1980-01-05", "phone": "718-555-0001", "line1": "1 Pennsylvania Ave",
        "postal_code": "11207",
    }  # fmt: skip
    db.session.commit()
    with recording() as statements:
        page = client.post("/referrals/new", data=form).get_data(as_text=True)
    assert "Is this someone already on record?" in page
    assert any("person_search_key" in s for s, _ in statements)
    assert not full_scans(statements)

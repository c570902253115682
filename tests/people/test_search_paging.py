"""Name search pages through every match in name order, whichever way a person matches
(last name, first name or alias), for supervisors and for team members."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from coresponse.auth.models import Role, User
from coresponse.extensions import db
from coresponse.people import queries
from coresponse.people.models import Person, PersonAlias
from coresponse.people.queries import search_people
from tests.conftest import POSTGRES_URL, on_each_statement
from tests.factories import make_case, make_person, make_staffed_team, make_user


def _all_pages(viewer: User, query: str, size: int = 2) -> list[str]:
    names, cursor = [], None
    while True:
        page = search_people(viewer, query, cursor=cursor, size=size)
        names += [f"{p.first_name} {p.last_name}" for p in page.items]
        if page.next_cursor is None:
            return names
        cursor = page.next_cursor


def _people() -> list[Person]:
    people = [
        make_person(first_name="Ana", last_name="Rivera"),
        make_person(first_name="Rivers", last_name="Adams"),  # first name
        make_person(first_name="Zoe", last_name="Rivera"),
        make_person(first_name="Bo", last_name="Castro"),  # alias only, below
        make_person(first_name="Carl", last_name="Riverton"),
        make_person(first_name="Rivka", last_name="Young"),  # "riv", not "rivera"
        make_person(first_name="Dan", last_name="Moss"),  # no match
        make_person(first_name="Eve", last_name="Zrivera"),  # inside a name: no match
    ]
    db.session.add(PersonAlias(person_id=people[3].id, name="Lil Rivera", name_key="lil rivera"))
    db.session.flush()
    return people


EXPECTED = ["Rivers Adams", "Bo Castro", "Ana Rivera", "Zoe Rivera", "Carl Riverton"]


@pytest.mark.parametrize("alias_limit", [1000, 0])
def test_supervisor_pages_through_every_match_in_name_order(
    app: Flask, monkeypatch: pytest.MonkeyPatch, alias_limit: int
) -> None:
    # alias_limit 0: a word found in many aliases takes the plain ordered query instead.
    monkeypatch.setattr(queries, "_ALIAS_LIMIT", alias_limit)
    _people()
    supervisor = make_user(Role.SUPERVISOR)
    assert _all_pages(supervisor, "river") == EXPECTED
    assert _all_pages(supervisor, "river", size=1) == EXPECTED
    assert _all_pages(supervisor, "RIV") == [*EXPECTED, "Rivka Young"]
    assert _all_pages(supervisor, "ana riv") == ["Ana Rivera"]
    assert _all_pages(supervisor, "lil") == ["Bo Castro"]


def test_team_members_find_only_the_people_of_their_cases(app: Flask) -> None:
    people = _people()
    team, officer, _, clinician = make_staffed_team()
    other, *_ = make_staffed_team()
    for person in people[2:5]:
        make_case(team, person)
    make_case(other, people[0])
    assert _all_pages(officer, "river") == ["Bo Castro", "Zoe Rivera", "Carl Riverton"]
    assert _all_pages(clinician, "rivera", size=1) == ["Bo Castro", "Zoe Rivera"]
    assert _all_pages(make_user(Role.ANALYST), "river") == []


@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL's trigram index")
def test_a_word_inside_aliases_is_read_from_the_trigram_index_on_postgresql(app: Flask) -> None:
    """The alias read of a supervisor's search, planned with sequential scans priced out:
    it is a Bitmap scan of ix_person_alias_name_key_trgm, not a read of every alias
    (a btree cannot serve LIKE '%word%', so without the index the plan stays a scan)."""
    _people()
    supervisor = make_user(Role.SUPERVISOR)
    seen: list[tuple[str, object]] = []
    with on_each_statement(lambda sql, params, _many: seen.append((sql, params))):
        assert _all_pages(supervisor, "lil") == ["Bo Castro"]
    alias_reads = [
        (sql, p) for sql, p in seen if sql.lstrip().startswith("SELECT person_alias.person_id")
    ]
    assert alias_reads, "the search no longer reads aliases first; update this test"
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    sql, params = alias_reads[0]
    plan = "\n".join(db.session.connection().exec_driver_sql(f"EXPLAIN {sql}", params).scalars())
    assert "ix_person_alias_name_key_trgm" in plan, plan

"""Search pages through its matches best first, each once, for supervisors and for team
members; equal scores go by last and first name."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text

from coresponse.auth.models import Role, User
from coresponse.extensions import db
from coresponse.pagination import BadCursor
from coresponse.people import queries
from coresponse.people.models import Person
from coresponse.people.queries import search_people
from tests.conftest import POSTGRES_URL, on_each_statement
from tests.factories import add_alias, make_case, make_person, make_staffed_team, make_user


def _all_pages(viewer: User, query: str, size: int = 2) -> list[str]:
    names, cursor = [], None
    while True:
        page = search_people(viewer, query, cursor=cursor, size=size)
        names += [f"{hit.person.first_name} {hit.person.last_name}" for hit in page.items]
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
    add_alias(people[3], "Lil Rivera")
    return people


def test_supervisor_pages_through_every_match_best_first(app: Flask) -> None:
    _people()
    supervisor = make_user(Role.SUPERVISOR)
    # Exactly "Rivera" first, then the alias (a little less than a name), then a similar
    # spelling ("Rivers" sounds the same).
    rivera = ["Ana Rivera", "Zoe Rivera", "Bo Castro", "Rivers Adams"]
    assert _all_pages(supervisor, "rivera") == rivera
    assert _all_pages(supervisor, "rivera", size=1) == rivera
    # A prefix: the shorter the name, the closer; equal ones by last, then first name.
    expected = ["Rivers Adams", "Ana Rivera", "Zoe Rivera", "Carl Riverton", "Bo Castro"]
    assert _all_pages(supervisor, "river") == expected
    assert _all_pages(supervisor, "river", size=1) == expected
    assert set(_all_pages(supervisor, "RIV")) == {*expected, "Rivka Young"}
    assert _all_pages(supervisor, "ana riv") == ["Ana Rivera"]
    assert _all_pages(supervisor, "lil") == ["Bo Castro"]


def test_team_members_find_only_the_people_of_their_cases(app: Flask) -> None:
    people = _people()
    team, officer, _, clinician = make_staffed_team()
    other, *_ = make_staffed_team()
    for person in people[2:5]:
        make_case(team, person)
    make_case(other, people[0])
    assert _all_pages(officer, "river") == ["Zoe Rivera", "Carl Riverton", "Bo Castro"]
    assert _all_pages(clinician, "rivera", size=1) == ["Zoe Rivera", "Bo Castro"]
    # The others are not among them: for a clinician they are counted apart, in brief
    # (tests/people/test_search_outside_team.py).
    outside = search_people(clinician, "rivera", cursor=None, size=5).outside
    assert [hit.name for hit in outside] == ["Ana Rivera", "Rivers Adams"]
    assert _all_pages(make_user(Role.ANALYST), "river") == []


def test_a_search_matching_more_than_the_matcher_takes_says_so(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queries, "SEARCH_CANDIDATES", 3)
    for n in range(5):
        make_person(first_name=f"Ann{n}", last_name="Lopez")
    page = search_people(make_user(Role.SUPERVISOR), "lopez", cursor=None, size=10)
    assert len(page.items) == 3 and page.more
    page = search_people(make_user(Role.SUPERVISOR), "ann0 lopez", cursor=None, size=10)
    assert [hit.person.first_name for hit in page.items] == ["Ann0"] and not page.more


def test_a_page_link_the_app_did_not_make_is_refused(app: Flask) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    for cursor in ("garbage", "WzEsMiwzXQ", "WyJhIiwiYiIsImMiLDFd"):  # [1,2,3], ["a","b","c",1]
        with pytest.raises(BadCursor):
            search_people(supervisor, "rivera", cursor=cursor, size=10)


def test_a_common_name_is_read_by_its_exact_words_first(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When more people than the matcher takes match a name exactly, a prefix or a sound
    could only add people who rank below them: the broader lookup is skipped."""
    for n in range(5):
        make_person(first_name=f"Ann{n}", last_name="Lopez")
    make_person(first_name="Bea", last_name="Lopezz")  # a prefix only
    supervisor = make_user(Role.SUPERVISOR)

    def reads(limit: int) -> tuple[list[str], int]:
        monkeypatch.setattr(queries, "SEARCH_CANDIDATES", limit)
        seen: list[str] = []
        with on_each_statement(lambda sql, _params, _many: seen.append(sql)):
            page = search_people(supervisor, "lopez", cursor=None, size=10)
        names = [hit.person.last_name for hit in page.items]
        return names, sum("person_search_key" in sql for sql in seen)

    assert reads(3) == (["Lopez"] * 3, 1)  # five exact matches fill it: one statement
    assert reads(10) == (["Lopez"] * 5 + ["Lopezz"], 2)  # they do not: the prefix too


@pytest.mark.skipif(POSTGRES_URL is None, reason="PostgreSQL's plans")
def test_postgresql_reads_candidates_from_the_key_indexes(app: Flask) -> None:
    """The candidate statement's plan, with 40,000 other keys on record and the table
    analysed: every lookup, by key, prefix and sound, is an index scan of
    person_search_key (a BitmapOr of them), never a read of the whole table."""
    _people()
    db.session.execute(
        text(
            "INSERT INTO person (id, first_name, last_name, first_name_key, last_name_key, "
            "date_of_birth_estimated, needs_interpreter, created_at, updated_at, version) "
            "SELECT g, 'X', 'Y', 'x', 'y', false, false, now(), now(), 1 "
            "FROM generate_series(100000, 119999) AS g"
        )
    )
    db.session.execute(
        text(
            "INSERT INTO person_search_key (person_id, kind, key, phonetic) "
            "SELECT g, k.kind, md5(g::text || k.kind), upper(substr(md5(g::text), 1, 4)) "
            "FROM generate_series(100000, 119999) AS g, "
            "(VALUES ('first'), ('last')) AS k (kind)"
        )
    )
    db.session.execute(text("ANALYZE person_search_key"))
    supervisor = make_user(Role.SUPERVISOR)
    seen: list[tuple[str, object]] = []
    with on_each_statement(lambda sql, params, _many: seen.append((sql, params))):
        search_people(supervisor, "rivra", cursor=None, size=10)  # prefix and sound too
    # The last: the broad lookup (the first, by exact words only, found too few).
    sql, params = [(s, p) for s, p in seen if "person_search_key" in s][-1]
    plan = "\n".join(db.session.connection().exec_driver_sql(f"EXPLAIN {sql}", params).scalars())
    assert "ix_person_search_key_key" in plan and "ix_person_search_key_phonetic" in plan, plan
    assert "Seq Scan on person_search_key" not in plan, plan

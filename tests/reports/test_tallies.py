"""The outcome tallies follow the records (coresponse/reports/tallies.py).

Every test of the suite ends by comparing the tallies with the records (conftest's
_check_tallies); these tests look at what a person reading a report would notice.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from coresponse.clock import day_bounds
from coresponse.contacts.models import Contact
from coresponse.derived import rewriting
from coresponse.extensions import db
from coresponse.people.models import Borough, PersonAddress
from coresponse.reports import tallies
from coresponse.reports.definitions import GroupBy
from coresponse.reports.models import OutcomeTally
from coresponse.reports.queries import outcomes
from coresponse.reports.results import CountTable
from tests.reports import program
from tests.reports.program import FIRST, LAST, NOW


@pytest.fixture
def built(app: Flask) -> program.Program:
    built = program.build()
    db.session.commit()
    return built


def _contacts_by_borough(first: date = FIRST, last: date = LAST) -> dict[str, int]:
    table = outcomes(first, last, GroupBy.BOROUGH, now=NOW).results["contacts_by_type"]
    assert isinstance(table, CountTable)
    return {c.key: table.column_totals[c.key] for c in table.columns if table.column_totals[c.key]}


def _contacts_on_record(first: date, last: date) -> int:
    start, end = day_bounds(first, last)
    return db.session.scalar(
        select(func.count(Contact.id)).where(
            Contact.occurred_at >= start, Contact.occurred_at < end
        )
    )


def test_a_person_who_moves_takes_their_contacts_to_the_new_borough(
    built: program.Program,
) -> None:
    before = _contacts_by_borough()
    address = db.session.scalars(
        select(PersonAddress).where(
            PersonAddress.person_id == built.p2.id, PersonAddress.current.is_(True)
        )
    ).one()
    address.borough, address.precinct = Borough.QUEENS, "105"
    db.session.commit()
    after = _contacts_by_borough()
    assert after.get("BX", 0) == 0
    assert after["QN"] == before["BX"] + before.get("QN", 0)
    assert tallies.differences() == {}


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2025, 10, 1), date(2025, 11, 30)),  # two whole months
        (date(2025, 10, 12), date(2025, 11, 3)),  # two partial months
        (date(2025, 10, 2), date(2025, 11, 30)),  # a partial month, then a whole one
        (date(2025, 10, 1), date(2025, 11, 14)),  # a whole month, then a partial one
        (date(2025, 11, 2), date(2025, 11, 2)),  # one day (the clocks go back)
        (date(2025, 9, 1), date(2026, 2, 28)),  # whole months around the records
    ],
)
def test_any_range_counts_what_the_records_hold(
    built: program.Program, first: date, last: date
) -> None:
    table = outcomes(first, last, GroupBy.NONE, now=NOW).results["contacts_by_type"]
    assert isinstance(table, CountTable)
    assert table.total == _contacts_on_record(first, last) > 0


def test_a_bulk_write_is_followed_when_announced_and_found_when_not(
    built: program.Program,
) -> None:
    moved = update(PersonAddress).where(PersonAddress.person_id == built.p2.id)
    with rewriting({built.p2.id}):
        db.session.execute(moved.values(borough=Borough.MANHATTAN))
    db.session.commit()
    assert tallies.differences() == {}
    assert "MN" in _contacts_by_borough()

    db.session.execute(moved.values(borough=Borough.BRONX))  # not announced
    db.session.commit()
    drift = tallies.differences()
    assert drift
    assert {cell[3] for cell in drift} == {"BX", "MN"}
    tallies.rebuild()
    db.session.commit()
    assert tallies.differences() == {}


def test_flask_reports_rebuild_checks_and_mends(app: Flask, built: program.Program) -> None:
    runner = app.test_cli_runner()
    checked = runner.invoke(args=["reports", "rebuild", "--check"])
    assert checked.exit_code == 0, checked.output
    assert "match the records" in checked.output

    db.session.execute(
        update(OutcomeTally).where(OutcomeTally.grouping == "none").values(n=OutcomeTally.n + 1)
    )
    db.session.commit()
    checked = runner.invoke(args=["reports", "rebuild", "--check"])
    assert checked.exit_code == 1
    assert "cells differ" in checked.output
    assert "tallied" in checked.output

    rebuilt = runner.invoke(args=["reports", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Rebuilt the outcome tallies" in rebuilt.output
    assert runner.invoke(args=["reports", "rebuild", "--check"]).exit_code == 0

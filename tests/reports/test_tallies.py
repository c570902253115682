"""The outcome tallies follow the records (coresponse/reports/tallies.py).

Every test of the suite ends by comparing the tallies with the records (conftest's
_check_tallies); these tests look at what a person reading a report would notice.
"""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.clock import day_bounds, utcnow
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.contacts.services import log_contact
from coresponse.derived import rewriting
from coresponse.extensions import db
from coresponse.people.models import Borough, PersonAddress
from coresponse.reports import tallies
from coresponse.reports.definitions import GroupBy
from coresponse.reports.models import OutcomeTally
from coresponse.reports.queries import outcomes
from coresponse.reports.results import CountTable
from tests.factories import make_case, make_person, make_staffed_team
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


def test_two_saves_for_one_person_at_once_take_turns(app: Flask) -> None:
    """The second save waits for the first to commit before counting the person again:
    without that, both count from the records without the other's contact, and the
    earlier one would be the case's first contact twice over."""
    team, _, _, clinician = make_staffed_team()
    case = make_case(team, make_person())
    db.session.commit()
    case_id, clinician_id = case.id, clinician.id
    now = utcnow()

    def save(contact_case: Case, by: User, minutes_ago: int) -> None:
        log_contact(
            contact_case, by=by, type=ContactType.PHONE, outcome=ContactOutcome.ENGAGED,
            occurred_at=now - timedelta(minutes=minutes_ago), participants=[by],
        )  # fmt: skip

    save(case, clinician, 30)  # flushed, not committed: this transaction holds its turn
    saved = threading.Event()

    def the_other_tablet() -> None:
        with app.app_context():
            by = db.session.get(User, clinician_id)
            assert by is not None
            save(db.session.get_one(Case, case_id), by, 60)  # earlier: the new first contact
            db.session.commit()
            saved.set()

    other = threading.Thread(target=the_other_tablet)
    other.start()
    assert not saved.wait(1.0), "the second save did not wait for the first"
    db.session.commit()
    other.join(timeout=60)
    assert saved.is_set()
    assert tallies.differences() == {}
    table = outcomes(now.date() - timedelta(days=1), now.date() + timedelta(days=1)).results
    contacts = table["contacts_by_type"]
    assert isinstance(contacts, CountTable)
    assert contacts.total == 2

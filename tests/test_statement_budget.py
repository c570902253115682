"""Every main page stays within a budget of SQL statements, whatever the size of the data.

What is counted: every statement SQLAlchemy sends to the database driver while the
request runs (the `before_cursor_execute` event on the app's engine), from the first
statement of the request to the last: loading the login session and its user, the
permission lookups, the page's own queries, the audit trail's lock, read and insert,
other inserts and updates, and the occasional `last_seen_at` touch of the session row
(written on its own connection, at most once a minute per session). SAVEPOINTs would
be counted too; none are used. Not counted, because SQLAlchemy never sees them as
statements: the driver's implicit BEGIN (pysqlite and psycopg both open transactions
themselves), COMMIT and ROLLBACK (driver calls, not statements), and the PRAGMAs run
once on each new SQLite connection.

The data is small but has every kind of row each page shows (several cases,
contacts with participants, risk factors and addenda, connections with status
changes, consents, a disclosure, a break-glass grant, referrals in every queue), and
each page is measured again after the data has grown to three times its size: the
count must not change, so no page loads rows one query at a time.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.clock import utcnow
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.extensions import db
from coresponse.people.models import Person, PersonAddress, PersonPhone
from tests.conftest import count_statements
from tests.factories import minutes_ago_input
from tests.perf_world import World, add_history, build_world, login

BUDGET = 8
# A save that changes what the outcome tallies count also keeps them
# (reports/tallies.py): its turn on the person, the person's cells before and after
# the flush, and one upsert of the difference.
TALLY_UPKEEP = 4
KEEPS_TALLIES = {"new contact saved", "linkage status saved"}


@pytest.fixture
def world(app: Flask) -> World:
    return build_world()


def _contact_form(w: World) -> dict[str, Any]:
    contact_id = uuid.uuid4()
    return {
        "uuid": str(contact_id),
        "type": ContactType.IN_PERSON_HOME.value,
        "occurred_at": minutes_ago_input(30),
        "location": "12 Pennsylvania Ave, Brooklyn",
        "outcome": ContactOutcome.ENGAGED.value,
        # Each measured save is another visit: the same notes twice in ten minutes would
        # ask whether it is the contact just saved (contacts.services.save_contact_form).
        "operational_note": f"Talked at the door; calm. ({contact_id.hex[:6]})",
        "participants": [str(w.users["officer"].id)],
        "clinical_note": "Calm today.",
        "risk_level": RiskLevel.LOW.value,
        "risk_factors": [RiskFactor.RECENT_LOSS.value],
    }


@dataclass(frozen=True)
class Page:
    """One request: who makes it, what, and the status it must get."""

    role: str
    path: Callable[[World], str]
    method: str = "GET"
    data: Callable[[World], dict[str, Any]] | None = None
    status: int = 200


def _phone_of(w: World) -> str:
    """The digits of the focus person's first phone."""
    return str(_of_person(w, PersonPhone.digits))


def _of_person(w: World, column: Any) -> Any:
    """A value of the focus person's record (their birth date, an address line)."""
    table = column.class_
    key = table.id if table is Person else table.person_id
    value = db.session.scalar(select(column).where(key == w.person.id).limit(1))
    assert value
    return value


def _timeline_before(w: World) -> str:
    # The second page of the timeline: entries older than ten days ago.
    return quote((utcnow() - timedelta(days=10)).isoformat())


PAGES: dict[str, Page] = {
    "login form (anonymous)": Page("", lambda w: "/login"),
    **{
        f"home as {role}": Page(role, lambda w: "/")
        for role in ("clinician", "officer", "clin_sup", "pol_sup", "admin", "analyst")
    },
    **{
        f"supervisor queue {key}": Page("clin_sup", lambda w, key=key: f"/cases/queue/{key}")  # type: ignore[misc]
        for key in ("triage", "unassigned", "overdue", "stale", "closed")
    },
    "my caseload as clinician": Page("clinician", lambda w: "/cases/mine"),
    "my caseload as officer": Page("officer", lambda w: "/cases/mine"),
    "case map page": Page("clin_sup", lambda w: "/cases/map"),
    "case map data as supervisor": Page("pol_sup", lambda w: "/cases/map.json"),
    "case map data as officer": Page("officer", lambda w: "/cases/map.json"),
    "case as clinician": Page("clinician", lambda w: f"/cases/{w.case.id}"),
    "case as officer": Page("officer", lambda w: f"/cases/{w.case.id}"),
    "case as supervisor": Page("clin_sup", lambda w: f"/cases/{w.case.id}"),
    "case through break-glass": Page("break_glass_clinician", lambda w: f"/cases/{w.case.id}"),
    "case print": Page("clinician", lambda w: f"/cases/{w.case.id}/print"),
    "case assign form": Page("clin_sup", lambda w: f"/cases/{w.case.id}/assign"),
    "person as clinician": Page("clinician", lambda w: f"/people/{w.person.id}"),
    "person as officer": Page("officer", lambda w: f"/people/{w.person.id}"),
    "person as supervisor": Page("pol_sup", lambda w: f"/people/{w.person.id}"),
    "person through break-glass": Page("break_glass_clinician", lambda w: f"/people/{w.person.id}"),
    "person timeline next page": Page(
        "clinician", lambda w: f"/people/{w.person.id}?before={_timeline_before(w)}"
    ),
    "person timeline contacts only": Page(
        "clinician", lambda w: f"/people/{w.person.id}?kind=contact"
    ),
    "break-glass prompt": Page("other_clinician", lambda w: f"/people/{w.person.id}", status=403),
    "person location form": Page("clinician", lambda w: f"/people/{w.person.id}/location"),
    "people search by name as clinician": Page("clinician", lambda w: "/people/?q=rive"),
    "people search by name as supervisor": Page("clin_sup", lambda w: "/people/?q=rivera"),
    "people search by phone": Page("clin_sup", lambda w: "/people/?q=718-555-0"),
    "people search by a phone's last digits": Page(
        "clinician", lambda w: f"/people/?q={_phone_of(w)[-4:]}"
    ),
    "people search by nickname": Page("clin_sup", lambda w: "/people/?q=alexander+rivera"),
    "people search by similar spelling": Page("clin_sup", lambda w: "/people/?q=rivra"),
    "people search by alias": Page("clinician", lambda w: "/people/?q=lexi"),
    "people search by birth date": Page(
        "clin_sup", lambda w: f"/people/?q={_of_person(w, Person.date_of_birth)}"
    ),
    "people search by address": Page(
        "clin_sup", lambda w: f"/people/?q={quote(_of_person(w, PersonAddress.line1))}"
    ),
    # Another team's clinician: people outside the team, in brief, with break-glass.
    "people search outside the team": Page("other_clinician", lambda w: "/people/?q=rivera"),
    "people search as officer": Page("officer", lambda w: "/people/?q=alex+rivera"),
    "contact as clinician": Page("clinician", lambda w: f"/contacts/{w.contact.id}"),
    "contact as officer": Page("officer", lambda w: f"/contacts/{w.contact.id}"),
    "new contact form": Page("clinician", lambda w: f"/cases/{w.case.id}/contacts/new"),
    "new contact saved": Page(
        "clinician", lambda w: f"/cases/{w.case.id}/contacts/new", "POST", _contact_form, 302
    ),
    "addendum form": Page("clinician", lambda w: f"/contacts/{w.contact.id}/addenda/new"),
    "addendum saved": Page(
        "clinician",
        lambda w: f"/contacts/{w.contact.id}/addenda/new",
        "POST",
        lambda w: {"reason": "Wrong time", "operational_text": "It was 3pm.", "clinical_text": "x"},
        302,
    ),
    "linkage": Page("clinician", lambda w: f"/linkages/{w.linkage.id}"),
    "new linkage form": Page("clinician", lambda w: f"/cases/{w.case.id}/linkages/new"),
    "linkage status saved": Page(
        "clinician",
        lambda w: f"/linkages/{w.ids['fresh_linkage']}/status",
        "POST",
        lambda w: {"to_status": "referred", "referred-note": "Faxed intake form"},
        302,
    ),
    "referral": Page("clin_sup", lambda w: f"/referrals/{w.referral.id}"),
    "new referral form": Page("clin_sup", lambda w: "/referrals/new"),
    "teams": Page("pol_sup", lambda w: "/teams/"),
    "team": Page("pol_sup", lambda w: f"/teams/{w.team.id}"),
    "team as member": Page("officer", lambda w: f"/teams/{w.team.id}"),
    "providers": Page("clinician", lambda w: "/providers/"),
    "providers map data": Page("officer", lambda w: "/providers/map.json"),
    "audit report": Page("admin", lambda w: "/audit/"),
    "audit report for a person": Page("admin", lambda w: f"/audit/?person={w.person.id}"),
    "access log of a person": Page("clin_sup", lambda w: f"/audit/people/{w.person.id}"),
    "consents": Page("clinician", lambda w: f"/people/{w.person.id}/consents"),
    "new consent form": Page("clinician", lambda w: f"/people/{w.person.id}/consents/new"),
    "accounting of disclosures": Page("clinician", lambda w: f"/people/{w.person.id}/disclosures"),
    "new disclosure form": Page("clinician", lambda w: f"/people/{w.person.id}/disclosures/new"),
    "break-glass queue": Page("clin_sup", lambda w: "/break-glass/"),
    "users": Page("admin", lambda w: "/users/"),
    "access requests": Page("clin_sup", lambda w: "/access-requests/"),
    "access request approved": Page(
        "clin_sup",
        lambda w: f"/access-requests/{w.ids['fresh_access_request']}/decide",
        "POST",
        lambda w: {"decision": "approve", "note": "Starts Monday"},
        302,
    ),
    "password reset held for approval": Page(
        "admin",
        lambda w: f"/users/{w.ids['reset_target']}/reset-password",
        "POST",
        lambda w: {"password": "a temporary passphrase", "confirm": "a temporary passphrase"},
        302,
    ),
    "password reset approved": Page(
        "pol_sup",
        lambda w: f"/access-requests/{w.ids['fresh_reset_request']}/decide",
        "POST",
        lambda w: {"decision": "approve", "note": "Called them"},
        302,
    ),
}


def _measure(app: Flask, w: World, page: Page) -> tuple[int, list[str]]:
    client = login(app, w.users[page.role]) if page.role else app.test_client()
    path, data = page.path(w), page.data(w) if page.data else None
    db.session.commit()
    with count_statements() as statements:
        response = client.open(path, method=page.method, data=data)
    assert response.status_code == page.status, response.get_data(as_text=True)[:2000]
    return len(statements), statements


def _show(statements: list[str]) -> str:
    lines = (re.sub(r"\s+", " ", statement)[:300] for statement in statements)
    return "\n".join(f"  {i}. {line}" for i, line in enumerate(lines, 1))


@pytest.mark.parametrize("name", list(PAGES))
def test_page_is_within_the_statement_budget(app: Flask, world: World, name: str) -> None:
    count, statements = _measure(app, world, PAGES[name])
    upkeep = [s for s in statements if "outcome_tally" in s]
    if name in KEEPS_TALLIES:
        assert len(upkeep) == 1, "one upsert of every cell the save changes"
        assert count <= BUDGET + TALLY_UPKEEP, f"{name}: {count} statements\n{_show(statements)}"
    else:
        assert not upkeep, f"{name} changes no counted record"
        assert count <= BUDGET, f"{name}: {count} statements\n{_show(statements)}"


@pytest.mark.parametrize("name", list(PAGES))
def test_statement_count_does_not_grow_with_the_data(app: Flask, world: World, name: str) -> None:
    small, _ = _measure(app, world, PAGES[name])
    add_history(world, 2)
    large, statements = _measure(app, world, PAGES[name])
    assert large == small, (
        f"{name}: {small} statements, {large} with 3x the rows\n{_show(statements)}"
    )

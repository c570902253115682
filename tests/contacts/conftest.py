"""A staffed team with an open case, and a shortcut for logging contacts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import utcnow
from coresponse.contacts import services
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.teams.models import Team
from tests.factories import make_case, make_person, make_staffed_team


@dataclass
class Setting:
    team: Team
    officer: User
    officer_b: User
    clinician: User
    person: Person
    case: Case


@pytest.fixture
def s(app) -> Setting:  # type: ignore[no-untyped-def]
    """Team "Brownsville" (two officers, a clinician) with an open case on Alex Rivera."""
    team, officer, officer_b, clinician = make_staffed_team(name="Brownsville")
    officer.full_name = "Officer Luis Ortega"
    officer_b.full_name = "Officer Dana Kim"
    clinician.full_name = "Clinician Priya Shah"
    person = make_person(first_name="Alex", last_name="Rivera")
    return Setting(team, officer, officer_b, clinician, person, make_case(team, person))


def log(case: Case, by: User, **overrides: Any) -> Contact:
    """services.log_contact with the defaults of a quick home visit half an hour ago."""
    fields: dict[str, Any] = {
        "type": ContactType.IN_PERSON_HOME,
        "occurred_at": utcnow() - timedelta(minutes=30),
        "outcome": ContactOutcome.ENGAGED,
        "participants": [],
    }
    fields.update(overrides)
    return services.log_contact(case, by=by, **fields)


def mark_closed(case: Case) -> Case:
    """The case as a closure leaves its status (a person has one open case at a time, so
    a second case of the same person needs the first one closed)."""
    case.status = CaseStatus.CLOSED
    case.closed_at = utcnow()
    db.session.flush()
    return case

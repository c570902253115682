"""`flask bench-data`: a large program built in bulk, skewed like real life, usable by the app.

Small numbers here (the benchmark itself runs 100,000 people and a million contacts);
the same code paths run, on SQLite and on PostgreSQL (COPY).
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from bench import dataset
from coresponse.audit.verify import verify_chain
from coresponse.auth.models import Role, User
from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import utcnow
from coresponse.contacts.models import Contact, ContactOutcome, ContactType
from coresponse.contacts.services import log_contact
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.precincts import current_index
from coresponse.people.models import LocationStatus, Person, PersonAddress
from coresponse.referrals.models import Referral, ReferralStatus
from coresponse.teams.models import Team, TeamCoverage, TeamMembership

DEMO_PASSWORD = "coresponse-demo"  # the demo's published password


@pytest.fixture(autouse=True)
def quick_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's accounts hash their password with scrypt; a cheap hash keeps tests quick."""
    monkeypatch.setattr(
        "coresponse.auth.services.hash_password",
        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"),
    )
    monkeypatch.setattr(
        "bench.dataset.hash_password",
        lambda password: generate_password_hash(password, "pbkdf2:sha256:1000"),
    )


def _generate(lines: list[str] | None = None) -> dataset.Summary:
    return dataset.generate(
        people=120,
        contacts=3000,
        seed=7,
        password=DEMO_PASSWORD,
        progress=(lines.append if lines is not None else lambda _line: None),
        people_per_team=10,
    )


def test_builds_exactly_the_people_and_contacts_asked_for_with_progress(app):
    lines: list[str] = []
    summary = _generate(lines)
    assert db.session.scalar(select(func.count()).select_from(Person)) == 120
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 3000
    assert (summary.people, summary.contacts) == (120, 3000)
    assert any("people 100/100" in line for line in lines)
    assert verify_chain().intact


def test_contacts_are_skewed_a_handful_for_most_hundreds_for_a_few(app):
    _generate()
    counts = [
        n
        for (n,) in db.session.execute(
            select(func.count()).select_from(Contact).group_by(Contact.person_id)
        )
    ]
    assert max(counts) >= 500
    assert statistics.median(counts) <= 12
    clinician = db.session.scalar(select(User).where(User.username == "clinician"))
    team_id = db.session.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.user_id == clinician.id, TeamMembership.left_at.is_(None)
        )
    )
    heavy = db.session.scalar(
        select(Contact.person_id).group_by(Contact.person_id).order_by(func.count().desc())
    )
    # The longest timeline belongs to the demo clinician's team, so she can open it.
    assert db.session.scalar(
        select(Case.id).where(Case.person_id == heavy, Case.team_id == team_id)
    )


def test_every_precinct_and_borough_follows_from_a_point(app):
    """As the product places points: people's addresses and team bases get the precinct
    and borough the boundaries give their point, never a typed one; a team covers the
    precinct its base is in."""
    _generate()
    index = current_index()
    addresses = db.session.execute(
        select(
            PersonAddress.latitude, PersonAddress.longitude, PersonAddress.precinct,
            PersonAddress.borough,
        )
    ).all()  # fmt: skip
    assert len(addresses) >= 120
    for latitude, longitude, precinct, borough in addresses:
        if latitude is None or longitude is None:
            assert (precinct, borough) == (None, None)
        else:
            assert (precinct, borough) == tuple(index.locate(latitude, longitude))
    city_teams = db.session.scalars(select(Team).where(Team.id > 6)).all()
    assert city_teams
    for team in city_teams:
        assert team.base_latitude is not None and team.base_longitude is not None
        derived = index.locate(team.base_latitude, team.base_longitude).precinct
        assert derived is not None and team.base_precinct == derived
        assert team.base_location_status is LocationStatus.MANUAL
        covered = db.session.scalars(
            select(TeamCoverage.area_code).where(TeamCoverage.team_id == team.id)
        ).all()
        assert covered == [derived]


def test_new_teams_are_staffed_and_cases_cover_every_state(app):
    _generate()
    assert db.session.scalar(select(func.count()).select_from(Team)) > 6  # demo's and the city's
    for team_id in db.session.scalars(select(Team.id).where(Team.id > 6)):
        roles = Counter(
            db.session.scalars(
                select(User.role)
                .join(TeamMembership, TeamMembership.user_id == User.id)
                .where(TeamMembership.team_id == team_id, TeamMembership.left_at.is_(None))
            )
        )
        assert roles == {Role.OFFICER: 2, Role.CLINICIAN: 1}
    statuses = set(db.session.scalars(select(Case.status).distinct()))
    assert {CaseStatus.OPEN, CaseStatus.CLOSED} <= statuses
    referral_statuses = set(db.session.scalars(select(Referral.status).distinct()))
    assert {ReferralStatus.ACCEPTED, ReferralStatus.DECLINED} <= referral_statuses
    # Every case's contact times agree with its contacts.
    mismatched = db.session.scalar(
        select(func.count())
        .select_from(Case)
        .where(
            Case.last_contact_at
            != select(func.max(Contact.occurred_at))
            .where(Contact.case_id == Case.id)
            .scalar_subquery()
        )
    )
    assert mismatched == 0


def test_the_app_works_on_generated_data_logins_pages_and_new_rows(app, client):
    summary = _generate()
    heavy_person = summary.heavy_people[0][0]
    response = client.post("/login", data={"username": "clinician", "password": DEMO_PASSWORD})
    assert response.status_code == 302
    page = client.get(f"/people/{heavy_person}")
    assert page.status_code == 200
    assert client.get("/cases/mine").status_code == 200
    # The ORM keeps inserting after the explicit ids (PostgreSQL's sequences were moved on).
    clinician = db.session.scalar(select(User).where(User.username == "clinician"))
    case = db.session.scalar(
        select(Case).where(Case.person_id == heavy_person, Case.status == CaseStatus.OPEN)
    )
    highest = db.session.scalar(select(func.max(Contact.id)))
    contact = log_contact(
        case,
        by=clinician,
        participants=[clinician],
        uuid=uuid.uuid4(),
        type=ContactType.PHONE,
        occurred_at=utcnow() - timedelta(minutes=5),
        outcome=ContactOutcome.ENGAGED,
        operational_note="Called after the bulk load.",
    )
    db.session.commit()
    assert contact.id > highest


def test_refuses_a_database_that_already_holds_data(app):
    db.session.add(
        User(username="someone", full_name="Some One", role=Role.ADMIN, password_hash="x")
    )
    db.session.commit()
    with pytest.raises(DomainError, match="already holds data"):
        _generate()

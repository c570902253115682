"""`flask seed-demo`: a complete, coherent and repeatable demo program."""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash, generate_password_hash

from coresponse import create_app, demo
from coresponse.auth import queries as auth_queries
from coresponse.auth import services as auth_services
from coresponse.auth.models import Discipline, Role, User
from coresponse.cases.models import (
    Assignment,
    Case,
    CaseEvent,
    CaseEventKind,
    CaseStatus,
    ClosureReason,
)
from coresponse.clock import utcnow
from coresponse.contacts.models import (
    Contact,
    ContactOutcome,
    ContactParticipant,
    ContactRiskFactor,
    ContactType,
)
from coresponse.demo.reference import NEIGHBORHOODS
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.geo.precincts import Area, shipped_index
from coresponse.linkages.models import (
    Linkage,
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    LinkageStatusChange,
    Provider,
)
from coresponse.linkages.services import TRANSITIONS
from coresponse.people.details import name_key
from coresponse.people.models import LocationStatus, Person, PersonAddress, SupportContact
from coresponse.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
)
from coresponse.teams.models import Team, TeamMembership
from coresponse.teams.queries import staffing_of

M = TypeVar("M")
PASSWORD = "demo-password-2016"
LOGINS = {
    "admin": (Role.ADMIN, None),
    "supervisor": (Role.SUPERVISOR, Discipline.CLINICAL),
    "sergeant": (Role.SUPERVISOR, Discipline.POLICE),
    "clinician": (Role.CLINICIAN, None),
    "officer": (Role.OFFICER, None),
    "analyst": (Role.ANALYST, None),
}


def _quick_hash(password: str) -> str:
    # Seeding hashes two dozen passwords; scrypt's cost is not what these tests are about.
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@contextmanager
def _database(path: Path) -> Iterator[Flask]:
    """An app on its own SQLite file, with the tables created, inside an app context."""
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}")
    with app.app_context():
        db.create_all()
        try:
            yield app
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One demo of 60 people (seed 7), committed; the tests on it only read. Yields the summary."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(auth_services, "hash_password", _quick_hash)
        with _database(tmp_path_factory.mktemp("demo") / "demo.db"):
            summary = demo.seed(password=PASSWORD, people=60, seed=7, force=False)
            db.session.commit()
            yield summary


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An empty database of its own."""
    monkeypatch.setattr(auth_services, "hash_password", _quick_hash)
    with _database(tmp_path / "empty.db") as app:
        yield app


def _all(model: type[M]) -> list[M]:
    return list(db.session.scalars(select(model)))


def _values(column: Any) -> set[Any]:
    """The distinct values a column holds."""
    return set(db.session.scalars(select(column).distinct()))


# What the demo contains --------------------------------------------------------------


def test_summary_counts_what_was_created(seeded: str) -> None:
    assert "People:    60" in seeded
    contacts = db.session.scalar(select(func.count()).select_from(Contact))
    assert f"Contacts:  {contacts}" in seeded
    assert "not dispatchable: Staten Island" in seeded


def _assert_every_status_reason_type_and_outcome_appears() -> None:
    assert _values(Referral.status) == set(ReferralStatus)
    assert _values(Referral.source) == set(ReferralSource)
    assert _values(Referral.decline_reason) - {None} == set(DeclineReason)
    assert _values(Case.status) == set(CaseStatus)
    assert _values(Case.closure_reason) - {None} == set(ClosureReason)
    assert _values(Contact.type) == set(ContactType)
    assert _values(Contact.outcome) == set(ContactOutcome)
    assert _values(Linkage.status) == set(LinkageStatus)
    assert {LinkageKind.FAMILY, LinkageKind.FRIEND} <= _values(Linkage.kind)
    reopened = db.session.scalars(select(Case).where(Case.reopened_at.is_not(None))).all()
    assert reopened
    assert all(case.status is not CaseStatus.CLOSED for case in reopened)


def test_every_status_reason_type_and_outcome_appears(seeded: str) -> None:
    _assert_every_status_reason_type_and_outcome_appears()


def test_the_six_demo_logins_have_their_roles(seeded: str) -> None:
    users = {u.username: u for u in _all(User)}
    for username, (role, discipline) in LOGINS.items():
        user = users[username]
        assert (user.role, user.discipline) == (role, discipline)
        assert not user.must_change_password
        assert check_password_hash(user.password_hash, PASSWORD)
        # Made as on the server: every login works at once, with no approval to wait for.
        assert user.active and user.access_approved
    assert len(users) <= 30


def test_a_new_clinician_waits_for_the_clinical_supervisors_approval(seeded: str) -> None:
    waiting = db.session.scalar(select(User).where(User.username == "jpark"))
    assert not waiting.active and not waiting.access_approved
    assert waiting.created_by_id == db.session.scalar(
        select(User.id).where(User.username == "admin")
    )
    request = auth_queries.pending_access_request(waiting)
    assert request is not None and request.approver_discipline is Discipline.CLINICAL
    assert "Waiting for approval: jpark" in seeded


def test_clinician_and_officer_share_a_dispatchable_team_and_one_team_is_short(
    seeded: str,
) -> None:
    teams = db.session.scalars(
        select(Team).options(
            selectinload(Team.memberships).selectinload(TeamMembership.user),
            selectinload(Team.coverage),
        )
    ).all()
    assert len(teams) == 6
    by_member = {u.username: t for t in teams for u in t.current_members}
    assert by_member["clinician"] is by_member["officer"]
    assert staffing_of(by_member["clinician"]).dispatchable
    assert [t.name for t in teams if not staffing_of(t).dispatchable] == ["Staten Island"]
    # Membership history: an officer who left (with a reason) and was replaced.
    left = [m for t in teams for m in t.memberships if m.left_at is not None]
    assert any(m.leave_reason == "Transferred to another command" for m in left)


def test_the_provider_directory_covers_every_treatment_and_support_kind(seeded: str) -> None:
    wanted = {k for k in LinkageKind if k.category is not LinkageCategory.FAMILY}
    assert _values(Provider.kind) == wanted
    assert _values(Provider.accepting_referrals) == {True, False}


def test_the_demo_places_lie_in_the_precinct_they_name() -> None:
    for place in NEIGHBORHOODS:
        area = shipped_index().locate(place.latitude, place.longitude)
        assert area == Area(place.precinct, place.borough), place.name


def test_addresses_get_their_precinct_and_borough_from_their_point(seeded: str) -> None:
    addresses = _all(PersonAddress)
    placed = [a for a in addresses if a.latitude is not None and a.longitude is not None]
    assert placed
    for address in addresses:
        if address.latitude is not None and address.longitude is not None:
            area = shipped_index().locate(address.latitude, address.longitude)
            assert (address.precinct, address.borough) == area and area.inside
        else:
            assert (address.precinct, address.borough) == (None, None)
        located = address.location_status is not LocationStatus.NEEDED
        assert (address.latitude is not None) == located
        assert (address.retired_at is None) == address.current
    current = Counter(a.person_id for a in addresses if a.current)
    assert set(current.values()) == {1}
    assert any(not a.current for a in addresses)
    for person in _all(Person):
        assert person.first_name_key == name_key(person.first_name)
        assert person.last_name_key == name_key(person.last_name)
        assert person.first_name_key.isascii() or "ł" in person.first_name_key


# Referrals and cases ------------------------------------------------------------------


def test_referral_histories_lead_to_their_status(seeded: str) -> None:
    events = defaultdict(list)
    for event in db.session.scalars(select(ReferralEvent).order_by(ReferralEvent.id)):
        events[event.referral_id].append(event)
    referrals = {r.id: r for r in _all(Referral)}
    for referral in referrals.values():
        chain = events[referral.id]
        assert (chain[0].from_status, chain[0].to_status) == (None, ReferralStatus.RECEIVED)
        assert chain[0].at == referral.received_at
        for before, after in itertools.pairwise(chain):
            assert after.from_status is before.to_status
            assert after.at >= before.at
            assert after.by_id is not None
        assert chain[-1].to_status is referral.status
        assert (referral.triaged_at is None) == (referral.status is ReferralStatus.RECEIVED)
        if referral.decline_reason is DeclineReason.REFERRED_ELSEWHERE:
            assert referral.referred_to_service
        if referral.decline_reason is DeclineReason.DUPLICATE:
            original = referrals[referral.duplicate_of_id]
            assert original.person_id == referral.person_id
            assert original.received_at < referral.received_at
    people_referred = Counter(r.person_id for r in referrals.values())
    assert max(people_referred.values()) >= 2


def test_case_timestamps_are_coherent(seeded: str) -> None:
    now = utcnow()
    referrals = {r.id: r for r in _all(Referral)}
    assignments = defaultdict(list)
    for assignment in db.session.scalars(select(Assignment).order_by(Assignment.assigned_at)):
        assignments[assignment.case_id].append(assignment)
    for case in _all(Case):
        assert case.referred_at == referrals[case.referral_id].received_at
        assert referrals[case.referral_id].status is ReferralStatus.ACCEPTED
        assert case.referred_at <= case.accepted_at <= now
        current = [a for a in assignments[case.id] if a.ended_at is None]
        if case.status is CaseStatus.AWAITING_ASSIGNMENT:
            assert case.team_id is None
            assert not assignments[case.id]
            continue
        assert case.accepted_at <= case.first_assigned_at <= case.assigned_at <= now
        assert case.first_assigned_at == assignments[case.id][0].assigned_at
        assert case.first_contact_due_at == case.first_assigned_at + timedelta(hours=24)
        if case.first_contact_at is not None:
            assert case.first_assigned_at <= case.first_contact_at <= case.last_contact_at <= now
        if case.status is CaseStatus.OPEN:
            assert [a.team_id for a in current] == [case.team_id]
            assert case.closed_at is None
        else:
            assert not current
            assert case.closure_reason is not None and case.closure_note
            assert case.last_contact_at <= case.closed_at <= now


def test_first_contact_deadlines_are_mostly_met_and_some_are_open(seeded: str) -> None:
    now = utcnow()
    cases = [c for c in _all(Case) if c.first_assigned_at is not None]
    reached = [c for c in cases if c.first_contact_at is not None]
    on_time = [c for c in reached if c.first_contact_at <= c.first_contact_due_at]
    assert len(on_time) > 0.6 * len(reached)
    assert len(on_time) < len(reached)
    waiting = [c for c in cases if c.first_contact_at is None and c.status is CaseStatus.OPEN]
    assert any(c.first_contact_due_at < now for c in waiting)
    assert any(c.first_contact_due_at > now for c in waiting)


def test_case_events_tell_the_story(seeded: str) -> None:
    kinds = defaultdict(list)
    for event in db.session.scalars(select(CaseEvent).order_by(CaseEvent.at, CaseEvent.id)):
        kinds[event.case_id].append(event.kind)
        assert event.by_id is not None
    for case in _all(Case):
        assert kinds[case.id][0] is CaseEventKind.OPENED
        assert (CaseEventKind.ASSIGNED in kinds[case.id]) == (case.first_assigned_at is not None)
        assert (CaseEventKind.REOPENED in kinds[case.id]) == (case.reopened_at is not None)
    assert any(CaseEventKind.REASSIGNED in k for k in kinds.values())


# Contacts -----------------------------------------------------------------------------


def test_contacts_fall_inside_their_case_in_order(seeded: str) -> None:
    now = utcnow()
    cases = {c.id: c for c in _all(Case)}
    contacts = defaultdict(list)
    for contact in db.session.scalars(select(Contact).order_by(Contact.occurred_at)):
        contacts[contact.case_id].append(contact)
    for case_id, rows in contacts.items():
        case = cases[case_id]
        assert 2 <= len(rows) <= 60
        assert rows[0].occurred_at == case.first_contact_at
        assert rows[-1].occurred_at == case.last_contact_at
        end = case.closed_at or now
        assert case.first_assigned_at <= rows[0].occurred_at
        assert rows[-1].occurred_at <= end
        assert len({c.occurred_at for c in rows}) == len(rows)
        assert all(c.person_id == case.person_id for c in rows)
        assert all(c.recorded_at <= now for c in rows)
    per_person = Counter()
    for case_id, rows in contacts.items():
        per_person[cases[case_id].person_id] += len(rows)
    assert max(per_person.values()) >= 40


def test_contacts_are_recorded_by_the_team_on_the_case_at_the_time(seeded: str) -> None:
    users = {u.id: u for u in _all(User)}
    memberships = defaultdict(list)
    for m in _all(TeamMembership):
        memberships[m.user_id].append(m)
    assignments = defaultdict(list)
    for a in _all(Assignment):
        assignments[a.case_id].append(a)
    participants = defaultdict(set)
    for p in _all(ContactParticipant):
        participants[p.contact_id].add(p.user_id)

    def team_at(case_id: int, at: datetime) -> int:
        return next(
            a.team_id
            for a in assignments[case_id]
            if a.assigned_at <= at and (a.ended_at is None or at <= a.ended_at)
        )

    def on_team(user_id: int, team_id: int, at: datetime) -> bool:
        return any(
            m.team_id == team_id and m.joined_at <= at and (m.left_at is None or at < m.left_at)
            for m in memberships[user_id]
        )

    for contact in _all(Contact):
        team_id = team_at(contact.case_id, contact.occurred_at)
        assert on_team(contact.recorded_by_id, team_id, contact.occurred_at)
        assert contact.recorded_by_id in participants[contact.id]
        assert all(on_team(u, team_id, contact.occurred_at) for u in participants[contact.id])
    recorders = Counter(users[c.recorded_by_id].username for c in _all(Contact))
    present = Counter(users[u].username for ids in participants.values() for u in ids)
    assert recorders["clinician"] >= 20
    assert recorders["officer"] >= 1
    assert present["officer"] >= 20


def test_clinical_content_comes_only_from_clinicians(seeded: str) -> None:
    roles = {u.id: u.role for u in _all(User)}
    with_factors = _values(ContactRiskFactor.contact_id)
    for contact in _all(Contact):
        clinical = (
            contact.clinical_note or contact.risk_level is not None or contact.id in with_factors
        )
        if clinical:
            assert roles[contact.recorded_by_id] is Role.CLINICIAN
        assert contact.operational_note
        if contact.type is ContactType.ATTEMPT:
            assert contact.outcome is ContactOutcome.NOT_FOUND
        assert bool(contact.transport_destination) == contact.outcome.is_transport


# Connections --------------------------------------------------------------------------


def test_linkages_carry_the_steps_to_their_status(seeded: str) -> None:
    now = utcnow()
    cases = {c.id: c for c in _all(Case)}
    supports = {s.id: s for s in _all(SupportContact)}
    changes = defaultdict(list)
    for change in db.session.scalars(select(LinkageStatusChange).order_by(LinkageStatusChange.id)):
        changes[change.linkage_id].append(change)
    for linkage in _all(Linkage):
        chain = changes[linkage.id]
        assert (chain[0].from_status, chain[0].to_status) == (None, LinkageStatus.IDENTIFIED)
        for before, after in itertools.pairwise(chain):
            assert after.from_status is before.to_status
            assert after.to_status in TRANSITIONS[before.to_status]
            assert before.at <= after.at
        assert chain[-1].to_status is linkage.status
        scheduled = [c.appointment_at for c in chain if c.appointment_at is not None]
        assert len(scheduled) == sum(
            c.to_status is LinkageStatus.APPOINTMENT_SCHEDULED for c in chain
        )
        assert linkage.appointment_at == (scheduled[-1] if scheduled else None)
        assert linkage.status_changed_at == chain[-1].at <= now
        case = cases[linkage.case_id]
        assert case.first_assigned_at <= chain[0].at
        if case.closed_at is not None:
            assert chain[-1].at <= case.closed_at
        if linkage.status is LinkageStatus.CONNECTED:
            assert linkage.verified_on and linkage.verification_method and linkage.verified_by
        if linkage.status is LinkageStatus.NOT_CONNECTED:
            assert linkage.not_connected_reason
        if linkage.status is LinkageStatus.APPOINTMENT_SCHEDULED:
            assert linkage.appointment_at is not None
        if linkage.kind.category is LinkageCategory.FAMILY:
            support = supports[linkage.support_contact_id]
            assert support.person_id == linkage.person_id
            assert support.relationship_type.is_family_or_friend
        else:
            assert (linkage.provider_id is None) != (linkage.target_name is None)
    waitlisted = [x.kind for x in _all(Linkage) if x.status is LinkageStatus.WAITLISTED]
    treatment = sum(k in (LinkageKind.IMT, LinkageKind.ACT) for k in waitlisted)
    assert treatment >= 1
    assert treatment >= len(waitlisted) / 2


# Repeatability, emptiness and the command ---------------------------------------------


def _fingerprint() -> tuple[list[tuple[Any, ...]], dict[str, int], list[tuple[Any, ...]]]:
    people = db.session.execute(
        select(Person.first_name, Person.last_name, Person.date_of_birth).order_by(Person.id)
    ).all()
    counts = {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Referral, Case, Contact, ContactParticipant, Linkage, LinkageStatusChange)
    }
    statuses = db.session.execute(select(Case.status, Case.closure_reason).order_by(Case.id)).all()
    return [tuple(p) for p in people], counts, [tuple(s) for s in statuses]


def test_the_same_seed_builds_the_same_demo(empty: Flask, tmp_path: Path) -> None:
    first_summary = demo.seed(password=PASSWORD, people=30, seed=11, force=False)
    db.session.commit()
    first = _fingerprint()
    with _database(tmp_path / "again.db"):
        second_summary = demo.seed(password=PASSWORD, people=30, seed=11, force=False)
        db.session.commit()
        assert _fingerprint() == first
        assert second_summary == first_summary
    with _database(tmp_path / "other.db"):
        demo.seed(password=PASSWORD, people=30, seed=12, force=False)
        assert _fingerprint()[0] != first[0]


def test_database_has_data_once_seeded(empty: Flask) -> None:
    assert not demo.database_has_data()
    demo.seed(password=PASSWORD, people=10, seed=1, force=False)
    assert demo.database_has_data()


def test_seeding_twice_names_the_existing_demo(empty: Flask) -> None:
    demo.seed(password=PASSWORD, people=10, seed=1, force=False)
    with pytest.raises(DomainError, match="already holds data"):
        demo.seed(password=PASSWORD, people=10, seed=1, force=False)
    with pytest.raises(DomainError, match="demo logins already exist"):
        demo.seed(password=PASSWORD, people=10, seed=1, force=True)


def test_a_weak_password_is_refused_before_anything_is_written(empty: Flask) -> None:
    with pytest.raises(DomainError, match="at least 12"):
        demo.seed(password="short", people=10, seed=1, force=False)
    assert not demo.database_has_data()


def test_logins_text_names_roles_team_and_password() -> None:
    text = demo.logins_text(password="s3cret-password")
    for username in LOGINS:
        assert username in text
    assert "Clinical supervisor" in text and "Police supervisor" in text
    assert "s3cret-password" in text
    assert "same team, Brooklyn North" in text
    unknown = demo.logins_text(password=None)
    assert "the password printed when the demo was seeded (default coresponse-demo)" in unknown


def test_the_seed_demo_command(empty: Flask) -> None:
    runner = empty.test_cli_runner()

    result = runner.invoke(args=["seed-demo", "--people", "20"])
    assert result.exit_code == 0, result.output
    assert "People:    20" in result.output
    assert "Password for all of them: coresponse-demo" in result.output
    assert "sergeant" in result.output
    assert db.session.scalar(select(func.count()).select_from(Person)) == 20
    # Even the smallest demo the command allows a reviewer to want shows everything.
    _assert_every_status_reason_type_and_outcome_appears()

    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code != 0
    assert "already holds data" in again.output

    if_empty = runner.invoke(args=["seed-demo", "--if-empty"])
    assert if_empty.exit_code == 0, if_empty.output
    assert "the demo was not added again" in if_empty.output
    assert "default coresponse-demo" in if_empty.output

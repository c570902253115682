"""Repeat referrals join the person's open case: one open case per person (issue 18, item 1)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import Discipline, Role
from coresponse.cases import services as case_services
from coresponse.cases.models import Case, CaseEvent, CaseEventKind, CaseStatus, ClosureReason
from coresponse.clock import utcnow
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.formatting import format_datetime
from coresponse.people.models import Person
from coresponse.referrals import services
from coresponse.referrals.models import Referral, ReferralSource, ReferralStatus
from tests.factories import (
    make_case,
    make_person,
    make_referral,
    make_staffed_team,
    make_user,
)
from tests.referrals.test_views import INTAKE

CANARY = "CANARY-REPEAT-REASON-7f3a"


def open_cases(person: Person) -> list[Case]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Case).where(Case.person_id == person.id, Case.closed_at.is_(None))
        )
    )


def kinds(case: Case) -> list[CaseEventKind]:
    return list(
        db.session.scalars(
            select(CaseEvent.kind).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id)
        )
    )


def an_open_case(**person: object) -> tuple[Case, Person]:
    """A person with a case open on a staffed team, contacted yesterday."""
    team = make_staffed_team(name="Brooklyn North")[0]
    someone = make_person(**person)
    case = make_case(team, someone, last_contact_at=utcnow() - timedelta(days=1))
    return case, someone


def close(case: Case) -> None:
    case.status, case.closed_at = CaseStatus.CLOSED, utcnow() - timedelta(days=3)
    case.closure_reason = ClosureReason.UNABLE_TO_LOCATE
    db.session.flush()


# --- The services ------------------------------------------------------------------------


def test_a_repeat_referral_joins_the_open_case_instead_of_opening_a_second(app: Flask) -> None:
    case, person = an_open_case()
    version = case.version
    supervisor = make_user(Role.SUPERVISOR)
    repeat = make_referral(person, source=ReferralSource.HOSPITAL)
    joined = services.accept_referral(
        repeat, by=supervisor, operational_note="Seen at Kings County ED last night"
    )
    db.session.commit()
    assert joined.id == case.id
    assert [c.id for c in open_cases(person)] == [case.id]
    assert repeat.status is ReferralStatus.ACCEPTED and repeat.triaged_by_id == supervisor.id
    event = db.session.scalars(
        select(CaseEvent).where(CaseEvent.kind == CaseEventKind.NEW_REFERRAL)
    ).one()
    assert (event.case_id, event.referral_id, event.by_id) == (case.id, repeat.id, supervisor.id)
    assert event.summary == f"#{repeat.id} from Hospital or ER"
    assert event.operational_note == "Seen at Kings County ED last night"
    stored = db.session.get(Case, case.id)
    assert stored is not None and stored.new_referral_at is not None
    # News on a case is no conflict with a form open on it.
    assert stored.version == version
    details = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.action == AuditAction.UPDATE)
    ).all()
    assert f"accepted: joined case #{case.id}" in details
    assert f"referral #{repeat.id} joined" in details


def test_a_referral_of_someone_whose_cases_are_closed_opens_a_new_case(app: Flask) -> None:
    earlier, person = an_open_case()
    close(earlier)
    case = services.accept_referral(make_referral(person), by=make_user(Role.SUPERVISOR))
    assert case.id != earlier.id and case.status is CaseStatus.AWAITING_ASSIGNMENT
    assert kinds(case) == [CaseEventKind.OPENED]
    assert [c.id for c in open_cases(person)] == [case.id]


def test_a_referral_joins_an_open_case_still_waiting_for_a_team(app: Flask) -> None:
    person = make_person()
    supervisor = make_user(Role.SUPERVISOR)
    first = services.accept_referral(make_referral(person), by=supervisor)
    second = services.accept_referral(make_referral(person), by=supervisor)
    assert second.id == first.id and second.status is CaseStatus.AWAITING_ASSIGNMENT
    assert kinds(first) == [CaseEventKind.OPENED, CaseEventKind.NEW_REFERRAL]


def test_the_database_holds_at_most_one_open_case_per_person(app: Flask) -> None:
    case, person = an_open_case()
    db.session.commit()
    second = Case(
        person_id=person.id,
        referral_id=make_referral(person, status=ReferralStatus.ACCEPTED).id,
        status=CaseStatus.AWAITING_ASSIGNMENT,
        referred_at=utcnow(),
        accepted_at=utcnow(),
    )
    db.session.add(second)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    # A closed case is no obstacle: a person has many closed cases.
    close(db.session.get(Case, case.id))  # type: ignore[arg-type]
    make_case(person=person, status=CaseStatus.CLOSED)
    make_case(person=person)
    db.session.commit()
    assert len(open_cases(person)) == 1


def test_opening_a_second_case_says_why_it_is_refused(app: Flask) -> None:
    """Whatever path gets past the service's own check, the index's refusal is a 409 with
    a message, not an integrity error."""
    _, person = an_open_case()
    accepted = make_referral(person, status=ReferralStatus.ACCEPTED)
    with pytest.raises(case_services.OpenCaseExists, match="one open case at a time") as raised:
        case_services.open_case(accepted, by=make_user(Role.SUPERVISOR))
    assert raised.value.status_code == 409


def test_reopening_while_another_case_is_open_is_refused_with_why(app: Flask) -> None:
    earlier, person = an_open_case()
    close(earlier)
    current = make_case(make_staffed_team(name="Queens South")[0], person)
    supervisor = make_user(Role.SUPERVISOR)
    db.session.commit()
    with pytest.raises(case_services.OpenCaseExists) as raised:
        case_services.reopen_case(earlier, by=supervisor, note="Missed appointments")
    message = raised.value.message
    assert f"already has an open case, #{current.id} (with Queens South)" in message
    assert "close it before reopening" in message
    db.session.rollback()
    assert db.session.get(Case, earlier.id).status is CaseStatus.CLOSED  # type: ignore[union-attr]
    # Once the other case closes, the earlier one reopens.
    close(db.session.get(Case, current.id))  # type: ignore[arg-type]
    reopened = db.session.get(Case, earlier.id)
    assert reopened is not None
    case_services.reopen_case(reopened, by=supervisor, note="Missed appointments")
    assert [c.id for c in open_cases(person)] == [earlier.id]


def test_a_referral_someone_else_accepted_meanwhile_is_refused(app: Flask) -> None:
    """The status is read again once it is this supervisor's turn on the person."""
    referral = make_referral()
    supervisor = make_user(Role.SUPERVISOR)
    db.session.commit()
    # Another supervisor's acceptance, committed after this one loaded the referral.
    db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id)
        .values(status=ReferralStatus.ACCEPTED)
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(DomainError, match="already accepted"):
        services.accept_referral(referral, by=supervisor)


def test_assigning_or_closing_the_case_ends_the_news(app: Flask) -> None:
    person = make_person()
    team, officer, *_ = make_staffed_team()
    supervisor = make_user(Role.SUPERVISOR)
    case = services.accept_referral(make_referral(person), by=supervisor)
    services.accept_referral(make_referral(person), by=supervisor)
    assert case.new_referral_at is not None
    case_services.assign_case(case, team, by=supervisor)
    assert case.new_referral_at is None  # the team takes the case whole
    services.accept_referral(make_referral(person), by=supervisor)
    assert case.new_referral_at is not None
    case_services.note_case_seen(case, by=supervisor)  # not on the team: still news
    assert case.new_referral_at is not None
    case_services.note_case_seen(case, by=officer)
    assert case.new_referral_at is None


# --- Intake and triage pages ---------------------------------------------------------


def test_the_match_screen_says_who_has_an_open_case(login) -> None:  # type: ignore[no-untyped-def]
    case, person = an_open_case(first_name="Maria", last_name="Lopez")
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    page = client.post("/referrals/new", data=INTAKE).get_data(as_text=True)
    assert "Is this someone already on record?" in page
    assert f"Open case #{case.id}" in page and "Brooklyn North" in page
    assert f"assigned {format_datetime(case.assigned_at)}" in page
    assert f"last contact {format_datetime(case.last_contact_at)}" in page
    assert "joins that case instead of opening a second one" in page
    # The check is audited as a search, saying it showed the open case.
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "duplicate_check")
    ).one()
    assert f"with their open case: #{person.id}" in (event.detail or "")
    assert event.category is DataCategory.OPERATIONAL


def test_the_match_screen_shows_another_teams_open_case_in_brief(login) -> None:  # type: ignore[no-untyped-def]
    case, _ = an_open_case(first_name="Maria", last_name="Lopez")
    clinician = make_staffed_team(name="Queens South")[3]
    page = login(clinician).post("/referrals/new", data=INTAKE).get_data(as_text=True)
    assert "Open case</span> not your team's" in page
    assert f"#{case.id}" not in page and "Brooklyn North" not in page


@pytest.mark.parametrize("discipline", [Discipline.POLICE, Discipline.CLINICAL])
def test_the_triage_page_shows_the_open_case_without_clinical_detail(  # type: ignore[no-untyped-def]
    login, discipline: Discipline
) -> None:
    case, person = an_open_case()
    repeat = make_referral(person, reason=f"Stopped his medication. {CANARY}")
    client = login(make_user(Role.SUPERVISOR, discipline=discipline))
    page = client.get(f"/referrals/{repeat.id}").get_data(as_text=True)
    panel = page.split("Already has an open case", 1)[1].split("</section>", 1)[0]
    assert f">#{case.id}</a> · Open" in panel and "Brooklyn North" in panel
    assert format_datetime(case.assigned_at) in panel
    assert format_datetime(case.last_contact_at) in panel
    assert f"Accept and add to case #{case.id}" in page
    assert (CANARY in page) is (discipline is Discipline.CLINICAL)


def test_accepting_a_repeat_referral_lands_on_the_open_case(login) -> None:  # type: ignore[no-untyped-def]
    case, person = an_open_case()
    repeat = make_referral(person)
    client = login(make_user(Role.SUPERVISOR))
    response = client.post(f"/referrals/{repeat.id}/accept", data={"operational_note": "Again"})
    assert response.status_code == 302 and response.location == f"/cases/{case.id}"
    page = client.get(response.location).get_data(as_text=True)
    assert f"Referral accepted and added to case #{case.id}" in page
    assert f"New referral</strong> #{repeat.id} from NYPD precinct" in page
    assert "Referred again while open" in page
    assert [c.id for c in open_cases(person)] == [case.id]
    # The referral's page now leads to the case it joined.
    page = client.get(f"/referrals/{repeat.id}").get_data(as_text=True)
    assert f"Open case #{case.id}" in page and "Already has an open case" not in page


def test_reopening_over_an_open_case_is_a_409_with_the_reason(login) -> None:  # type: ignore[no-untyped-def]
    earlier, person = an_open_case()
    close(earlier)
    current = make_case(person=person)
    client = login(make_user(Role.SUPERVISOR))
    response = client.post(f"/cases/{earlier.id}/reopen", data={"note": "Back in crisis"})
    assert response.status_code == 409
    assert f"already has an open case, #{current.id} (waiting for a team)" in response.get_data(
        as_text=True
    )
    assert [c.id for c in open_cases(person)] == [current.id]


# --- The team's home page ----------------------------------------------------------------


def test_the_team_sees_the_new_referral_until_one_of_them_opens_the_case(login, client) -> None:  # type: ignore[no-untyped-def]
    team, officer, officer_b, clinician = make_staffed_team(name="Brooklyn North")
    person = make_person(first_name="Khaled", last_name="El-Sayed")
    case = make_case(team, person)
    other_team_clinician = make_staffed_team()[3]
    supervisor = make_user(Role.SUPERVISOR)
    services.accept_referral(make_referral(person), by=supervisor)
    db.session.commit()

    def home(user) -> str:  # type: ignore[no-untyped-def]
        login(user)
        page = client.get("/").get_data(as_text=True)
        client.post("/logout")
        return page

    for member in (officer, clinician):
        page = home(member)
        assert "New referrals on open cases" in page
        assert "Khaled El-Sayed" in page and f"Case #{case.id}" in page
    assert "New referrals on open cases" not in home(other_team_clinician)
    listed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "home_new_referrals")
    ).all()
    assert len(listed) == 2 and all(json.loads(e.person_ids) == [person.id] for e in listed)

    # A supervisor opening the case is not the team: the item stays.
    login(supervisor)
    client.get(f"/cases/{case.id}")
    client.post("/logout")
    assert "New referrals on open cases" in home(officer_b)
    # One of the team opens it: it is no news for any of them any more.
    login(officer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "New referral on this open case" in page
    client.post("/logout")
    for member in (officer, officer_b, clinician):
        assert "New referrals on open cases" not in home(member)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Case).where(Case.new_referral_at.is_not(None))
        )
        == 0
    )

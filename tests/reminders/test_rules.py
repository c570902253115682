"""The reminder rules: each fires once, to the right people, and is not resent."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Discipline, Role
from coresponse.cases.services import assign_case
from coresponse.clock import utcnow
from coresponse.consent.models import (
    BreakGlassAccess,
    BreakGlassReason,
    Consent,
    ConsentMethod,
    RecipientKind,
)
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageKind, LinkageStatus
from coresponse.reminders.models import Notification, ReminderRule
from coresponse.training.models import TrainingKind
from tests.factories import give_training, make_case, make_staffed_team, make_user
from tests.reminders.helpers import notified, open_titles, run

NY = ZoneInfo("America/New_York")


@pytest.fixture
def program(app: Flask):  # type: ignore[no-untyped-def]
    team, officer_a, officer_b, clinician = make_staffed_team()
    other_team = make_staffed_team()
    clinical_sup = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    police_sup = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    db.session.commit()
    return {
        "team": team, "officers": {officer_a.id, officer_b.id}, "clinician": clinician,
        "team_ids": {officer_a.id, officer_b.id, clinician.id},
        "other_team": {u.id for u in other_team[1:]},
        "sups": {clinical_sup.id, police_sup.id}, "clinical_sup": clinical_sup,
        "police_sup": police_sup, "admin": make_user(Role.ADMIN),
    }  # fmt: skip


def test_a_cases_first_day(app: Flask, program, time_machine) -> None:  # type: ignore[no-untyped-def]
    """Assigned at 09:00; at 04:59 before the deadline nothing; within 4 hours the team
    hears once; past the deadline the team and the supervisors hear once, and the
    due-soon reminder is resolved. Repeated runs add nothing."""
    time_machine.move_to(datetime(2026, 12, 7, 9, 0, tzinfo=NY), tick=False)
    case = make_case(None)
    sup = program["clinical_sup"]
    assign_case(case, program["team"], by=sup)
    db.session.commit()
    assert case.first_contact_due_at == datetime(2026, 12, 8, 9, 0, tzinfo=NY)

    run(app)  # just assigned: 24 hours ahead
    assert notified() == []

    time_machine.move_to(datetime(2026, 12, 8, 4, 59, tzinfo=NY), tick=False)
    run(app)  # 4 h 1 min ahead: not yet
    assert notified() == []

    time_machine.move_to(datetime(2026, 12, 8, 5, 30, tzinfo=NY), tick=False)
    result = run(app)
    assert result.new == {ReminderRule.FIRST_CONTACT_DUE: 3}
    due = notified(ReminderRule.FIRST_CONTACT_DUE)
    assert {user for user, _, _ in due} == program["team_ids"]
    assert {subject for _, _, subject in due} == {case.id}
    assert open_titles(program["clinician"].id) == [f"First contact due — case #{case.id}"]

    for minutes in (1, 30, 60):  # every minute from cron: nothing new
        time_machine.move_to(
            datetime(2026, 12, 8, 5, 30, tzinfo=NY) + timedelta(minutes=minutes), tick=False
        )
        assert run(app).total == 0
    assert len(notified()) == 3

    time_machine.move_to(datetime(2026, 12, 8, 9, 1, tzinfo=NY), tick=False)
    result = run(app)
    assert result.new == {ReminderRule.FIRST_CONTACT_OVERDUE: 5}
    assert result.resolved == 3  # the "due soon" ones: the deadline has passed
    overdue = {user for user, _, _ in notified(ReminderRule.FIRST_CONTACT_OVERDUE)}
    assert overdue == program["team_ids"] | program["sups"]
    assert not overdue & program["other_team"]
    assert program["admin"].id not in overdue
    assert open_titles(sup.id) == [f"First contact overdue — case #{case.id}"]

    for hours in (1, 5, 20):
        time_machine.move_to(
            datetime(2026, 12, 8, 9, 1, tzinfo=NY) + timedelta(hours=hours), tick=False
        )
        assert run(app).total == 0
    assert len(notified()) == 8


def test_a_contact_resolves_the_overdue_reminder(app: Flask, program, time_machine) -> None:  # type: ignore[no-untyped-def]
    case = make_case(program["team"])  # due 6 hours ago
    db.session.commit()
    assert run(app).new == {ReminderRule.FIRST_CONTACT_OVERDUE: 5}
    case.first_contact_at = case.last_contact_at = utcnow()
    db.session.commit()
    assert run(app).resolved == 5
    assert open_titles(program["clinician"].id) == []
    # Nothing deleted: the rows are kept, resolved.
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 5


def test_planned_contact_due_today_is_a_new_york_day(app: Flask, program, time_machine) -> None:  # type: ignore[no-untyped-def]
    # 22:30 in New York is already tomorrow in UTC: the plan for 23:30 is still today.
    time_machine.move_to(datetime(2026, 12, 7, 22, 30, tzinfo=NY), tick=False)
    case = make_case(program["team"], first_contact_at=utcnow(), last_contact_at=utcnow(),
                     next_contact_planned_at=datetime(2026, 12, 7, 23, 30, tzinfo=NY))  # fmt: skip
    tomorrow = make_case(program["team"], first_contact_at=utcnow(), last_contact_at=utcnow(),
                         next_contact_planned_at=datetime(2026, 12, 8, 0, 30, tzinfo=NY))  # fmt: skip
    db.session.commit()
    run(app)
    today = notified(ReminderRule.CONTACT_DUE_TODAY)
    assert {u for u, _, _ in today} == program["team_ids"]
    assert {s for _, _, s in today} == {case.id}
    time_machine.move_to(datetime(2026, 12, 8, 0, 5, tzinfo=NY), tick=False)
    run(app)
    assert {s for _, _, s in notified(ReminderRule.CONTACT_DUE_TODAY)} == {case.id, tomorrow.id}


def test_appointment_tomorrow_goes_to_the_clinician_only(app: Flask, program, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    case = make_case(program["team"], first_contact_at=utcnow(), last_contact_at=utcnow())
    linkage = Linkage(person_id=case.person_id, case_id=case.id, kind=LinkageKind.IMT,
                      status=LinkageStatus.APPOINTMENT_SCHEDULED, target_name="Canary Clinic",
                      appointment_at=datetime(2026, 12, 8, 14, 0, tzinfo=NY))  # fmt: skip
    db.session.add(linkage)
    db.session.commit()
    run(app)
    run(app)
    assert notified(ReminderRule.APPOINTMENT_TOMORROW) == [
        (program["clinician"].id, ReminderRule.APPOINTMENT_TOMORROW, linkage.id)
    ]
    title = open_titles(program["clinician"].id)[0]
    assert title == f"Connection appointment tomorrow — case #{case.id}"
    assert "Canary" not in title and "IMT" not in title


def test_consent_expiring_within_14_days_goes_to_the_clinician(
    app: Flask, program, time_machine
) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    case = make_case(program["team"], first_contact_at=utcnow(), last_contact_at=utcnow())

    def consent(expires_on: date) -> Consent:
        row = Consent(person_id=case.person_id, recipient_kind=RecipientKind.OTHER,
                      recipient_name="Rosa Canary", purpose="Family support",
                      method=ConsentMethod.WRITTEN, given_on=date(2026, 6, 1),
                      expires_on=expires_on)  # fmt: skip
        db.session.add(row)
        return row

    soon, later = consent(date(2026, 12, 21)), consent(date(2026, 12, 22))
    db.session.commit()
    run(app)
    assert notified(ReminderRule.CONSENT_EXPIRING) == [
        (program["clinician"].id, ReminderRule.CONSENT_EXPIRING, soon.id)
    ]
    time_machine.move_to(datetime(2026, 12, 8, 0, 1, tzinfo=NY), tick=False)
    run(app)
    assert {s for _, _, s in notified(ReminderRule.CONSENT_EXPIRING)} == {soon.id, later.id}
    assert not {u for u, _, _ in notified()} & program["officers"]


def test_break_glass_waiting_goes_to_clinical_supervisors(app: Flask, program) -> None:  # type: ignore[no-untyped-def]
    case = make_case(program["team"], first_contact_at=utcnow(), last_contact_at=utcnow())
    outsider = make_user(Role.CLINICIAN)
    access = BreakGlassAccess(user_id=outsider.id, person_id=case.person_id,
                              reason_code=BreakGlassReason.CRISIS, reason="Canary reason",
                              expires_at=utcnow() + timedelta(hours=12))  # fmt: skip
    db.session.add(access)
    db.session.commit()
    run(app)
    assert notified(ReminderRule.BREAK_GLASS_REVIEW) == [
        (program["clinical_sup"].id, ReminderRule.BREAK_GLASS_REVIEW, access.id)
    ]
    access.acknowledged_at = utcnow()
    db.session.commit()
    assert run(app).resolved == 1


def test_no_contact_for_7_days(app: Flask, program, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    quiet = make_case(program["team"], first_contact_at=utcnow() - timedelta(days=10),
                      last_contact_at=utcnow() - timedelta(days=7, minutes=1))  # fmt: skip
    make_case(program["team"], first_contact_at=utcnow() - timedelta(days=10),
              last_contact_at=utcnow() - timedelta(days=6, hours=23))  # fmt: skip
    db.session.commit()
    run(app)
    run(app)
    stale = notified(ReminderRule.NO_CONTACT)
    assert {u for u, _, _ in stale} == program["team_ids"]
    assert {s for _, _, s in stale} == {quiet.id}
    assert open_titles(program["clinician"].id) == [f"No contact for 7 days — case #{quiet.id}"]


def test_training_expiring_within_30_days(app: Flask, program, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    officer = make_user(Role.OFFICER)  # (the team's officers hold CIT without expiry)
    officer_id = officer.id
    expiring = give_training(officer, expires_on=date(2027, 1, 6))
    renewed = give_training(program["clinician"], TrainingKind.MHFA, expires_on=date(2027, 1, 1))
    give_training(program["clinician"], TrainingKind.MHFA, completed_on=date(2026, 12, 1),
                  expires_on=date(2029, 12, 1))  # fmt: skip
    give_training(program["clinician"], TrainingKind.CIT, expires_on=date(2027, 1, 7))  # 31 days
    db.session.commit()
    run(app)
    run(app)
    found = notified(ReminderRule.TRAINING_EXPIRING)
    assert {u for u, _, _ in found} == {officer_id} | program["sups"]
    assert {s for _, _, s in found} == {expiring.id}
    assert renewed.id not in {s for _, _, s in found}
    assert open_titles(officer_id) == ["Your Crisis Intervention Training expires 6 Jan 2027"]
    assert open_titles(program["police_sup"].id) == [
        f"{officer.full_name}'s Crisis Intervention Training expires 6 Jan 2027"
    ]


def test_disabled_accounts_get_nothing(app: Flask, program) -> None:  # type: ignore[no-untyped-def]
    program["clinician"].active = False
    make_case(program["team"])
    db.session.commit()
    run(app)
    assert program["clinician"].id not in {u for u, _, _ in notified()}


def test_concurrent_runs_store_each_reminder_once(app: Flask, program) -> None:  # type: ignore[no-untyped-def]
    """Two runs at once (two connections, as two cron jobs): the unique key and
    insert-if-absent leave one row each, and neither run fails."""
    import threading

    for _ in range(5):
        make_case(program["team"])
    db.session.commit()
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def one_run() -> None:
        try:
            with app.app_context():
                barrier.wait()
                run(app)
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=one_run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(notified()) == 5 * 5

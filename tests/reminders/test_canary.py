"""Canary: clinical text planted in every record a reminder rule reads never reaches a
notification, and police never get the clinical rules' reminders at all."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Discipline, Role
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
from tests.factories import make_case, make_person, make_referral, make_staffed_team, make_user
from tests.reminders.helpers import run

NY = ZoneInfo("America/New_York")
CANARIES = {
    "referral": "CANARY-REFERRAL-REASON",
    "linkage": "CANARY-LINKAGE-TARGET",
    "linkage_note": "CANARY-LINKAGE-NOTE",
    "consent": "CANARY-CONSENT-PURPOSE",
    "recipient": "CANARY-CONSENT-RECIPIENT",
    "break_glass": "CANARY-BREAK-GLASS-REASON",
    "person": "Canarybird",
}


def test_no_clinical_text_in_any_notification(app: Flask, login, time_machine) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    team, officer, _, clinician = make_staffed_team()
    police_sup = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    clinical_sup = make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL)
    person = make_person(last_name=CANARIES["person"])
    case = make_case(team, person, first_contact_at=None,
                     next_contact_planned_at=datetime(2026, 12, 7, 15, 0, tzinfo=NY))  # fmt: skip
    case.referral.reason = CANARIES["referral"]
    make_case(team, first_contact_at=utcnow() - timedelta(days=9),
                      last_contact_at=utcnow() - timedelta(days=8))  # fmt: skip
    db.session.add_all([
        Linkage(person_id=person.id, case_id=case.id, kind=LinkageKind.SUBSTANCE_USE_PROGRAM,
                status=LinkageStatus.APPOINTMENT_SCHEDULED, target_name=CANARIES["linkage"],
                note=CANARIES["linkage_note"], appointment_at=datetime(2026, 12, 8, 11, 0, tzinfo=NY)),
        Consent(person_id=person.id, recipient_kind=RecipientKind.OTHER,
                recipient_name=CANARIES["recipient"], purpose=CANARIES["consent"],
                method=ConsentMethod.WRITTEN, given_on=date(2026, 6, 1), expires_on=date(2026, 12, 14)),
        BreakGlassAccess(user_id=make_user(Role.CLINICIAN).id, person_id=person.id,
                         reason_code=BreakGlassReason.CRISIS, reason=CANARIES["break_glass"],
                         expires_at=utcnow() + timedelta(hours=12)),
    ])  # fmt: skip
    make_referral(person, reason=CANARIES["referral"])
    db.session.commit()
    run(app)

    rules = set(db.session.scalars(select(Notification.rule)))
    assert rules >= {
        ReminderRule.FIRST_CONTACT_OVERDUE, ReminderRule.CONTACT_DUE_TODAY,
        ReminderRule.APPOINTMENT_TOMORROW, ReminderRule.CONSENT_EXPIRING,
        ReminderRule.BREAK_GLASS_REVIEW, ReminderRule.NO_CONTACT,
    }  # fmt: skip
    for row in db.session.scalars(select(Notification)):
        for canary in CANARIES.values():
            assert canary not in row.title and canary not in row.link

    clinical_rules = {r for r in ReminderRule if r.clinical}
    for police in (officer, police_sup):
        theirs = set(
            db.session.scalars(select(Notification.rule).where(Notification.user_id == police.id))
        )
        assert theirs and not theirs & clinical_rules, police.role_label
    db.session.commit()
    for user in (officer, police_sup, clinician, clinical_sup):
        client = login(user)
        page = client.get("/notifications/").get_data(as_text=True)
        assert "First contact overdue" in page
        for canary in CANARIES.values():
            assert canary not in page, (user.role_label, canary)
        if user in (officer, police_sup):
            assert "appointment" not in page.lower() and "consent" not in page.lower()
            assert "break-glass" not in page.lower()
        client.post("/logout")

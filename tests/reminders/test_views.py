"""The notifications page, the header's count and dismissing."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Discipline, Role
from coresponse.extensions import db
from coresponse.reminders.models import Notification, ReminderRule
from tests.factories import PASSWORD, make_case, make_staffed_team, make_user
from tests.reminders.helpers import run

NY = ZoneInfo("America/New_York")


def _count(page: str) -> str | None:
    found = re.search(r'class="count"[^>]*>(\d+)<', page)
    return found.group(1) if found else None


def test_the_page_lists_most_urgent_first_with_the_header_count(
    app: Flask, login, time_machine
) -> None:  # type: ignore[no-untyped-def]
    time_machine.move_to(datetime(2026, 12, 7, 10, 0, tzinfo=NY), tick=False)
    team, _, _, clinician = make_staffed_team()
    later = make_case(team, first_contact_due_at=datetime(2026, 12, 7, 13, 0, tzinfo=NY))
    earlier = make_case(team, first_contact_due_at=datetime(2026, 12, 7, 5, 0, tzinfo=NY))
    db.session.commit()
    client = login(clinician)
    page = client.get("/notifications/").get_data(as_text=True)
    assert _count(page) is None  # no count when there is nothing
    assert "Nothing needs you now." in page

    run(app)
    time_machine.move_to(datetime(2026, 12, 7, 10, 5, tzinfo=NY), tick=False)
    page = client.get("/notifications/").get_data(as_text=True)
    assert _count(page) == "2"
    assert "<th>What</th><th>Due</th><th>When</th>" in page
    first = page.index(f"First contact overdue — case #{earlier.id}")
    second = page.index(f"First contact due — case #{later.id}")
    assert first < second  # most overdue first
    # Worked out now, not stored; whole hours counted down, as the queues say it.
    assert "overdue by 5 h" in page and "due in 2 h" in page and "due in 3 h" not in page
    assert f'href="/cases/{earlier.id}"' in page
    assert "Mon 7 Dec" in page or "7 Dec" in page  # the due time, in New York time

    # Another page shows the same count in its header (one COUNT query).
    assert _count(client.get("/").get_data(as_text=True)) == "2"


def test_dismiss_is_a_post_and_keeps_the_row(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    make_case(team)
    db.session.commit()
    run(app)
    mine = db.session.scalar(select(Notification).where(Notification.user_id == officer.id))
    theirs = db.session.scalar(select(Notification).where(Notification.user_id == clinician.id))
    client = login(officer)
    assert client.get(f"/notifications/{mine.id}/dismiss").status_code == 405
    assert client.post(f"/notifications/{theirs.id}/dismiss").status_code == 404
    response = client.post(f"/notifications/{mine.id}/dismiss")
    assert response.status_code == 302 and response.location == "/notifications/"
    page = client.get("/notifications/").get_data(as_text=True)
    assert _count(page) is None and "Nothing needs you now." in page
    db.session.expire_all()
    kept = db.session.get(Notification, mine.id)
    assert kept is not None and kept.dismissed_at is not None  # not deleted
    # A later run does not bring it back.
    run(app)
    assert client.get("/notifications/").get_data(as_text=True).count("First contact") == 0


def test_dismiss_needs_the_csrf_token(make_app) -> None:  # type: ignore[no-untyped-def]
    make_app()  # the first app creates the schema
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        team, officer, _, _ = make_staffed_team()
        make_case(team)
        db.session.commit()
        run(app)
        client = app.test_client()
        token = re.search(
            r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True)
        )
        client.post(
            "/login",
            data={"username": officer.username, "password": PASSWORD, "csrf_token": token.group(1)},
        )
        page = client.get("/notifications/").get_data(as_text=True)
        action = re.search(r'action="(/notifications/\d+/dismiss)"', page).group(1)
        assert client.post(action).status_code == 400
        form = page[page.index(action) :]
        form_token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form)
        assert client.post(action, data={"csrf_token": form_token.group(1)}).status_code == 302


def test_police_are_never_sent_clinical_reminders(app: Flask, login) -> None:  # type: ignore[no-untyped-def]
    """The policy keeps appointment, consent and break-glass reminders from police,
    even when the rules find them (checked on the rule set, as each rule asks it)."""
    from coresponse.privacy import policy

    officer = make_user(Role.OFFICER)
    police_sup = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE)
    clinician = make_user(Role.CLINICIAN)
    for rule in ReminderRule:
        if rule.clinical:
            assert not policy.receives_reminder(officer, clinical=True)
            assert not policy.receives_reminder(
                police_sup, clinical=True, break_glass=rule is ReminderRule.BREAK_GLASS_REVIEW
            )
    assert policy.receives_reminder(clinician, clinical=True)
    assert not policy.receives_reminder(clinician, clinical=True, break_glass=True)

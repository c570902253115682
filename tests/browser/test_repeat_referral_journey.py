"""Issue 18 in a real browser at tablet size (768×1024): a repeat referral of someone
with an open case joins that case, the team hears of it, and the contact form asks
before saving the same contact twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import Case, CaseEvent, CaseEventKind
from coresponse.clock import utcnow
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from tests.browser.conftest import ARTIFACTS, switch_user
from tests.factories import (
    PASSWORD,
    make_case,
    make_person,
    make_staffed_team,
    make_user,
    minutes_ago_input,
)

pytestmark = pytest.mark.browser


def test_a_repeat_referral_lands_on_the_open_case_and_the_team_is_told(  # type: ignore[no-untyped-def]
    app: Flask, page
) -> None:
    team, officer, officer_b, clinician = make_staffed_team(
        name="Brooklyn North", precincts=("75",)
    )
    for user, name in ((officer, "Andre Thompson"), (officer_b, "Maya Brooks"),
                       (clinician, "Camila Reyes")):  # fmt: skip
        user.full_name = name
    khaled = make_person(first_name="Khaled", last_name="El-Sayed", date_of_birth=date(1988, 3, 14))
    case = make_case(
        team, khaled, last_contact_at=utcnow() - timedelta(days=2),
        first_contact_at=utcnow() - timedelta(days=20),
    )  # fmt: skip
    make_user(Role.SUPERVISOR, discipline=Discipline.POLICE, username="sergeant",
              full_name="Sgt. Dana Cole")  # fmt: skip
    db.session.commit()

    # Intake by the police supervisor: a new spelling of the same man.
    switch_user(page, "sergeant", PASSWORD)
    page.get_by_role("link", name="New referral").click()
    page.get_by_label("Referred by").select_option("nypd_precinct")
    page.get_by_label("Which one").fill("75th Precinct")
    page.get_by_label("Received").fill(minutes_ago_input(90))
    page.get_by_label("Reason for referral").fill("Neighbours called 911 twice overnight.")
    page.get_by_label("First name").fill("Kaled")
    page.get_by_label("Last name").fill("El Sayed")
    page.get_by_label("Date of birth").fill("1988-03-14")
    page.get_by_label("Last known address").fill("500 Sutter Ave")
    page.get_by_label("ZIP code").fill("11207")
    page.get_by_role("button", name="Check and save referral").click()
    matches = page.locator(".matches")
    assert f"Open case #{case.id}" in matches.inner_text()
    assert "Brooklyn North" in matches.inner_text()
    matches.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "repeat-match.png")
    page.locator(f"input[name=person_choice][value='{khaled.id}']").check()
    matches.get_by_role("button", name="Save referral").click()

    # Triage: the open case, without clinical detail for the police supervisor.
    panel = page.locator(".open-case")
    assert "Already has an open case" in panel.inner_text()
    assert f"#{case.id}" in panel.inner_text() and "Brooklyn North" in panel.inner_text()
    assert "Neighbours called 911" not in page.content()  # the reason is clinical
    panel.evaluate("panel => panel.scrollIntoView({block: 'start'})")  # with Accept below
    page.screenshot(path=ARTIFACTS / "repeat-triage.png")
    page.get_by_role("button", name=f"Accept and add to case #{case.id}").click()

    # It lands on the open case: no second case.
    page.wait_for_url(f"**/cases/{case.id}")
    assert f"added to case #{case.id}" in page.locator(".flashes").inner_text()
    assert "Referred again while open" in page.content()
    db.session.expire_all()
    assert (
        db.session.scalar(select(func.count()).select_from(Case).where(Case.person_id == khaled.id))
        == 1
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(CaseEvent)
            .where(CaseEvent.case_id == case.id, CaseEvent.kind == CaseEventKind.NEW_REFERRAL)
        )
        == 1
    )

    # The team is told on their home page until one of them opens the case.
    switch_user(page, officer.username, PASSWORD)
    news = page.locator(".new-referrals")
    assert "Khaled El-Sayed" in news.inner_text()
    news.scroll_into_view_if_needed()
    page.screenshot(path=ARTIFACTS / "repeat-team-home.png")
    news.get_by_role("link", name="Open case").click()
    assert "New referral on this open case" in page.content()
    page.goto("/")
    assert page.locator(".new-referrals").count() == 0

    # The officer logs a contact, goes back and saves it again: the form asks first.
    page.goto(f"/cases/{case.id}/contacts/new")
    when = minutes_ago_input(20)

    def fill_contact() -> None:
        page.get_by_label("Attempt: unable to locate").check()
        page.get_by_label("Not found").check()
        page.get_by_label("When").fill(when)
        page.locator("textarea[name=operational_note]").fill("No answer; left a card.")

    fill_contact()
    page.get_by_role("button", name="Save contact").click()
    assert "Contact saved." in page.locator(".flashes").inner_text()
    page.go_back()
    fill_contact()
    page.get_by_role("button", name="Save contact").click()
    warning = page.locator(".repeat-contact")
    assert "This looks like the contact you just saved — save again?" in warning.inner_text()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=ARTIFACTS / "repeat-contact.png")
    warning.get_by_role("button", name="Save again: it is another contact").click()
    assert "Contact saved." in page.locator(".flashes").inner_text()
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2

"""The whole path from referral to connection in a real browser, at tablet size."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from coresponse.auth.models import Discipline, Role
from coresponse.cases.models import CaseEvent
from coresponse.clock import program_today
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from coresponse.referrals.models import ReferralEvent
from tests.browser.conftest import ARTIFACTS, switch_user
from tests.factories import (
    PASSWORD,
    make_person,
    make_staffed_team,
    make_team,
    make_user,
    minutes_ago_input,
)

pytestmark = pytest.mark.browser


def test_supervisor_officer_and_clinician_run_the_journey(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    known = make_person(first_name="Maria", last_name="Lopes", date_of_birth=date(1979, 5, 4))
    _, officer, _, clinician = make_staffed_team(name="Brooklyn North", precincts=("75",))
    make_staffed_team(
        name="Queens South", precincts=("105",), base_latitude=40.71, base_longitude=-73.74
    )
    make_team(name="Forming", precincts=("75",))
    make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL, username="clinsup")
    db.session.commit()

    def login(username: str) -> None:
        switch_user(page, username, PASSWORD)

    # Intake: the duplicate is shown and chosen.
    login("clinsup")
    page.get_by_role("link", name="New referral").click()
    page.get_by_label("Referred by").select_option("hospital")
    page.get_by_label("Which one").fill("Kings County Hospital ED")
    page.get_by_label("Received").fill(minutes_ago_input(300))
    page.get_by_label("Reason for referral").fill("Discharged after an overdose; missed follow-up.")
    page.get_by_label("Harm to self").check()
    page.get_by_label("First name").fill("Maria")
    page.get_by_label("Last name").fill("Lopez")
    page.get_by_label("Date of birth").fill("1979-05-04")
    page.get_by_label("Last known address").fill("500 Sutter Ave")
    page.get_by_label("ZIP code").fill("11207")  # its centre is in the 75th Precinct
    page.get_by_role("button", name="Check and save referral").click()
    assert "Is this someone already on record?" in page.content()
    page.screenshot(path=ARTIFACTS / "intake-duplicate.png", full_page=True)
    page.locator(f"input[name=person_choice][value='{known.id}']").check()
    page.locator(".matches").get_by_role("button", name="Save referral").click()

    # Triage and dispatch from the ranked list.
    page.get_by_role("button", name="Accept and open a case").click()
    assert page.locator(".ranked h2").first.inner_text().startswith("1. Brooklyn North")
    page.screenshot(path=ARTIFACTS / "dispatch.png", full_page=True)
    page.get_by_role("button", name="Assign to Brooklyn North").click()
    assert "Assigned to Brooklyn North" in page.locator(".flashes").inner_text()
    case_url = page.url
    # Hours pass before the team goes out.
    for model in (CaseEvent, ReferralEvent):
        for event in db.session.scalars(select(model)):
            event.at -= timedelta(hours=3)
    db.session.commit()

    # The officer logs an attempt from their caseload.
    login(officer.username)
    page.get_by_role("link", name="My caseload").click()
    page.get_by_role("link", name="Log contact").click()
    assert page.get_by_text("Clinical note").count() == 0
    page.get_by_label("Attempt: unable to locate").check()
    page.get_by_label("Not found").check()
    page.get_by_label("When").fill(minutes_ago_input(60))
    page.locator("textarea[name=operational_note]").fill("No answer at the door; left a card.")
    page.get_by_role("button", name="Save contact").click()
    assert "Contact saved." in page.locator(".flashes").inner_text()

    # The clinician logs an engaged contact, an addendum, and a verified connection.
    login(clinician.username)
    page.goto(case_url)
    page.get_by_role("link", name="Log contact").click()
    page.get_by_label("When").fill(minutes_ago_input(30))
    page.locator("textarea[name=operational_note]").fill("Spoke in the lobby; calm.")
    page.locator("textarea[name=clinical_note]").fill("Agreed to clinic intake.")
    page.get_by_label("Moderate").check()
    page.screenshot(path=ARTIFACTS / "contact-form.png", full_page=True)
    page.get_by_role("button", name="Save contact").click()
    page.get_by_role("link", name="Add addendum").first.click()
    page.get_by_label("Why are you adding this? — for the whole team").fill(
        "Added who else was present"
    )
    page.locator("textarea[name=operational_text]").fill("Her sister was there too.")
    page.get_by_role("button", name="Save addendum").click()

    page.goto(case_url)
    page.get_by_role("link", name="Add connection").click()
    page.get_by_label("Kind of connection").first.select_option("outpatient_clinic")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Or a program or service not in the directory").fill(
        "Bushwick Outpatient Clinic"
    )
    page.get_by_role("button", name="Save as identified").click()
    page.locator("summary", has_text="Referral sent").click()
    page.locator(".step-referred").get_by_role("button").click()
    page.locator("summary", has_text="Appointment scheduled").click()
    page.locator(".step-appointment_scheduled input[type=datetime-local]").fill(
        minutes_ago_input(-24 * 60)
    )
    page.locator(".step-appointment_scheduled").get_by_role("button").click()
    page.locator("summary", has_text="Connected (verified)").click()
    step = page.locator(".step-connected")
    step.locator("input[type=date]").fill(program_today().isoformat())
    step.locator("select").select_option("provider_confirmed")
    step.get_by_label("Verified by").fill("Intake coordinator at the clinic")
    step.get_by_role("button").click()
    assert "is now connected (verified)" in page.locator(".flashes").inner_text()

    # Closure and reopening.
    page.goto(case_url)
    page.locator("summary", has_text="Close this case").click()
    page.get_by_label("Reason").select_option("connected_to_care")
    # The clinician writes both parts of the note: one the officers read, one they don't.
    page.get_by_label("Closing note — for the whole team").fill("No more visits planned.")
    page.get_by_label("Closing note — clinical").fill("Attending the clinic weekly.")
    page.get_by_role("button", name="Close the case").click()
    page.get_by_label("Why reopen — clinical").fill("Missed two appointments.")
    page.get_by_role("button", name="Reopen the case").click()
    assert "Case reopened" in page.locator(".flashes").inner_text()

    # The person's timeline holds all of it, newest first.
    page.get_by_role("link", name="Maria Lopes").first.click()
    page.screenshot(path=ARTIFACTS / "timeline.png", full_page=True)
    text = page.locator(".timeline").inner_text()
    order = ["reopened", "closed", "Connection connected", "Connection referred",
             "Added who else was present", "Agreed to clinic intake.", "No answer at the door",
             "assigned to a team", "Referral received"]  # fmt: skip
    positions = [text.find(item) for item in order]
    assert -1 not in positions and positions == sorted(positions), list(
        zip(order, positions, strict=True)
    )
    assert db.session.scalar(select(func.count()).select_from(Contact)) == 2

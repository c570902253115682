"""On the demo program: supervisor, officer and clinician take a new referral to a connection."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse import demo
from coresponse.clock import program_today
from coresponse.extensions import db
from tests.browser.conftest import ARTIFACTS, switch_user

pytestmark = pytest.mark.browser
PASSWORD = "demo-password-for-tests"


def test_the_demo_logins_run_the_journey(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    demo.seed(password=PASSWORD, people=20, seed=2016, force=False)
    db.session.commit()

    def login(username: str) -> None:
        switch_user(page, username, PASSWORD)
        assert "/login" not in page.url, username

    # The clinical supervisor takes a referral from a family member in the 75th Precinct.
    login("supervisor")
    page.get_by_role("link", name="New referral").click()
    page.get_by_label("Referred by").select_option("family_community")
    page.get_by_label("Reason for referral").fill(
        "Sister worried: not sleeping, talking of hurting himself."
    )
    page.get_by_label("Harm to self").check()
    page.get_by_label("First name").fill("Zebedee")
    page.get_by_label("Last name").fill("Quartermain")
    page.get_by_label("Or approximate age").fill("34")
    page.get_by_label("Last known address").fill("780 Blake Ave")
    page.get_by_label("ZIP code").fill("11207")  # its centre is in the 75th Precinct
    page.get_by_role("button", name="Check and save referral").click()
    if page.locator(".matches").count():  # a look-alike in the demo: this is someone new
        page.locator("input[name=person_choice][value=new]").check()
        page.locator(".matches").get_by_role("button", name="Save referral").click()
    page.get_by_role("button", name="Accept and open a case").click()
    page.get_by_role("button", name="Assign to Brooklyn North").click()
    case_url = page.url

    # The officer on Brooklyn North finds it on the caseload, marked new, and logs an attempt.
    login("officer")
    page.get_by_role("link", name="My caseload").click()
    row = page.locator("tr", has_text="Zebedee Quartermain")
    assert "New" in row.inner_text()
    row.get_by_role("link", name="Log contact").click()
    page.get_by_label("Attempt: unable to locate").check()
    page.get_by_label("Not found").check()
    page.locator("textarea[name=operational_note]").fill("Nobody home; spoke to the neighbour.")
    page.get_by_role("button", name="Save contact").click()
    assert "Contact saved." in page.locator(".flashes").inner_text()

    # The clinician on the same team connects him to care.
    login("clinician")
    page.goto(case_url)
    page.get_by_role("link", name="Add connection").click()
    page.get_by_label("Kind of connection").first.select_option("outpatient_clinic")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Or a program or service not in the directory").fill("East New York Clinic")
    page.get_by_role("button", name="Save as identified").click()
    page.locator("summary", has_text="Referral sent").click()
    page.locator(".step-referred").get_by_role("button").click()
    page.locator("summary", has_text="Connected (verified)").click()
    step = page.locator(".step-connected")
    step.locator("input[type=date]").fill(program_today().isoformat())
    step.locator("select").select_option("attended_with_staff")
    step.get_by_label("Verified by").fill("Camila Reyes, went with him")
    step.get_by_role("button").click()
    assert "connected (verified)" in page.locator(".flashes").inner_text()
    page.goto(case_url)
    page.screenshot(path=ARTIFACTS / "demo-case-clinician.png", full_page=True)

    # The officer's view of the same case shows the attempt, not the connection.
    login("officer")
    page.goto(case_url)
    body = page.content()
    assert "Nobody home" in body and "East New York Clinic" not in body
    assert "talking of hurting himself" not in body

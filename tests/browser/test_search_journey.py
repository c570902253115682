"""A clinician finds people in a real browser, at tablet size: why each one matched, and
emergency access to someone outside the team straight from the results."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_case, make_person, make_staffed_team

pytestmark = pytest.mark.browser


def test_a_clinician_finds_people_and_breaks_the_glass_from_search(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team(name="Brooklyn North")
    other_team, *_ = make_staffed_team(name="Queens")
    make_case(
        team, make_person(first_name="Reginald", last_name="Simmons", preferred_name="Reggie")
    )
    make_case(team, make_person(first_name="Reggie", last_name="Greene"))
    make_case(team, make_person(first_name="Khaled", last_name="El-Sayed"))
    theirs = make_person(
        first_name="Khaled", last_name="El Sayed", address={"line1": "31-20 Steinway St"}
    )
    make_case(other_team, theirs)
    db.session.commit()

    page.goto("/people/")
    page.get_by_label("Username").fill(clinician.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_label("Name, nickname, alias, date of birth, phone or address").fill("Reggie")
    page.get_by_role("button", name="Search").click()
    rows = page.locator("table.search-results tbody tr")
    assert rows.count() == 2
    assert "Reggie Greene" in rows.nth(0).inner_text()  # the name itself first
    assert "preferred name" in rows.nth(1).inner_text()
    page.screenshot(path=ARTIFACTS / "search-why.png", full_page=True)

    page.get_by_label("Name, nickname, alias, date of birth, phone or address").fill(
        "Kaled El Sayed"
    )
    page.get_by_role("button", name="Search").click()
    assert "similar spelling" in rows.nth(0).inner_text()
    outside = page.locator("section.outside-team")
    assert "1 person outside your team matches" in outside.inner_text()
    assert "Khaled El Sayed" in outside.inner_text() and "Steinway" not in outside.inner_text()
    outside.get_by_text("Emergency access…").click()
    outside.get_by_label("Call from 911, EMS, police or a hospital").check()
    outside.get_by_label("Your reason").fill("Astoria ER called: he is in crisis tonight.")
    page.screenshot(path=ARTIFACTS / "search-outside-team.png", full_page=True)
    # Every control a finger needs is at least 44 px tall.
    for control in page.locator("main button, main .button, main label.choice").all():
        if control.is_visible():
            assert control.bounding_box()["height"] >= 44, control.inner_text()
    outside.get_by_role("button", name="Open the record").click()
    page.wait_for_url(f"**/people/{theirs.id}")
    assert "Emergency access recorded" in page.locator(".flashes").inner_text()
    assert "31-20 Steinway St" in page.content()

"""Before you go, at the door: the brief fits a tablet's screen without scrolling, for a
clinician (with risk and connections) and an officer (operational only)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from flask import Flask

from tests.browser.conftest import ARTIFACTS, TABLET_PORTRAIT, switch_user
from tests.factories import PASSWORD
from tests.people.test_brief import build_brief_world

pytestmark = pytest.mark.browser


def test_the_brief_fits_the_tablet_for_clinician_and_officer(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    person, _case, officer, clinician = build_brief_world()
    for user, clinical in ((clinician, True), (officer, False)):
        switch_user(page, user.username, PASSWORD)
        page.goto(f"/people/{person.id}")
        brief = page.locator("section.brief")
        card = page.locator("section.person-card")
        # Safety flags, whereabouts, the last and next contact and the button: one glance.
        assert "Weapons access" in card.inner_text()
        assert "bodega on the corner" in card.inner_text()
        assert "English" in card.inner_text()  # languages, above the fold too
        assert "Not found" in brief.inner_text()
        assert page.get_by_role("link", name="Log contact").is_visible()
        assert ("Latest risk" in brief.inner_text()) is clinical
        assert ("Harm to self" in card.inner_text()) is clinical
        bottom = brief.bounding_box()
        assert bottom is not None
        assert bottom["y"] + bottom["height"] <= TABLET_PORTRAIT["height"], (
            "the brief needs scrolling"
        )
        name = "clinician" if clinical else "officer"
        page.screenshot(path=ARTIFACTS / f"brief-{name}.png")

        # Field mode's card for the same case carries the same brief.
        page.goto("/field/")
        card = page.locator(".case-card", has_text="Maribel")
        card.locator(".case-brief").wait_for()
        text = card.inner_text()
        assert "Weapons access" in text and "bodega on the corner" in text
        assert "Speaks English" in text
        assert "Not found" in text
        assert ("Latest risk: High" in text) is clinical
        assert ("Harm to self" in text) is clinical
        page.screenshot(path=ARTIFACTS / f"field-brief-{name}.png")


def test_field_mode_shows_new_york_time_on_a_tablet_set_elsewhere(
    app: Flask, browser, live_server
) -> None:  # type: ignore[no-untyped-def]
    """A tablet left on Berlin time and German formats still reads the program's times as
    the site writes them, and the overdue case comes first."""
    _person, case, officer, _clinician = build_brief_world()
    context = browser.new_context(
        viewport=TABLET_PORTRAIT, base_url=live_server, timezone_id="Europe/Berlin", locale="de-DE"
    )
    page = context.new_page()
    try:
        switch_user(page, officer.username, PASSWORD)
        page.goto("/field/")
        page.locator(".case-card .case-brief").first.wait_for()
        planned = case.next_contact_planned_at.astimezone(ZoneInfo(app.config["TIMEZONE"]))
        expected = f"{planned:%a} {planned.day} {planned:%b %Y, %H:%M}"
        assert f"Next contact planned {expected}" in page.locator(".case-card").first.inner_text()
    finally:
        context.close()


def test_choosing_attempt_chooses_not_found(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    """On the site's contact form and field mode's alike."""
    _person, case, officer, _clinician = build_brief_world()
    switch_user(page, officer.username, PASSWORD)
    page.goto(f"/cases/{case.id}/contacts/new")
    page.get_by_label("Attempt: unable to locate").check()
    assert page.get_by_label("Not found", exact=True).is_checked()

    page.goto("/field/")
    page.locator(f".case-card[data-case-id='{case.id}']").get_by_role(
        "link", name="Log contact"
    ).click()
    page.wait_for_selector("form[data-contact-form]:not([hidden])")
    page.get_by_label("Attempt: unable to locate").check()
    assert page.get_by_label("Not found", exact=True).is_checked()

"""A supervisor staffs a team in a real browser, at tablet size."""

from __future__ import annotations

import pytest
from flask import Flask

from coresponse.auth.models import Role
from coresponse.extensions import db
from tests.browser.conftest import ARTIFACTS
from tests.factories import PASSWORD, give_training, make_user

pytestmark = pytest.mark.browser


def test_supervisor_creates_and_staffs_a_team(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    make_user(Role.SUPERVISOR, username="sergeant", full_name="Maria Alvarez")
    # Both officers hold current Crisis Intervention Training: dispatch needs it.
    give_training(make_user(Role.OFFICER, full_name="Luis Ortega"))
    give_training(make_user(Role.OFFICER, full_name="Dana Kim"))
    make_user(Role.CLINICIAN, full_name="Priya Shah")
    db.session.commit()

    page.goto("/teams/")
    page.get_by_label("Username").fill("sergeant")
    page.get_by_label("Password").fill(PASSWORD)
    page.screenshot(path=ARTIFACTS / "login.png")
    page.get_by_role("button", name="Log in").click()
    assert page.url.endswith("/teams/")

    page.get_by_role("link", name="New team").click()
    page.get_by_label("Team name").fill("Bronx South")
    page.get_by_label("Base address").fill("450 Cross Bronx Expy, Bronx, NY")
    # Coverage is ticked from the precincts, grouped by borough.
    bronx = page.locator("fieldset.borough-group", has_text="Bronx")
    for number in ("40th", "42nd"):
        bronx.get_by_label(number, exact=True).check()
    page.get_by_label("Shift starts").fill("08:00")
    page.get_by_label("Shift ends").fill("20:00")
    page.screenshot(path=ARTIFACTS / "team-form.png", full_page=True)
    page.get_by_role("button", name="Save team").click()

    assert "Bronx: precincts 40, 42" in page.locator("main").inner_text()
    status = page.locator(".status-panel")
    assert "Needs two officers; needs one clinician" in status.inner_text()
    for name in ("Luis Ortega", "Priya Shah", "Dana Kim"):
        page.get_by_label("Add a member").select_option(
            label=f"{name} ({'clinician' if name == 'Priya Shah' else 'police officer'})"
        )
        page.get_by_role("button", name="Add to team").click()
        assert f"{name} joined Bronx South" in page.locator(".flashes").inner_text()
    assert "Dispatchable" in status.inner_text()
    assert "Not dispatchable" not in status.inner_text()
    page.screenshot(path=ARTIFACTS / "team-detail.png", full_page=True)

    # Every control a finger needs is at least 44 px tall.
    for control in page.locator("main button, main .button, main select").all():
        if control.is_visible():
            assert control.bounding_box()["height"] >= 44, control.inner_text()

    page.goto("/teams/")
    page.screenshot(path=ARTIFACTS / "teams.png", full_page=True)
    page.goto("/")
    page.screenshot(path=ARTIFACTS / "home-supervisor.png", full_page=True)

"""Two people edit the same person's details in two browsers: the second sees the conflict."""

from __future__ import annotations

from flask import Flask

from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.people.models import Person
from tests.browser.conftest import ARTIFACTS, new_tab
from tests.factories import PASSWORD, make_case, make_person, make_staffed_team, make_user


def _log_in(tab, user) -> None:  # type: ignore[no-untyped-def]
    tab.goto("/login")
    tab.fill("#username", user.username)
    tab.fill("#password", PASSWORD)
    tab.click("button[type=submit]")
    tab.wait_for_url("**/")


def test_the_second_save_shows_both_versions_and_starts_again(
    app: Flask, browser, live_server
) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    person = make_person(first_name="Alex", last_name="Rivera")
    make_case(team, person)
    supervisor = make_user(Role.SUPERVISOR, full_name="Sgt. Dana Cole")
    db.session.commit()
    tabs = []
    for user, size in ((supervisor, {"width": 768, "height": 1024}),
                       (clinician, {"width": 1024, "height": 768})):  # fmt: skip
        tab = new_tab(browser, live_server, viewport=size)
        _log_in(tab, user)
        tab.goto(f"/people/{person.id}")
        tab.click("text=Edit details")
        tabs.append(tab)
    first, second = tabs
    ARTIFACTS.mkdir(exist_ok=True)
    first.screenshot(path=str(ARTIFACTS / "person-edit-768.png"), full_page=True)

    first.fill("#first_name", "Alexandra")
    first.click("text=Save details")
    assert "Details saved." in first.content()

    second.fill("#first_name", "Sandy")
    second.fill("#gender_description", "Nonbinary")
    second.click("text=Save details")
    body = (
        second.locator("main").inner_text() if second.locator("main").count() else second.content()
    )
    assert "Nothing you entered was saved" in body
    assert "Sandy" in body and "Alexandra" in body and "Sgt. Dana Cole" in body
    second.screenshot(path=str(ARTIFACTS / "person-conflict-1024.png"), full_page=True)
    second.set_viewport_size({"width": 768, "height": 1024})
    second.screenshot(path=str(ARTIFACTS / "person-conflict-768.png"), full_page=True)

    second.click("text=Start again from the current details")
    assert second.input_value("#first_name") == "Alexandra"
    second.fill("#gender_description", "Nonbinary")
    second.click("text=Save details")
    assert "Details saved." in second.content()
    db.session.expire_all()
    stored = db.session.get(Person, person.id)
    assert (stored.first_name, stored.gender_description) == ("Alexandra", "Nonbinary")

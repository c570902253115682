"""An analyst and a police sergeant read the outcomes in a real browser, at tablet size."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import expect

from coresponse.auth.models import Discipline, Role
from coresponse.extensions import db
from tests.browser.conftest import ARTIFACTS, switch_user
from tests.factories import PASSWORD, make_user
from tests.reports import program

pytestmark = pytest.mark.browser


def test_analyst_and_sergeant_read_the_outcomes(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    program.build_crowded()
    make_user(Role.ANALYST, username="analyst")
    make_user(Role.SUPERVISOR, username="sergeant", discipline=Discipline.POLICE)
    db.session.commit()

    for username in ("analyst", "sergeant"):
        switch_user(page, username, PASSWORD)
        page.get_by_role("link", name="Outcomes").click()
        page.get_by_label("From", exact=True).fill("2025-10-01")
        page.get_by_label("To", exact=True).fill("2025-11-30")
        page.get_by_label("Group by").select_option(label="Borough")
        page.get_by_role("button", name="Show").click()
        # The form is a GET: count the charts on the page it leads to, not the one it left.
        page.wait_for_url("**group_by=borough")
        # Every chart is drawn (Chart.js, vendored) from the table beside it.
        charts = page.locator("figure[data-chart]")
        assert charts.count() == 5
        expect(page.locator("figure.chart-drawn")).to_have_count(5)  # drawn once loaded
        tiles = page.locator(".report-tiles").inner_text()
        assert "41" in tiles and "Referrals received" in tiles
        # The police get no connections (policy.can_see_treatment_outcomes).
        headline = page.locator("#closed_with_verified_connection")
        if username == "analyst":
            assert "<11" in headline.inner_text()
        else:
            assert headline.count() == 0
        # Nothing on the page is wider than the tablet.
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        page.screenshot(path=ARTIFACTS / f"reports-dashboard-{username}.png")

        page.get_by_role("link", name="Monthly report").click()
        page.get_by_label("Month", exact=True).fill("2025-10")
        page.get_by_role("button", name="Show").click()
        page.wait_for_url("**2025-10**")
        assert "monthly program report, October 2025" in page.locator("h1").inner_text()
        assert page.get_by_role("button", name="Print").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 768
        page.screenshot(path=ARTIFACTS / f"reports-monthly-{username}.png")
        page.get_by_role("link", name="Back to outcomes").click()

"""Every page every demo login can reach, at phone, tablet and laptop widths, checked by axe-core.

axe-core (bundled by axe-playwright-python) runs in the system Chromium on each page at
390, 768 and 1024 px: no critical or serious WCAG 2.1 AA violation may remain, and the
page has exactly one <h1>. Nothing may scroll sideways at those widths, nor at 360 and
1440 px. The pages are the app's own GET
routes (JSON, CSV, the service worker and static files aside), each reached with a real
record of the demo program, so a new page is checked as soon as it exists. Who may reach
which route comes from the authorization matrix.

One browser context per login, reused across its pages; a page is loaded once and resized
for each width. axe's colour-contrast rule is most of the time
(the outcome reports' long tables take seconds); `make test` spreads the checks over its
workers, each seeding the demo once.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from flask import Flask
from sqlalchemy import select
from werkzeug.routing import Rule

from coresponse import create_app, demo
from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseStatus
from coresponse.contacts.models import Contact
from coresponse.demo.reference import DEMO_TEAM
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, Provider
from coresponse.people.queries import merge_side
from coresponse.people.services import merge_people
from coresponse.referrals.models import Referral, ReferralStatus
from coresponse.teams.models import Team
from tests import fake_clock
from tests.browser.conftest import ARTIFACTS, serve
from tests.factories import make_person
from tests.test_authorization_matrix import MATRIX, OK

pytestmark = pytest.mark.browser

PASSWORD = "demo-password-for-tests"
# The demo's logins, and the role of the authorization matrix each one plays.
LOGINS = {
    "supervisor": "clin_sup",
    "sergeant": "pol_sup",
    "clinician": "clinician",
    "officer": "officer",
    "analyst": "analyst",
    "admin": "admin",
}
PHONE, TABLET, LAPTOP = 390, 768, 1024
HEIGHT = {PHONE: 844, TABLET: 1024, LAPTOP: 768}
# Files and data, not pages a person reads.
NOT_PAGES = {
    "static", "health.healthz", "offline.service_worker", "offline.manifest",
    "audit.export", "reports.outcomes_csv", "deidentified.download",
    "cases.case_map_data", "linkages.providers_map", "auth.logout",
}  # fmt: skip
# Public pages, seen signed out.
SIGNED_OUT = ("auth.login",)
# Sideways scrolling is also checked at the narrowest phone and a wide desktop, beside
# the phone's and the laptop's widths (no axe run: the markup is the same).
ALSO_SCROLL = {PHONE: (360,), TABLET: (), LAPTOP: (1440,)}
ALSO_HEIGHT = {360: 740, 1440: 900}


def _page_endpoints() -> list[Rule]:
    app = create_app("test", SQLALCHEMY_DATABASE_URI="sqlite://")
    return sorted(
        (
            rule
            for rule in app.url_map.iter_rules()
            if "GET" in (rule.methods or ())
            and rule.endpoint not in NOT_PAGES
            and not rule.endpoint.startswith(("api.", "api_tokens.revoke"))
        ),
        key=lambda rule: rule.endpoint,
    )


RULES = {rule.endpoint: rule for rule in _page_endpoints()}


def _cases() -> list[Any]:
    cases = [
        pytest.param(None, endpoint, width, id=f"signed-out-{endpoint}-{width}")
        for endpoint in SIGNED_OUT
        for width in (PHONE, TABLET, LAPTOP)
    ]
    for login, role in LOGINS.items():
        for endpoint in RULES:
            if endpoint in SIGNED_OUT or MATRIX.get(endpoint, {}).get(role) != OK:
                continue
            for width in (PHONE, TABLET, LAPTOP):
                cases.append(pytest.param(login, endpoint, width, id=f"{login}-{endpoint}-{width}"))
    return cases


def _ids() -> dict[str, object]:
    """A real record of the demo for each kind of id a route takes: the demo team's open
    case that has contacts and a connection, and what hangs off it."""
    team = db.session.scalar(select(Team).where(Team.name == DEMO_TEAM))
    assert team is not None
    linkage = db.session.scalars(
        select(Linkage)
        .join(Case, Case.id == Linkage.case_id)
        .join(Contact, Contact.case_id == Case.id)
        .where(Case.team_id == team.id, Case.status == CaseStatus.OPEN)
        .order_by(Linkage.id)
    ).first()
    assert linkage is not None and linkage.case_id is not None
    contact = db.session.scalars(
        select(Contact).where(Contact.case_id == linkage.case_id).order_by(Contact.id.desc())
    ).first()
    assert contact is not None
    referral = db.session.scalars(
        select(Referral).where(Referral.status == ReferralStatus.RECEIVED).order_by(Referral.id)
    ).first()
    assert referral is not None
    officer = db.session.scalar(select(User).where(User.username == "officer"))
    provider = db.session.scalars(select(Provider).order_by(Provider.id)).first()
    assert officer is not None and provider is not None
    return {
        "case_id": linkage.case_id, "person_id": linkage.person_id, "contact_id": contact.id,
        "linkage_id": linkage.id, "referral_id": referral.id, "team_id": team.id,
        "user_id": officer.id, "provider_id": provider.id, "key": "triage",
        "merge_id": _a_merge(),
    }  # fmt: skip


def _a_merge() -> int:
    """Two records of one person, merged by the clinical supervisor (the undo page's id)."""
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    assert supervisor is not None
    stays, goes = (
        make_person(first_name="Dana", last_name="Okoro"),
        make_person(first_name="Dana", last_name="Okoro-Baptiste"),
    )
    db.session.flush()
    merged = merge_people(
        merge_side(supervisor, stays.id).person, merge_side(supervisor, goes.id).person,
        by=supervisor,
    )  # fmt: skip
    return merged.id


class World:
    """The demo program served on a local port, and one signed-in browser context per login."""

    def __init__(self, app: Flask, base_url: str, browser: Any, ids: dict[str, object]) -> None:
        self.app, self.base_url, self.browser, self.ids = app, base_url, browser, ids
        self.tabs: dict[str | None, Any] = {}

    def tab(self, login: str | None) -> Any:
        if login not in self.tabs:
            context = self.browser.new_context(
                viewport={"width": LAPTOP, "height": HEIGHT[LAPTOP]},
                base_url=self.base_url,
                timezone_id=self.app.config["TIMEZONE"],
            )
            tab = context.new_page()
            tab.set_default_timeout(15_000)
            if login is not None:
                tab.goto("/login")
                tab.get_by_label("Username").fill(login)
                tab.get_by_label("Password").fill(PASSWORD)
                tab.get_by_role("button", name="Log in").click()
                tab.wait_for_load_state()
                assert "/login" not in tab.url, login
            self.tabs[login] = tab
        return self.tabs[login]

    def url(self, endpoint: str) -> str:
        url = RULES[endpoint].rule
        for arg in RULES[endpoint].arguments:
            value = str(self.ids[arg])
            url = url.replace(f"<int:{arg}>", value).replace(f"<{arg}>", value)
        return url


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[World]:
    # The session's browser (conftest): a second Playwright in a process whose worker
    # already ran another browser module fails ("Sync API inside the asyncio loop").
    if os.environ.get(fake_clock.VARIABLE):
        pytest.skip("axe checks the markup, which the moved clock does not change")

    # SQLite always: the module keeps its world across tests, which on a shared PostgreSQL
    # database another module's test (run between them by xdist) would empty.
    database = Path(tmp_path_factory.mktemp("axe")) / "demo.db"
    app = create_app("test", SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    with app.app_context():
        db.create_all()
        demo.seed(password=PASSWORD, people=20, seed=2016, force=False)
        db.session.commit()
        ids = _ids()
        db.session.commit()  # the merge _ids makes
        db.session.remove()
    with serve(app) as base_url:
        world = World(app, base_url, browser, ids)
        try:
            yield world
        finally:
            for tab in world.tabs.values():
                tab.context.close()
    with app.app_context():
        db.engine.dispose()


def _serious(results: dict[str, Any]) -> list[str]:
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in ("critical", "serious"):
            continue
        targets = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} — {targets}")
    return lines


# The page's scroll width, its viewport's width, and the innermost elements that stick out
# past the viewport's right edge (what to fix when it scrolls sideways).
SIDEWAYS = """() => {
  const root = document.documentElement, limit = root.clientWidth;
  // A map's panes lie outside its box on purpose (the box clips them).
  const out = [...document.body.querySelectorAll('*')].filter(
    (el) => el.getBoundingClientRect().right > limit + 1 && el.getClientRects().length
      && !el.closest('.leaflet-container svg, .leaflet-pane'));
  const innermost = out.filter((el) => !out.some((other) => other !== el && el.contains(other)));
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + [...el.classList].map((c) => '.' + c).join('');
  return [root.scrollWidth, limit, innermost.slice(0, 5).map(
    (el) => `${name(el.parentElement)} > ${name(el)} (${Math.round(el.getBoundingClientRect().right)} px)`)];
}"""
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


@pytest.mark.parametrize(("login", "endpoint", "width"), _cases())
def test_no_serious_violations_and_no_sideways_scrolling(
    world: World, login: str | None, endpoint: str, width: int
) -> None:
    tab = world.tab(login)
    url = world.url(endpoint)
    if tab.url != world.base_url + url:
        response = tab.goto(url)
        assert response is not None and response.ok, f"{url}: {response and response.status}"
        # A map or a chart is drawn by scripts from data they fetch: check what they draw.
        if tab.locator(".map, [data-chart]").count():
            tab.wait_for_load_state("networkidle")
    tab.set_viewport_size({"width": width, "height": HEIGHT[width]})
    if not tab.evaluate("typeof window.axe !== 'undefined'"):
        tab.evaluate(AXE_SCRIPT)
    results = tab.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    problems = _serious(results)
    headings = tab.locator("h1").count()
    if headings != 1:
        problems.append(f"{headings} <h1> elements: a page has exactly one")
    for wide_as in (width, *ALSO_SCROLL[width]):
        if wide_as != width:
            tab.set_viewport_size({"width": wide_as, "height": ALSO_HEIGHT[wide_as]})
        scroll, client, wide = tab.evaluate(SIDEWAYS)
        if scroll > client:
            problems.append(
                f"scrolls sideways at {wide_as} px: {scroll} px of content in {client} px: {wide}"
            )
    assert not problems, f"{login} {url} at {width} px:\n" + "\n".join(problems)


def test_the_menu_folds_on_a_phone_and_its_button_opens_it(world: World) -> None:
    tab = world.tab("supervisor")
    tab.set_viewport_size({"width": PHONE, "height": HEIGHT[PHONE]})
    tab.goto("/")
    button = tab.get_by_role("button", name="Menu")
    people = tab.get_by_role("navigation", name="Main").get_by_role("link", name="People")
    assert button.get_attribute("aria-expanded") == "false"
    assert not people.is_visible()
    button.click()
    assert button.get_attribute("aria-expanded") == "true"
    people.click()
    tab.wait_for_url("**/people/")
    tab.get_by_role("button", name="Menu").press("Enter")
    tab.keyboard.press("Escape")
    assert tab.get_by_role("button", name="Menu").get_attribute("aria-expanded") == "false"
    assert tab.evaluate("document.activeElement.classList.contains('menu-toggle')")
    tab.set_viewport_size({"width": LAPTOP, "height": HEIGHT[LAPTOP]})
    assert not tab.get_by_role("button", name="Menu").is_visible()
    assert people.is_visible()
    tab.screenshot(path=ARTIFACTS / "menu-laptop.png")


def test_focus_moves_to_the_error_summary_and_its_links_to_the_fields(world: World) -> None:
    tab = world.tab("supervisor")
    tab.set_viewport_size({"width": PHONE, "height": HEIGHT[PHONE]})
    tab.goto("/referrals/new")
    tab.get_by_label("Referrer's e-mail").fill("not-an-email")
    tab.get_by_role("button", name="Check and save referral").click()
    summary = tab.locator("[data-error-summary]")
    summary.wait_for()
    # forms.js moves the focus once the page has run its scripts: wait for it (a timeout
    # fails the test), rather than reading the focus the moment the summary exists.
    tab.wait_for_function("document.activeElement?.hasAttribute('data-error-summary')")
    assert "not-an-email' is not an e-mail address" in summary.inner_text()
    summary.get_by_role("link", name=re.compile("Referrer's e-mail")).click()
    tab.wait_for_function("document.activeElement?.id === 'referrer_email'")
    tab.goto("/")


# The layout shifts Chromium reports (what Lighthouse's CLS adds up) in the page's first
# seconds, with what moved: field mode fills its page from scripts after it is drawn.
LAYOUT_SHIFT = """() => new Promise((resolve) => {
  let total = 0; const moved = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (entry.hadRecentInput) continue;
      total += entry.value;
      moved.push(...entry.sources.map((s) => s.node && (s.node.id || s.node.className || s.node.nodeName)));
    }
  }).observe({type: 'layout-shift', buffered: true});
  setTimeout(() => resolve([total, moved]), 2000);
})"""


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
@pytest.mark.parametrize("url", ["/field/", "/field/contact"])
def test_field_mode_does_not_shift_while_it_loads(world: World, url: str, width: int) -> None:
    tab = world.tab("clinician")
    tab.set_viewport_size({"width": width, "height": HEIGHT[width]})
    tab.goto(url)
    shift, moved = tab.evaluate(LAYOUT_SHIFT)
    assert shift < 0.1, f"{url} at {width} px: cumulative layout shift {shift:.3f} ({moved})"

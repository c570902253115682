"""Every map in a real browser, at tablet size, under the app's real CSP: drawn with no
console error and no CSP violation, pins and boundaries where they should be, and a tap
that fills the form or ticks the box."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from flask import Flask
from playwright.sync_api import expect

from coresponse.auth.models import Discipline, Role
from coresponse.clock import utcnow
from coresponse.extensions import db
from coresponse.geo.nyc import precinct_label
from coresponse.linkages.models import LinkageKind
from coresponse.people.models import LocationStatus, PersonAddress
from tests.browser.conftest import ARTIFACTS, new_tab, serve, switch_user
from tests.factories import PASSWORD, make_case, make_person, make_staffed_team, make_user
from tests.linkages.helpers import make_provider
from tests.reports import program

pytestmark = pytest.mark.browser

PRECINCTS_DRAWN = 77  # the boundary file's precincts (the 116th is not in it)
# The 75th's neighbours (and theirs): a pin dragged out of the 75th lands in one of them.
AROUND_THE_75TH = ("69", "73", "77", "79", "81", "83", "90", "102", "104", "106", "113")
# How far the journey drags the pin: left and down, in CSS pixels.
DRAG = (180, 60)
# Records every CSP violation on the page (an init script runs outside the page's CSP).
CSP_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


class Watched:
    """A tab's console errors, uncaught exceptions and CSP violations."""

    def __init__(self, page) -> None:  # type: ignore[no-untyped-def]
        self.page = page
        self.problems: list[str] = []
        page.add_init_script(CSP_WATCH)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))

    def _console(self, message) -> None:  # type: ignore[no-untyped-def]
        if message.type in ("error", "warning"):
            self.problems.append(f"console.{message.type}: {message.text}")

    def check(self) -> None:
        violations = self.page.evaluate("window.__csp || []")
        assert violations == [], violations
        assert self.problems == [], self.problems


def _map_ready(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"{selector}.map-ready", timeout=15_000)
    assert page.locator(f"{selector} path.precinct").count() == PRECINCTS_DRAWN


def _centre(locator) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    box = locator.bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.screenshot(path=ARTIFACTS / f"maps-{name}.png")


# Place by map, then dispatch -------------------------------------------------------


def test_a_supervisor_places_a_person_by_map_and_the_team_covering_them_comes_first(
    app: Flask, page
) -> None:  # type: ignore[no-untyped-def]
    """The issue's journey: type, tap, then drag the pin on the person's location page, see
    the precinct, save; on the assign page the team covering that precinct is first,
    ahead of the team whose base is nearest, and the map shows both bases."""
    # Brooklyn North covers the 75th, where the address was placed, and is based there;
    # East Brooklyn covers the precincts around it and is based far away, in Queens.
    make_staffed_team(name="Brooklyn North", precincts=("75",))
    make_staffed_team(
        name="East Brooklyn", precincts=AROUND_THE_75TH, base_latitude=40.72, base_longitude=-73.74
    )[0]
    person = make_person(last_name="Zamora", address={"line1": "<b>12</b> Sutter Ave"})
    case_id = make_case(None, person).id
    person_id = person.id
    make_user(Role.SUPERVISOR, username="sergeant", discipline=Discipline.POLICE)
    db.session.commit()
    watched = Watched(page)
    switch_user(page, "sergeant", PASSWORD)
    page.goto(f"/people/{person_id}/location")
    _map_ready(page, "#location-map")
    status = page.locator("#location-map-status")
    latitude, longitude = page.get_by_label("Latitude"), page.get_by_label("Longitude")
    # The stored point is where the pin starts.
    expect(status).to_contain_text("75th Precinct")
    assert page.locator("#location-map .leaflet-marker-icon").count() == 1
    assert (latitude.input_value(), longitude.input_value()) == ("40.6705", "-73.894")

    # Keyboard users type: the pin moves there (Central Park is the 22nd Precinct).
    latitude.fill("40.7812")
    longitude.fill("-73.9665")
    longitude.press("Tab")
    expect(page.locator("#location-map")).to_have_attribute("data-pin", "40.781200,-73.966500")
    expect(status).to_contain_text("22nd Precinct")
    latitude.fill("40.6705")
    longitude.fill("-73.894")
    longitude.press("Tab")
    expect(status).to_contain_text("75th Precinct")
    page.wait_for_timeout(500)  # the map's pan back to the stored point

    # A tap moves the pin there and fills both fields.
    x, y = _centre(page.locator("#location-map"))
    page.mouse.click(x + 40, y - 30)
    tapped = (float(latitude.input_value()), float(longitude.input_value()))
    assert tapped[0] > 40.6705 and tapped[1] > -73.894  # north-east of where it was
    expect(status).to_contain_text("Pin at")

    # Dragging the pin moves the point again (a moment after the tap, as a hand would:
    # Leaflet does not start a drag within a few milliseconds of a click), out of the 75th.
    page.wait_for_timeout(300)
    pin = page.locator("#location-map .leaflet-marker-icon")
    px, py = _centre(pin)
    page.mouse.move(px, py + 10)
    page.mouse.down()
    page.mouse.move(px - DRAG[0], py + 10 + DRAG[1], steps=8)
    page.mouse.up()
    dragged = (float(latitude.input_value()), float(longitude.input_value()))
    assert dragged != tapped and dragged[0] < tapped[0] and dragged[1] < tapped[1]
    said = status.inner_text()
    found = re.search(r"(\d+)\w\w Precinct", said)
    assert found is not None and found.group(1) in AROUND_THE_75TH, said
    precinct = found.group(1)
    _shot(page, "location")
    watched.check()

    page.get_by_role("button", name="Save location").click()
    flash = page.locator(".flashes").inner_text()
    assert f"Location saved: the {precinct_label(precinct)}, Brooklyn." in flash
    db.session.expire_all()
    address = db.session.scalars(
        db.select(PersonAddress).where(PersonAddress.person_id == person_id)
    ).one()
    assert (address.latitude, address.longitude, address.precinct) == (*dragged, precinct)
    assert address.location_status is LocationStatus.MANUAL

    # Dispatch: the team covering the new precinct is first, though its base is far.
    page.goto(f"/cases/{case_id}/assign")
    _map_ready(page, "#dispatch-map")
    ranked = page.locator("ol.ranked > li.option h2")
    expect(ranked.first).to_have_text("1. East Brooklyn")
    expect(ranked.nth(1)).to_have_text("2. Brooklyn North")
    first_reason = page.locator("ol.ranked > li.option").first.locator(".reasons li").first
    expect(first_reason).to_have_class("good")
    # The map: the person (text, never markup), both bases by rank, the first's coverage.
    assert page.locator("#dispatch-map path.person-pin").count() == 1
    page.locator("#dispatch-map path.person-pin").hover()
    tooltip = page.locator("#dispatch-map .leaflet-tooltip:not(.precinct-label)")
    expect(tooltip).to_have_text("The person: <b>12</b> Sutter Ave")
    bases = page.locator("#dispatch-map .map-marker.base")
    assert sorted(b.inner_text() for b in bases.all()) == ["1", "2"]
    map_status = page.locator("#dispatch-map-status")
    expect(map_status).to_contain_text("Coverage shown: 1. East Brooklyn, covering precincts")
    expect(page.locator("#dispatch-map path.precinct-shaded")).to_have_count(len(AROUND_THE_75TH))
    page.mouse.move(0, 0)
    page.locator("#dispatch-map").scroll_into_view_if_needed()
    _shot(page, "dispatch")
    page.locator("ol.ranked > li.option").nth(1).locator("[data-map-team]").click()
    expect(map_status).to_contain_text("2. Brooklyn North, covering precincts 75")
    expect(page.locator("#dispatch-map path.precinct-shaded")).to_have_count(1)
    assert page.locator("#dispatch-map .map-marker.base.selected").inner_text() == "2"
    watched.check()


def test_a_point_off_the_precincts_is_said_to_be_outside_the_programs_area(
    app: Flask, page
) -> None:  # type: ignore[no-untyped-def]
    person_id = make_case(make_staffed_team()[0]).person_id
    make_user(Role.SUPERVISOR, username="clinsup")
    db.session.commit()
    watched = Watched(page)
    switch_user(page, "clinsup", PASSWORD)
    page.goto(f"/people/{person_id}/location")
    _map_ready(page, "#location-map")
    page.get_by_label("Latitude").fill("40.6501")  # the harbour, off Governors Island
    page.get_by_label("Longitude").fill("-74.0350")
    page.get_by_label("Longitude").press("Tab")
    expect(page.locator("#location-map-status")).to_contain_text("outside the program's area")
    watched.check()


def _tap_map(page, x: float, y: float) -> str:  # type: ignore[no-untyped-def]
    """Tap the team form's map at (x, y); what the status then says."""
    status = page.locator("#team-map-status")
    before = status.inner_text()
    page.wait_for_timeout(300)  # a moment after the last tap, as a hand would
    page.mouse.click(x, y)
    expect(status).not_to_have_text(before)
    return status.inner_text()


def _tap_precinct_number(page, code: str) -> str:  # type: ignore[no-untyped-def]
    """Tap the map on a precinct's number (shown once the map has zoomed in)."""
    expect(page.locator("#team-map")).to_have_class(re.compile(r"\bmap-labels\b"))
    label = page.locator(
        "#team-map .leaflet-tooltip.precinct-label", has_text=re.compile(rf"^{code}$")
    )
    return _tap_map(page, *_centre(label.first))


def test_a_supervisor_places_a_teams_base_and_chooses_its_precincts_on_the_map(
    app: Flask, page
) -> None:  # type: ignore[no-untyped-def]
    team = make_staffed_team(name="Brooklyn North", precincts=("75",))[0]
    team_id = team.id
    make_user(Role.SUPERVISOR, username="sergeant", discipline=Discipline.POLICE)
    db.session.commit()
    watched = Watched(page)
    switch_user(page, "sergeant", PASSWORD)
    page.goto(f"/teams/{team_id}/edit")
    _map_ready(page, "#team-map")
    shaded = page.locator("#team-map path.precinct-shaded")
    assert shaded.count() == 1  # the 75th

    # A tap places the base (the first mode). The map opens on the base, in the 75th.
    x, y = _centre(page.locator("#team-map"))
    page.mouse.click(x - 120, y + 60)
    base = float(page.get_by_label("Base latitude").input_value())
    assert base != 40.67 and 40.5 < base < 40.8

    # The other mode adds or removes the precinct tapped.
    page.get_by_role("button", name="adds or removes a precinct").click()
    # The form's coverage is a box per precinct (input[type=checkbox][name=precincts]);
    # saved with the base just placed, and opened again on that base.
    _shot(page, "team-form")
    watched.check()
    page.get_by_role("button", name="Save team").click()
    assert "Saved Brooklyn North" in page.locator(".flashes").inner_text()
    page.goto(f"/teams/{team_id}/edit")
    _map_ready(page, "#team-map")
    page.get_by_role("button", name="adds or removes a precinct").click()

    def box(code: str):  # type: ignore[no-untyped-def]
        return page.locator(f'input[type="checkbox"][name="precincts"][value="{code}"]')

    # The map opens on the team's base: a tap there toggles the precinct it is in.
    at_base = re.search(r"(\d+)\w\w Precinct", page.locator("#team-map-status").inner_text())
    assert at_base is not None
    code = at_base.group(1)
    x, y = _centre(page.locator("#team-map"))
    was = box(code).is_checked()
    said = _tap_map(page, x, y)
    assert f"Precinct {'removed from' if was else 'added to'} the precincts covered" in said
    assert box(code).is_checked() is not was
    said = _tap_map(page, x, y)
    assert box(code).is_checked() is was
    # Ticking a box by hand shades the map too.
    other = next(c for c in ("77", "73", "75") if c != code and not box(c).is_checked())
    before = shaded.count()
    box(other).check()
    expect(shaded).to_have_count(before + 1)
    watched.check()


# The case map --------------------------------------------------------------------


@pytest.fixture
def cases(app: Flask) -> dict[str, object]:
    """Brooklyn North: an overdue case, one contacted in time, two sharing a point and one
    without a point; Queens South: one case."""
    team, officer, _, _ = make_staffed_team(name="Brooklyn North", precincts=("73", "75"))
    other = make_staffed_team(
        name="Queens South", precincts=("105",), base_latitude=40.72, base_longitude=-73.74
    )[0]

    def at(lat: float, lng: float, **address: object) -> dict[str, object]:
        return {"address": {"latitude": lat, "longitude": lng, **address}}

    overdue = make_case(team, make_person(last_name="Zamora", **at(40.676, -73.90)))
    contacted = make_case(
        team, make_person(last_name="Quintero", **at(40.665, -73.885)),
        first_contact_at=utcnow() - timedelta(hours=20),
        last_contact_at=utcnow() - timedelta(hours=20),
    )  # fmt: skip
    shared = [
        make_case(
            team,
            make_person(last_name=name, **at(40.6602, -73.8998)),
            first_contact_at=utcnow() - timedelta(hours=2),
        )
        for name in ("Ibarra", "Castillo")
    ]
    make_case(
        team,
        make_person(last_name="Nowhere", address={"latitude": None, "longitude": None,
                                                  "location_status": LocationStatus.NEEDED}),
        first_contact_due_at=utcnow() + timedelta(hours=12),
    )  # fmt: skip
    theirs = make_case(other, make_person(last_name="Okonkwo", **at(40.70, -73.79)))
    make_user(Role.SUPERVISOR, username="sergeant", discipline=Discipline.POLICE)
    db.session.commit()
    return {"officer": officer.username, "overdue": overdue.id, "contacted": contacted.id,
            "shared": [c.id for c in shared], "theirs": theirs.id}  # fmt: skip


def test_a_supervisor_opens_a_case_from_the_map(app: Flask, page, cases) -> None:  # type: ignore[no-untyped-def]
    watched = Watched(page)
    switch_user(page, "sergeant", PASSWORD)
    page.get_by_role("link", name="Open cases on a map").click()
    _map_ready(page, "#case-map")
    # Four points (two cases share one); the case without a point is only listed.
    expect(page.locator("#case-map path.case-pin")).to_have_count(4)
    assert page.locator("#case-map path.case-pin-overdue").count() == 2  # ours and theirs
    expect(page.locator("#case-map-summary")).to_have_text(
        "6 open cases · 2 past the first-contact deadline · 1 without a location "
        "(listed, not on the map)."
    )
    rows = page.locator("#case-map-list tbody tr")
    assert rows.count() == 6
    assert "not on the map" in page.locator("#case-map-list tr", has_text="Nowhere").inner_text()
    page.locator("#case-map").scroll_into_view_if_needed()
    _shot(page, "cases")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768

    # Two cases at one point: the tap lists them.
    page.locator("#case-map path.case-pin-several").click()
    popups = page.locator("#case-map .leaflet-popup")
    expect(popups).to_contain_text("2 cases at this point")
    assert {a.get_attribute("href") for a in popups.locator(".leaflet-popup-content a").all()} == {
        f"/cases/{case_id}" for case_id in cases["shared"]
    }
    page.keyboard.press("Escape")

    # One team: its pins and its coverage.
    page.get_by_label("Team").select_option(label="Queens South")
    page.get_by_role("button", name="Show").click()
    _map_ready(page, "#case-map")
    expect(page.locator("#case-map path.case-pin")).to_have_count(1)
    assert page.locator("#case-map path.precinct-shaded").count() == 1
    assert page.locator("#case-map .map-marker.base").count() == 1
    watched.check()

    # A tap on a single case's pin opens it.
    page.locator("#case-map path.case-pin").click()
    page.wait_for_url(f"**/cases/{cases['theirs']}")


def test_an_officer_sees_the_teams_pins_and_nothing_clinical(app: Flask, page, cases) -> None:  # type: ignore[no-untyped-def]
    watched = Watched(page)
    switch_user(page, cases["officer"], PASSWORD)
    page.get_by_role("link", name="The team's cases on a map").click()
    _map_ready(page, "#case-map")
    expect(page.locator("#case-map path.case-pin")).to_have_count(3)
    assert page.locator("#case-map path.precinct-shaded").count() == 2  # the 73rd and 75th
    assert "Okonkwo" not in page.locator("#case-map-list").inner_text()
    pin = page.locator("#case-map path.case-pin-overdue")
    pin.hover()
    tooltip = page.locator("#case-map .leaflet-tooltip:not(.precinct-label)")
    expect(tooltip).to_contain_text("Zamora")
    expect(tooltip).to_contain_text(f"Case #{cases['overdue']}")
    expect(tooltip).to_contain_text("Overdue since")
    _shot(page, "cases-officer")
    # Printed, the list stays and the map goes.
    page.emulate_media(media="print")
    assert not page.locator("#case-map").is_visible()
    assert page.locator("#case-map-list table").is_visible()
    page.emulate_media(media="screen")
    watched.check()


# Providers -------------------------------------------------------------------------


def test_the_directory_and_the_nearest_providers_on_a_map(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    team, officer, _, clinician = make_staffed_team()
    case_id = make_case(team).id
    make_provider(name="Eastern Parkway Clinic", latitude=40.669, longitude=-73.94)
    make_provider(name="Full Clinic", latitude=40.70, longitude=-73.95, accepting_referrals=False)
    make_provider(name="Far Clinic", latitude=40.80, longitude=-73.94)
    make_provider(name="Nowhere Clinic", latitude=None, longitude=None)
    make_provider(LinkageKind.HOUSING, name="Atlantic Housing", latitude=40.68, longitude=-73.93)
    make_provider(
        LinkageKind.LEGAL, name="Legal <em>Aid</em> <img src=x>", latitude=40.64, longitude=-73.96
    )
    db.session.commit()
    watched = Watched(page)
    switch_user(page, officer.username, PASSWORD)
    page.get_by_role("link", name="Providers").click()
    _map_ready(page, "#providers-map")
    pins = page.locator("#providers-map path.provider-pin")
    expect(pins).to_have_count(5)
    expect(page.locator("#providers-map-status")).to_have_text("5 providers on the map.")
    # A name is text on the map, never markup.
    page.get_by_label("Kind of service").select_option("legal")
    page.get_by_role("button", name="Filter").click()
    _map_ready(page, "#providers-map")
    page.locator("#providers-map path.provider-pin").hover()
    expect(page.locator("#providers-map .leaflet-tooltip:not(.precinct-label)")).to_have_text(
        "Legal <em>Aid</em> <img src=x>"
    )
    page.locator("#providers-map path.provider-pin").click()
    expect(page.locator("#providers-map .leaflet-popup")).to_contain_text("Legal <em>Aid</em>")
    assert (
        page.locator("#providers-map em, #providers-map img:not(.leaflet-marker-icon)").count() == 0
    )
    page.get_by_label("Kind of service").select_option("")
    page.get_by_role("button", name="Filter").click()
    _map_ready(page, "#providers-map")
    expect(pins).to_have_count(5)
    pins.first.click()
    expect(page.locator("#providers-map .leaflet-popup")).to_contain_text("referrals")
    expect(page.locator("#providers-map .leaflet-popup")).to_contain_text("(718) 555-0100")
    page.locator("#providers-map").scroll_into_view_if_needed()
    _shot(page, "providers")
    page.get_by_label("Kind of service").select_option("housing")
    page.get_by_role("button", name="Filter").click()
    _map_ready(page, "#providers-map")
    expect(page.locator("#providers-map path.provider-pin")).to_have_count(1)
    watched.check()

    switch_user(page, clinician.username, PASSWORD)
    page.goto(f"/cases/{case_id}/linkages/new?kind=outpatient_clinic")
    _map_ready(page, "#nearest-map")
    markers = page.locator("#nearest-map .map-marker.provider")
    expect(markers).to_have_count(2)  # those taking referrals, with a point
    assert sorted(m.inner_text() for m in markers.all()) == ["1", "2"]
    assert page.locator("#nearest-map path.person-pin").count() == 1
    assert page.locator("ol.nearest li strong").first.inner_text() == "1. Eastern Parkway Clinic"
    page.locator("#nearest-map").scroll_into_view_if_needed()
    _shot(page, "nearest")
    watched.check()


# Outcomes by precinct --------------------------------------------------------------


def test_an_analyst_colours_the_precincts_by_each_measure(app: Flask, page) -> None:  # type: ignore[no-untyped-def]
    program.build_crowded()
    make_user(Role.ANALYST, username="analyst")
    db.session.commit()
    watched = Watched(page)
    switch_user(page, "analyst", PASSWORD)
    page.get_by_role("link", name="Outcomes").click()
    page.get_by_label("From", exact=True).fill("2025-10-01")
    page.get_by_label("To", exact=True).fill("2025-11-30")
    page.get_by_label("Group by").select_option(label="Precinct")
    page.get_by_role("button", name="Show").click()
    _map_ready(page, "#precinct-map")
    # Every precinct is coloured from the table: those with referrals, the rest as none.
    shaded = page.locator("#precinct-map path.precinct-shaded")
    assert shaded.count() == PRECINCTS_DRAWN
    measures = page.locator("[data-map-measures] button")
    assert measures.count() == 4
    measures.nth(2).click()
    expect(page.locator("#precinct-map")).to_have_attribute("data-measure", "2")
    expect(page.locator("#precinct-map-status")).to_have_text(
        "Coloured by: % first contact within 24 h."
    )
    legend = page.locator("#precinct-map-legend").inner_text()
    assert "fewer than 11 (hidden)" in legend and "80% or more" in legend
    measures.nth(0).click()
    page.locator("#precinct-map").scroll_into_view_if_needed()
    _shot(page, "outcomes")
    assert page.evaluate("document.documentElement.scrollWidth") <= 768
    watched.check()


# A tile server ---------------------------------------------------------------------

# A 1x1 transparent PNG: every tile the fake tile server serves.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


class _Tiles(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PNG)))
        self.end_headers()
        self.wfile.write(PNG)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tile_server() -> Iterator[str]:
    """A tile server on this machine, on a port (an origin) of its own."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_configured_tile_server_is_drawn_under_the_csp(make_app, browser, tile_server) -> None:  # type: ignore[no-untyped-def]
    app = make_app(
        MAP_TILE_URL=f"{tile_server}/{{z}}/{{x}}/{{y}}.png", MAP_ATTRIBUTION="© Tiles <Co>"
    )
    with app.app_context():
        person_id = make_case(make_staffed_team()[0]).person_id
        make_user(Role.SUPERVISOR, username="sergeant")
        db.session.commit()
        with serve(app) as base_url:
            tab = new_tab(browser, base_url)
            try:
                watched = Watched(tab)
                switch_user(tab, "sergeant", PASSWORD)
                tab.goto(f"/people/{person_id}/location")
                _map_ready(tab, "#location-map")
                tab.wait_for_selector("#location-map img.leaflet-tile-loaded")
                assert tab.locator("#location-map.map-tiled").count() == 1
                # The attribution is the configured text, shown as text.
                expect(tab.locator(".leaflet-control-attribution")).to_contain_text("© Tiles <Co>")
                watched.check()
            finally:
                tab.context.close()

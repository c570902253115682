"""Field mode in a real browser at tablet size: offline logging, sync exactly once, encryption.

The service worker, IndexedDB and WebCrypto all run in the system Chromium; the server is
the live test server, and the database is checked directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from sqlalchemy import select

from coresponse.clock import CLOCK_SKEW, local_minute
from coresponse.contacts.models import Contact
from coresponse.extensions import db
from coresponse.people.models import PersonAddress
from tests.browser.conftest import ARTIFACTS, TABLET_PORTRAIT, new_tab
from tests.factories import PASSWORD, make_case, make_person, make_staffed_team

pytestmark = pytest.mark.browser

TABLET_LANDSCAPE = {"width": 1024, "height": 768}

# Reads every object store of every IndexedDB database of the page's origin, as stored:
# ArrayBuffers and typed arrays become their bytes (latin-1), CryptoKeys their properties.
DUMP_INDEXEDDB = """
async () => {
  const latin1 = (buffer) => Array.from(new Uint8Array(buffer), (b) => String.fromCharCode(b)).join('');
  const plain = (value) => {
    if (value instanceof ArrayBuffer) return {bytes: latin1(value)};
    if (ArrayBuffer.isView(value)) return {bytes: latin1(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength))};
    if (value instanceof CryptoKey) return {cryptoKey: {type: value.type, extractable: value.extractable, algorithm: value.algorithm.name, usages: value.usages}};
    if (Array.isArray(value)) return value.map(plain);
    if (value && typeof value === 'object') {
      const out = {};
      for (const [k, v] of Object.entries(value)) out[k] = plain(v);
      return out;
    }
    return value;
  };
  const dump = {};
  for (const info of await indexedDB.databases()) {
    const db = await new Promise((resolve, reject) => {
      const request = indexedDB.open(info.name);
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
    dump[info.name] = {};
    for (const name of db.objectStoreNames) {
      const store = db.transaction(name).objectStore(name);
      const [keys, values] = await Promise.all([store.getAllKeys(), store.getAll()].map((r) => new Promise((resolve) => { r.onsuccess = () => resolve(r.result); })));
      dump[info.name][name] = keys.map((key, i) => ({key: plain(key), value: plain(values[i])}));
    }
    db.close();
  }
  return dump;
}
"""


# Everything tappable that is visible and smaller than 44 x 44 CSS pixels.
SMALL_TARGETS = """
() => [...document.querySelectorAll(
    'a, button, input:not([type=checkbox]):not([type=radio]):not([type=hidden]), textarea, '
    + 'label.choice, fieldset.checkboxes li')]
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => ({html: el.outerHTML.slice(0, 90), box: el.getBoundingClientRect()}))
  .filter((t) => t.box.height < 44 || t.box.width < 44)
  .map((t) => `${t.html} ${Math.round(t.box.width)}x${Math.round(t.box.height)}`)
"""


def check_tablet_layout(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """At both tablet sizes: nothing scrolls sideways, every target is big enough."""
    for size in (TABLET_PORTRAIT, TABLET_LANDSCAPE):
        page.set_viewport_size(size)
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], name
        assert page.evaluate(SMALL_TARGETS) == [], name
        page.screenshot(
            path=ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png", full_page=True
        )
    page.set_viewport_size(TABLET_PORTRAIT)


@pytest.fixture
def app(make_app):  # type: ignore[no-untyped-def]
    """CSRF on, as in production: the tablet's writes carry the session's token."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


@pytest.fixture
def field_world(app: Flask):  # type: ignore[no-untyped-def]
    """A team with a clinician and two open cases; the first has a known address."""
    team, officer, _, clinician = make_staffed_team(name="Brooklyn North")
    maria = make_person(first_name="Maria", last_name="Lopes")
    james = make_person(first_name="James", last_name="Okafor")
    cases = [make_case(team, maria), make_case(team, james)]
    db.session.commit()
    return {"team": team, "officer": officer, "clinician": clinician, "cases": cases}


@pytest.fixture
def tablet(browser, live_server: str, app: Flask) -> Iterator[object]:  # type: ignore[no-untyped-def]
    """A tablet-sized tab in its own context (so the test can take it offline)."""
    tab = new_tab(browser, live_server)
    yield tab
    tab.context.close()


def sign_in(page, user) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/(?!login)"))


def open_field_mode(page) -> None:  # type: ignore[no-untyped-def]
    """Online: the list loads and the service worker has kept the shell for offline use."""
    page.goto("/field/")
    page.locator(".case-card").first.wait_for()
    page.wait_for_selector("body[data-offline-ready=true]")
    # The worker has kept both shells and the scripts.
    page.wait_for_function(
        """async () => {
            const names = await caches.keys();
            for (const name of names) {
                const cache = await caches.open(name);
                if (await cache.match('/field/contact') && await cache.match('/field/')) return true;
            }
            return false;
        }"""
    )


def pending(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("[data-pending]").get_attribute("data-count") or "0"


def wait_pending(page, count: int) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector(f"[data-pending][data-count='{count}']", timeout=15_000)


def log_contact(
    page, case_id: int, *, note: str, clinical: str | None = None, phone: bool = False
) -> None:  # type: ignore[no-untyped-def]
    page.locator(f".case-card[data-case-id='{case_id}']").get_by_role(
        "link", name="Log contact"
    ).click()
    page.wait_for_selector("form[data-contact-form]:not([hidden])")
    if phone:
        page.get_by_label("Phone", exact=True).check()
    page.get_by_label("Operational note").fill(note)
    if clinical is not None:
        page.get_by_label("Clinical note — clinicians only").fill(clinical)
        page.get_by_label("Moderate").check()
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url(re.compile(r"/field/$"))
    page.locator("[data-saved-note]").wait_for()


def stored_contacts(case_id: int) -> list[Contact]:
    db.session.rollback()
    return list(db.session.scalars(select(Contact).where(Contact.case_id == case_id)))


def test_three_contacts_logged_offline_survive_a_reload_and_are_stored_once(
    field_world, tablet
) -> None:  # type: ignore[no-untyped-def]
    page = tablet
    case = field_world["cases"][0]
    sign_in(page, field_world["clinician"])
    open_field_mode(page)
    assert "Maria Lopes" in page.locator(".case-cards").inner_text()
    check_tablet_layout(page, "field-online")
    page.locator(f".case-card[data-case-id='{case.id}']").get_by_role(
        "link", name="Log contact"
    ).click()
    page.wait_for_selector("form[data-contact-form]:not([hidden])")
    # The tablet's clock and the program's agree: the time field starts at now in New York
    # (within the drift the app allows a tablet; under libfaketime each process's clock
    # starts on its own, so the browser's may be a minute or two off the server's).
    shown = datetime.strptime(page.locator("[name=occurred_at]").input_value(), "%Y-%m-%dT%H:%M")
    assert abs(shown - local_minute()) <= CLOCK_SKEW, (shown, local_minute())
    check_tablet_layout(page, "field-contact-online")
    page.get_by_role("link", name="Back to my cases").click()
    page.locator(".case-card").first.wait_for()

    page.context.set_offline(True)
    page.wait_for_selector("[data-net][data-state=offline]")
    notes = [f"Offline visit number {n}: spoke with Maria at the door" for n in (1, 2, 3)]
    for n, note in enumerate(notes, start=1):
        log_contact(
            page,
            case.id,
            note=note,
            clinical=f"Clinical observation {n}: flat affect",
            phone=n == 2,
        )
        wait_pending(page, n)
    assert stored_contacts(case.id) == []

    # Reload with no connection: the shell comes from the worker, the data from the device.
    page.reload()
    page.locator(".case-card").first.wait_for()
    wait_pending(page, 3)
    assert page.locator("[data-net]").inner_text() == "Offline"
    assert page.locator(".outbox-item").count() == 3
    assert "Maria Lopes" in page.locator(".case-cards").inner_text()
    check_tablet_layout(page, "field-offline-pending")
    # The form still opens offline, with the case filled in.
    page.locator(f".case-card[data-case-id='{case.id}']").get_by_role(
        "link", name="Log contact"
    ).click()
    page.wait_for_selector("form[data-contact-form]:not([hidden])")
    assert "Maria Lopes" in page.locator("[data-case-name]").inner_text()
    page.screenshot(path=ARTIFACTS / "field-contact-offline-768x1024.png", full_page=True)
    page.get_by_role("link", name="Back to my cases").click()
    wait_pending(page, 3)

    page.context.set_offline(False)
    wait_pending(page, 0)
    stored = stored_contacts(case.id)
    assert sorted(c.operational_note for c in stored) == sorted(notes)
    assert len({c.uuid for c in stored}) == 3
    assert page.locator(".outbox-item").count() == 0
    assert page.locator("[data-outbox-panel]").is_hidden()


def test_a_response_lost_after_the_server_saved_is_retried_and_stored_once(
    field_world, tablet
) -> None:  # type: ignore[no-untyped-def]
    page = tablet
    case = field_world["cases"][0]
    sign_in(page, field_world["clinician"])
    open_field_mode(page)

    posts: list[str] = []
    dropping = [True]

    def lose_the_answer(route) -> None:  # type: ignore[no-untyped-def]
        if route.request.method != "POST":
            route.continue_()
            return
        posts.append(json.loads(route.request.post_data or "{}")["id"])
        if dropping[0]:
            route.fetch()  # the server receives it and commits...
            route.abort("connectionreset")  # ...and the answer never reaches the tablet
        else:
            route.continue_()

    page.route("**/api/v1/contacts", lose_the_answer)
    log_contact(page, case.id, note="Visit whose answer was lost on the way")
    page.locator(".outbox-state", has_text="No answer from the server").wait_for()
    assert pending(page) == "1"
    assert len(stored_contacts(case.id)) == 1  # stored, but the tablet cannot know

    dropping[0] = False
    page.get_by_role("button", name="Sync now").click()
    wait_pending(page, 0)
    stored = stored_contacts(case.id)
    assert len(stored) == 1
    assert len(posts) >= 2 and set(posts) == {str(stored[0].uuid)}


def test_the_device_holds_no_note_or_name_in_plain_form(field_world, tablet) -> None:  # type: ignore[no-untyped-def]
    page = tablet
    case = field_world["cases"][0]
    sign_in(page, field_world["clinician"])
    open_field_mode(page)
    page.context.set_offline(True)
    secrets = ["Operational zebra-17 note", "Clinical okapi-42 observation"]
    log_contact(page, case.id, note=secrets[0], clinical=secrets[1])
    log_contact(page, case.id, note=secrets[0] + " again", clinical=secrets[1] + " again")
    wait_pending(page, 2)

    dump = page.evaluate(DUMP_INDEXEDDB)
    text = json.dumps(dump, ensure_ascii=False)
    assert "coresponse-field" in dump and len(dump["coresponse-field"]["outbox"]) == 2
    for secret in [*secrets, "zebra", "okapi", "Maria", "Lopes", "Pennsylvania"]:
        assert secret not in text, secret
    # The key is a non-extractable AES-GCM CryptoKey; every record has its own 96-bit IV.
    [key] = dump["coresponse-field"]["keys"]
    assert key["value"]["cryptoKey"] == {
        "type": "secret",
        "extractable": False,
        "algorithm": "AES-GCM",
        "usages": ["encrypt", "decrypt"],
    }
    records = [r["value"] for r in dump["coresponse-field"]["outbox"]]
    records += [r["value"] for r in dump["coresponse-field"]["cache"]]
    ivs = [r["iv"]["bytes"] for r in records]
    assert all(len(iv) == 12 for iv in ivs) and len(set(ivs)) == len(ivs)
    assert all(
        set(r) == {"iv", "data"} | ({"id", "created"} if "id" in r else set()) for r in records
    )
    # Nothing of it sits in localStorage or sessionStorage either.
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0


def test_a_refused_contact_stays_with_the_server_message_until_fixed_or_discarded(
    field_world, tablet
) -> None:  # type: ignore[no-untyped-def]
    page = tablet
    maria, james = field_world["cases"]
    sign_in(page, field_world["clinician"])
    open_field_mode(page)
    page.context.set_offline(True)
    # Maria's contact is put a week back, before her referral: the server refuses it (422).
    page.locator(f".case-card[data-case-id='{maria.id}']").get_by_role(
        "link", name="Log contact"
    ).click()
    page.wait_for_selector("form[data-contact-form]:not([hidden])")
    page.get_by_label("When").fill("2020-01-06T09:30")
    page.get_by_label("Operational note").fill("Typed with the wrong year")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url(re.compile(r"/field/$"))
    # James's case is closed by a supervisor while the tablet is offline (409).
    log_contact(page, james.id, note="Visit to a case closed meanwhile")
    wait_pending(page, 2)
    db.session.rollback()
    james_case = db.session.get(type(james), james.id)
    from coresponse.cases.models import CaseStatus

    james_case.status = CaseStatus.CLOSED
    db.session.commit()

    page.context.set_offline(False)
    page.locator(".outbox-item.refused").nth(1).wait_for(timeout=15_000)
    wait_pending(page, 2)
    items = page.locator(".outbox-item.refused")
    assert "before the referral was received" in items.nth(0).inner_text()
    assert "This case is closed" in items.nth(1).inner_text()
    check_tablet_layout(page, "field-refused")
    # A timer or reload never drops them.
    page.reload()
    wait_pending(page, 2)
    assert page.locator(".outbox-item.refused").count() == 2

    # Fixing the date sends the same contact (same id), and it is stored.
    items.nth(0).get_by_role("link", name="Edit and resend").click()
    page.wait_for_selector("form[data-contact-form]:not([hidden])")
    assert (
        "before the referral was received" in page.locator("[data-field=occurred_at]").inner_text()
    )
    page.screenshot(path=ARTIFACTS / "field-contact-refused-768x1024.png", full_page=True)
    page.evaluate(
        "(el) => { const d = new Date(Date.now() - 3600e3); const p = (n) => String(n).padStart(2, '0');"
        " el.value = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`; }",
        page.get_by_label("When").element_handle(),
    )
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url(re.compile(r"/field/$"))
    wait_pending(page, 1)
    [stored] = stored_contacts(maria.id)
    assert stored.operational_note == "Typed with the wrong year"

    # Discarding takes two deliberate taps.
    refused = page.locator(".outbox-item.refused")
    refused.get_by_role("button", name="Discard…").click()
    assert pending(page) == "1"
    refused.get_by_role("button", name="Yes, discard it").click()
    wait_pending(page, 0)
    assert stored_contacts(james.id) == []


def test_an_officer_gets_no_clinical_fields_and_an_ended_session_asks_to_sign_in(
    field_world, tablet
) -> None:  # type: ignore[no-untyped-def]
    page = tablet
    case = field_world["cases"][0]
    sign_in(page, field_world["officer"])
    open_field_mode(page)
    page.context.set_offline(True)
    page.locator(f".case-card[data-case-id='{case.id}']").get_by_role(
        "link", name="Log contact"
    ).click()
    page.wait_for_selector("form[data-contact-form]:not([hidden])")
    assert page.get_by_label("Clinical note — clinicians only").count() == 0
    assert page.locator("[data-field=risk_level]").count() == 0
    # The clinician is offered as present; the officer is always included.
    assert field_world["clinician"].full_name in page.locator("[data-participants]").inner_text()
    assert field_world["officer"].full_name not in page.locator("[data-participants]").inner_text()
    page.get_by_label(field_world["clinician"].full_name, exact=False).check()
    # The tablet's location is recorded on request (the browser asks permission).
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 40.6782, "longitude": -73.9442, "accuracy": 12})
    page.get_by_role("button", name="Use my location").click()
    page.locator("[data-geo-status]", has_text="40.67820, -73.94420 (within 12 m)").wait_for()
    page.get_by_label("Operational note").fill("Officer's note typed offline")
    page.get_by_role("button", name="Save contact").click()
    page.wait_for_url(re.compile(r"/field/$"))
    wait_pending(page, 1)

    # The session ends (cookie gone) before the signal returns: nothing is sent or lost.
    page.context.clear_cookies()
    page.context.set_offline(False)
    page.get_by_role("link", name="Sign in again to send").wait_for()
    assert pending(page) == "1"
    assert stored_contacts(case.id) == []
    page.get_by_role("link", name="Sign in again to send").click()
    page.get_by_label("Username").fill(field_world["officer"].username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/field/$"))
    wait_pending(page, 0)
    [stored] = stored_contacts(case.id)
    assert (stored.latitude, stored.longitude) == (40.6782, -73.9442)
    assert stored.clinical_note is None and stored.risk_level is None
    assert {p.user_id for p in stored_participants(stored)} == {
        field_world["officer"].id,
        field_world["clinician"].id,
    }


def stored_participants(contact: Contact):  # type: ignore[no-untyped-def]
    from coresponse.contacts.models import ContactParticipant

    return list(
        db.session.scalars(
            select(ContactParticipant).where(ContactParticipant.contact_id == contact.id)
        )
    )


def device_state(page) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return page.evaluate(
        """async () => ({
            databases: (await indexedDB.databases()).map((d) => d.name),
            caches: await caches.keys(),
            workers: (await navigator.serviceWorker.getRegistrations()).length,
        })"""
    )


def test_logout_warns_and_keeps_pending_contacts_and_clears_the_device_when_empty(
    field_world, tablet
) -> None:  # type: ignore[no-untyped-def]
    page = tablet
    case = field_world["cases"][0]
    clinician = field_world["clinician"]
    sign_in(page, clinician)
    open_field_mode(page)
    # The server is down: the contact waits.
    page.route("**/api/v1/contacts", lambda route: route.fulfill(status=503, body="down"))
    log_contact(page, case.id, note="Waiting while the server is down")
    page.locator(".outbox-state", has_text="could not take it").wait_for()

    # On the full site the badge shows it, and logging out warns instead of leaving.
    page.get_by_role("link", name="Full site").click()
    badge = page.locator("[data-outbox-badge]")
    badge.wait_for()
    assert badge.inner_text() == "1 waiting to send"
    page.screenshot(path=ARTIFACTS / "field-badge-logout-warning-768x1024.png")
    page.get_by_role("button", name="Log out").click()
    warning = page.locator(".logout-warning")
    warning.wait_for()
    assert "1 contact has not been sent yet" in warning.inner_text()
    page.screenshot(path=ARTIFACTS / "logout-warning-768x1024.png", full_page=True)
    assert "/login" not in page.url
    warning.get_by_role("button", name="Log out and keep it on this tablet").click()
    page.wait_for_url(re.compile(r"/login"))
    state = device_state(page)
    assert "coresponse-field" in state["databases"]
    assert page.evaluate(
        """() => new Promise((resolve) => {
            const r = indexedDB.open('coresponse-field');
            r.onsuccess = () => {
                const db = r.result;
                const tx = db.transaction(['outbox', 'cache']);
                const o = tx.objectStore('outbox').count(), c = tx.objectStore('cache').count();
                tx.oncomplete = () => { resolve([o.result, c.result]); db.close(); };
            };
        })"""
    ) == [1, 0]  # the contact is kept; the case list is gone

    # Next sign-in, the server is back: it is sent, and logging out now clears the device.
    page.unroute("**/api/v1/contacts")
    sign_in(page, clinician)
    page.goto("/field/")
    wait_pending(page, 0)
    assert len(stored_contacts(case.id)) == 1
    page.wait_for_selector("body[data-offline-ready=true]")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
    state = device_state(page)
    assert state == {"databases": [], "caches": [], "workers": 0}


def test_the_clinician_may_set_the_persons_location_from_the_tablet(field_world, tablet) -> None:  # type: ignore[no-untyped-def]
    page = tablet
    maria = field_world["cases"][0]
    sign_in(page, field_world["clinician"])
    open_field_mode(page)
    card = page.locator(f".case-card[data-case-id='{maria.id}']")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 40.7812, "longitude": -73.9665, "accuracy": 8})
    # Nothing is sent until the clinician says so, having seen the point.
    card.get_by_role("button", name="Use my position").click()
    card.get_by_text("to where you are now: 40.78120, -73.96650 (within 8 m)?").wait_for()
    assert current_precinct(maria.person_id) == "75"
    check_tablet_layout(page, "field-place-question")
    card.get_by_role("button", name="Save this location").click()
    card.get_by_text("Location saved: the 22nd Precinct, Manhattan.").wait_for()
    assert current_precinct(maria.person_id) == "22"
    check_tablet_layout(page, "field-place-saved")

    # Without a connection it says so and keeps nothing to send later.
    page.context.set_geolocation({"latitude": 40.6782, "longitude": -73.9442})
    page.context.set_offline(True)
    card.get_by_role("button", name="Use my position").click()
    card.get_by_role("alert").filter(has_text="needs a connection").wait_for()
    page.context.set_offline(False)
    assert current_precinct(maria.person_id) == "22"
    assert pending(page) == "0"


def current_precinct(person_id: int) -> str | None:
    db.session.rollback()
    return db.session.scalar(
        select(PersonAddress.precinct).where(
            PersonAddress.person_id == person_id, PersonAddress.current.is_(True)
        )
    )

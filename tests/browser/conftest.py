"""Browser tests: a live server in a thread and the system Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask, current_app
from werkzeug.serving import make_server

from coresponse.clock import utcnow
from tests import fake_clock

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
TABLET_PORTRAIT = {"width": 768, "height": 1024}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")


def _behind_real_time() -> timedelta:
    """How far the run's moved clock is behind the real one (zero when not moved back)."""
    import time_machine

    if not time_machine.escape_hatch.is_travelling():
        return timedelta(0)
    real = datetime.fromtimestamp(time_machine.escape_hatch.time.time(), UTC)
    return max(real - utcnow(), timedelta(0))


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """`app` served on a free local port in a thread while the block runs: its base URL."""
    # Chromium expires cookies by its own, real clock. A run moved into the past would
    # have the session cookie expire on arrival, so its lifetime is stretched by the
    # gap. The app's idle timeout is checked on the server, by the moved clock.
    app.config["PERMANENT_SESSION_LIFETIME"] += _behind_real_time()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served on a free local port for the length of the test."""
    with serve(app) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    path = chromium_path()
    if path is None:
        pytest.skip("No Chromium found: install Debian's `chromium` package or set CHROMIUM_PATH")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def new_tab(browser, base_url: str, *, viewport: dict[str, int] = TABLET_PORTRAIT):  # type: ignore[no-untyped-def]
    """A tab in a browser context of its own, on the program's clock.

    The tablet is set to the program's time zone, as the program's tablets are. When
    the run is moved in time (CORESPONSE_TEST_NOW), the page's clock starts at the
    app's instant and ticks with it. Close it with `tab.context.close()`.
    """
    context = browser.new_context(
        viewport=viewport, base_url=base_url, timezone_id=current_app.config["TIMEZONE"]
    )
    if os.environ.get(fake_clock.VARIABLE):
        context.clock.install(time=utcnow())
    tab = context.new_page()
    tab.set_default_timeout(10_000)
    ARTIFACTS.mkdir(exist_ok=True)
    return tab


@pytest.fixture
def page(browser, live_server: str, app: Flask):  # type: ignore[no-untyped-def]
    """A fresh tablet-sized browser tab; screenshots go to test-artifacts/."""
    tab = new_tab(browser, live_server)
    yield tab
    tab.context.close()


def switch_user(page, username: str, password: str) -> None:  # type: ignore[no-untyped-def]
    """Log out whoever is logged in (if anyone), then log in as `username`."""
    logout = page.get_by_role("button", name="Log out")
    if logout.count():
        # Logging out first clears the device's field data, then submits: wait for it.
        logout.click()
        page.wait_for_url("**/login**")
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


# When Chromium abandons a request (a click navigates away while the page's script
# modules are still loading), the threaded development server drops the response and
# leaves its open static file to the garbage collector. That is the test server's
# bookkeeping, not the app's behaviour, so it does not fail browser tests.
_ABANDONED_STATIC_FILE = [
    pytest.mark.filterwarnings("ignore:unclosed file:ResourceWarning"),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning"),
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            for mark in _ABANDONED_STATIC_FILE:
                item.add_marker(mark)

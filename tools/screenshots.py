"""Screenshots of the home pages of the demo's clinician and supervisor at a phone's, a
portrait tablet's and a landscape tablet's width, for docs/screenshots/.

    make run                                     # the demo, at http://127.0.0.1:5000
    .venv/bin/python tools/screenshots.py --base http://127.0.0.1:5000

Drives Chromium (CHROME_PATH, default /usr/bin/chromium) with Playwright, logs in
through the login form, and writes docs/screenshots/home-<user>-<width>.png (the top of
the page, as the screen shows it). Fails if a page scrolls sideways at any width.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
WIDTHS = {390: 844, 768: 1024, 1024: 768}
USERS = ("clinician", "supervisor")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--password", default="coresponse-demo")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    sideways = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("CHROME_PATH", "/usr/bin/chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        for user in USERS:
            context = browser.new_context(base_url=args.base)
            page = context.new_page()
            page.goto("/login")
            page.get_by_label("Username").fill(user)
            page.get_by_label("Password").fill(args.password)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_load_state()
            for width, height in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                page.goto("/")
                if page.evaluate("document.documentElement.scrollWidth") > width:
                    sideways.append(f"{user} at {width} px")
                path = args.out / f"home-{user}-{width}.png"
                page.screenshot(path=str(path))
                print(path)
            context.close()
        browser.close()
    if sideways:
        print("Scrolls sideways: " + ", ".join(sideways), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Lighthouse's accessibility score (and layout shift) for the pages issue 20 names.

    .venv/bin/flask --app wsgi run --port 5077    # the demo, in another terminal (make run)
    .venv/bin/python tools/lighthouse.py [--base http://127.0.0.1:5077]

Needs Node's `lighthouse` (`npm install -g lighthouse`) and Chromium (CHROME_PATH, default
/usr/bin/chromium). Logs in as the demo clinician through the login form, hands
Lighthouse the session cookie, and prints each page's Accessibility score, its failing
audits and, for field mode, the Cumulative Layout Shift, at Lighthouse's mobile and
desktop settings. Not part of `make test`: Lighthouse is a measurement, not a check.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from bs4 import BeautifulSoup

PAGES = {"login": "/login", "my caseload": "/cases/mine", "field mode": "/field/"}


def session_cookie(base: str, username: str, password: str) -> str:
    """Log in through the form, as a person would; the session cookie's header value."""
    http = requests.Session()
    form = BeautifulSoup(http.get(f"{base}/login", timeout=30).text, "html.parser")
    token = form.select_one("input[name=csrf_token]")
    data = {"username": username, "password": password}
    if token is not None:
        data["csrf_token"] = str(token["value"])
    answer = http.post(f"{base}/login", data=data, timeout=30, allow_redirects=False)
    if answer.status_code != 302:
        raise SystemExit(f"Login as {username} failed ({answer.status_code}).")
    return "; ".join(f"{c.name}={c.value}" for c in http.cookies)


def audit(url: str, cookie: str | None, *, desktop: bool) -> dict:
    lighthouse = shutil.which("lighthouse")
    if lighthouse is None:
        raise SystemExit("lighthouse is not installed: npm install -g lighthouse")
    with tempfile.TemporaryDirectory() as out:
        report = Path(out) / "report.json"
        args = [
            lighthouse, url, "--quiet", "--output=json", f"--output-path={report}",
            "--only-categories=accessibility,performance",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
            "--disable-background-networking --disable-component-update --disable-sync",
        ]  # fmt: skip
        if desktop:
            args.append("--preset=desktop")
        if cookie:
            args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
        env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
        subprocess.run(args, check=True, env=env)  # noqa: S603  (fixed arguments)
        return json.loads(report.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5077")
    parser.add_argument("--user", default="clinician")
    parser.add_argument("--password", default="coresponse-demo")
    args = parser.parse_args()
    cookie = session_cookie(args.base, args.user, args.password)
    for name, path in PAGES.items():
        for desktop in (False, True):
            result = audit(args.base + path, None if path == "/login" else cookie, desktop=desktop)
            if result["finalDisplayedUrl"].rstrip("/").endswith("/login") and path != "/login":
                raise SystemExit(f"{name}: Lighthouse was sent to the login page")
            score = round(result["categories"]["accessibility"]["score"] * 100)
            cls = result["audits"]["cumulative-layout-shift"]["numericValue"]
            failing = [
                ref["id"]
                for ref in result["categories"]["accessibility"]["auditRefs"]
                if result["audits"][ref["id"]].get("score") == 0
            ]
            mode = "desktop" if desktop else "mobile"
            print(f"{name:12} {mode:7} accessibility {score:3}  CLS {cls:.3f}  failing: {failing}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

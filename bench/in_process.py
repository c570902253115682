"""The app's own CPU time per page, without a server: median of N requests through the test client.

    .venv/bin/python bench/in_process.py            # 200 requests per page
    .venv/bin/python bench/in_process.py --requests 50 --json before.json

`make bench` measures pages served by gunicorn against a floor; this measures only the
Python work of one request (routing, login, queries on an in-process SQLite database,
templates), to compare two versions of the code on the same machine: run it on each
and compare the medians. The data is the demo (`flask seed-demo`, 300 people).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _app(database: Path):  # type: ignore[no-untyped-def]
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    from flask_migrate import upgrade

    from coresponse import create_app, demo
    from coresponse.extensions import db

    app = create_app("test")
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        demo.seed(password=app.config["DEMO_PASSWORD"], people=300, seed=2016, force=False)
        db.session.commit()
    return app


def _client(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post(
        "/login", data={"username": username, "password": app.config["DEMO_PASSWORD"]}
    )
    if response.status_code != 302:
        raise SystemExit(f"could not log in as {username}: {response.status_code}")
    client.get("/")
    return client


def _first(app, sql: str, **params: object) -> int:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from coresponse.extensions import db

    with app.app_context():
        return int(db.session.execute(text(sql), params).scalar_one())


def pages(app) -> dict[str, tuple[object, str]]:  # type: ignore[no-untyped-def]
    """Each page measured: a client logged in as the user who opens it, and its URL."""
    supervisor, clinician, officer = (
        _client(app, u) for u in ("supervisor", "clinician", "officer")
    )
    team_case = _first(
        app,
        'SELECT c.id FROM "case" c JOIN team_membership m ON m.team_id = c.team_id '
        "JOIN user u ON u.id = m.user_id WHERE u.username = 'clinician' AND m.left_at IS NULL "
        "AND c.status = 'open' ORDER BY c.id LIMIT 1",
    )
    person = _first(app, 'SELECT person_id FROM "case" WHERE id = :id', id=team_case)
    return {
        "home (supervisor)": (supervisor, "/"),
        "case page (clinician)": (clinician, f"/cases/{team_case}"),
        "case page (officer)": (officer, f"/cases/{team_case}"),
        "person page (clinician)": (clinician, f"/people/{person}"),
        "my caseload (clinician)": (clinician, "/cases/mine"),
        "people search (supervisor)": (supervisor, "/people/?q=ma"),
        "API cases (clinician)": (clinician, "/api/v1/cases"),
    }


def measure(requests: int, only: str | None = None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder) / "in_process.db")
        medians = {}
        for name, (client, url) in pages(app).items():
            if only and only not in name:
                continue
            for _ in range(max(5, requests // 10)):  # warm-up
                client.get(url)
            times = []
            for _ in range(requests):
                # CPU time of this process (the app and its in-process SQLite): on a shared
                # machine, wall-clock time also counts whatever else ran meanwhile.
                start = time.process_time()
                response = client.get(url)
                times.append(time.process_time() - start)
                if response.status_code != 200:
                    raise SystemExit(f"{url} answered {response.status_code}")
            medians[name] = round(statistics.median(times) * 1000, 2)
        return medians


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--json", type=Path, help="also write the medians (ms) here")
    parser.add_argument("--only", help="only the pages whose name contains this")
    args = parser.parse_args()
    medians = measure(args.requests, args.only)
    for name, ms in medians.items():
        print(f"{name:<30} {ms:8.2f} ms")
    if args.json:
        args.json.write_text(json.dumps(medians, indent=2) + "\n")


if __name__ == "__main__":
    main()

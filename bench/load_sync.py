"""No lost work under load: two app instances, one PostgreSQL, 20 clinicians syncing contacts.

    .venv/bin/python bench/load_sync.py          (or `make loadtest`)

Environment:
  BENCH_DATABASE_URL   PostgreSQL to use (its tables are created if missing). Without it a
                       fresh database is created (and dropped at the end) through
                       LOADTEST_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1/postgres).
  LOADTEST_SECONDS     how long each clinician syncs (default 60)
  LOADTEST_CLINICIANS  how many clinicians (default 20)
  LOADTEST_WORKERS     gunicorn workers per instance (default 3)
  LOADTEST_PORTS       the two ports (default 8101,8102)
  LOADTEST_KEEP_DB     set to 1 to keep the fresh database for a look afterwards

Each clinician has their own account, API token and staffed team with open cases,
all made through the app's services. For the given time each one POSTs contacts to
/api/v1/contacts, alternating between the two instances, and at random:
  - resends the same uuid and body (a duplicate retry: 200, the stored contact);
  - sends and hangs up without reading the answer, then retries (a dropped response:
    201 or 200, whichever copy arrived first);
  - resends a stored uuid with a different body (a deliberate conflict: 409).
At the end it compares what the clients believe is stored with the rows in the
database: every uuid exactly once, no row the clients do not know of, and no error
other than the deliberate 409s. It exits 1 otherwise.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECONDS = float(os.environ.get("LOADTEST_SECONDS", "60"))
CLINICIANS = int(os.environ.get("LOADTEST_CLINICIANS", "20"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "3"))
PORTS = [int(p) for p in os.environ.get("LOADTEST_PORTS", "8101,8102").split(",")]
ADMIN_URL = os.environ.get("LOADTEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1/postgres")
CASES_PER_TEAM = 5
# One key for the setup and both instances (any instance must read any session).
SECRET_KEY = uuid.uuid4().hex + uuid.uuid4().hex
# Chances per contact; the rest are plain saves.
P_DUPLICATE, P_DROPPED, P_CONFLICT = 0.15, 0.10, 0.05
TYPES = ("in_person_home", "in_person_other", "phone", "attempt", "collateral_family")
# An attempt found nobody (outcome "not_found"); the other types met the person.
MET_OUTCOMES = ("engaged", "brief_engagement", "refused")


def log(message: str) -> None:
    print(message, flush=True)


# --- The database ---------------------------------------------------------------


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def fresh_database() -> tuple[str, str]:
    """Create an empty database beside ADMIN_URL; returns (its url, its name)."""
    import psycopg

    name = f"cr_loadtest_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}")), name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Clinician:
    username: str
    token: str
    case_ids: list[int]


def build_world(url: str) -> list[Clinician]:
    """Schema, then teams, clinicians, tokens and open cases through the app's services."""
    from coresponse import create_app
    from coresponse.auth.models import Discipline, Role
    from coresponse.auth.services import create_user
    from coresponse.auth.tokens import create_token
    from coresponse.cases.services import assign_case
    from coresponse.extensions import db
    from coresponse.people.details import PersonDetails
    from coresponse.people.services import create_person
    from coresponse.referrals.models import ReferralSource
    from coresponse.referrals.services import ReferralDetails, accept_referral, create_referral
    from coresponse.teams.services import TeamDetails, add_member, create_team

    os.environ.setdefault("SECRET_KEY", SECRET_KEY)
    app = create_app("production", SQLALCHEMY_DATABASE_URI=sqlalchemy_url(url))
    password = uuid.uuid4().hex  # nobody logs in with it: the clients use tokens
    clinicians: list[Clinician] = []
    with app.app_context():
        db.create_all()
        run = uuid.uuid4().hex[:6]
        supervisor = create_user(
            f"lt-{run}-sup", full_name="Load Test Supervisor", role=Role.SUPERVISOR,
            discipline=Discipline.CLINICAL, password=password, by=None,
        )  # fmt: skip
        for n in range(CLINICIANS):
            team = create_team(
                TeamDetails(name=f"Load test {run} team {n + 1}",
                            base_address=f"{n + 1} Station Plaza, Brooklyn, NY",
                            precincts=["75"]),
                by=supervisor,
            )  # fmt: skip
            # Made on the server, like `flask users create` (by=None): active at once,
            # with no supervisor's approval to wait for.
            clinician = create_user(
                f"lt-{run}-clin{n + 1}", full_name=f"Clinician {n + 1}", role=Role.CLINICIAN,
                password=password, by=None,
            )  # fmt: skip
            add_member(team, clinician, by=supervisor)
            for k in range(2):
                officer = create_user(
                    f"lt-{run}-off{n + 1}-{k + 1}", full_name=f"Officer {n + 1}.{k + 1}",
                    role=Role.OFFICER, password=password, by=None,
                )  # fmt: skip
                add_member(team, officer, by=supervisor)
            case_ids = []
            for c in range(CASES_PER_TEAM):
                person = create_person(
                    PersonDetails(first_name=f"Person{c + 1}", last_name=f"Team{n + 1}"),
                    by=supervisor,
                )
                referral = create_referral(
                    person,
                    ReferralDetails(source=ReferralSource.NYPD_PRECINCT,
                                    received_at=datetime.now(UTC) - timedelta(days=1),
                                    reason="Load test referral."),
                    by=supervisor,
                )  # fmt: skip
                case = accept_referral(referral, by=supervisor)
                assign_case(case, team, by=supervisor)
                case_ids.append(case.id)
            _, token = create_token(clinician, name="load test", by=supervisor)
            clinicians.append(Clinician(clinician.username, token, case_ids))
            db.session.commit()
        db.engine.dispose()
    return clinicians


def stored_counts(url: str, uuids: set[str]) -> tuple[Counter[str], int]:
    """(rows per uuid the clients know, rows with a uuid they do not know)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT uuid::text, count(*) FROM contact GROUP BY uuid").fetchall()
    per_uuid: Counter[str] = Counter({str(u): c for u, c in rows if str(u) in uuids})
    unknown = sum(c for u, c in rows if str(u) not in uuids)
    return per_uuid, unknown


# --- The two instances --------------------------------------------------------------


def start_instances(url: str, logs: Path) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CORESPONSE_ENV": "production",
        "SECRET_KEY": os.environ.get("SECRET_KEY", SECRET_KEY),
        "FLASK_APP": "wsgi",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    procs = []
    for port in PORTS:
        # Errors go to a file: a pipe nobody reads would fill up and stall the workers.
        with (logs / f"instance-{port}.log").open("wb") as errors:
            procs.append(
                subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
                    [
                        gunicorn,
                        "--workers",
                        str(WORKERS),
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--log-level",
                        "warning",
                        "--timeout",
                        "60",
                        "wsgi:app",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=errors,
                )
            )
    deadline = time.monotonic() + 30
    for port in PORTS:
        while True:
            try:
                status, _body = request("GET", port, "/healthz", None, None)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                stop_instances(procs)
                raise SystemExit(f"The instance on port {port} did not become healthy.")
            time.sleep(0.3)
    return procs


def stop_instances(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


# --- The clients --------------------------------------------------------------------


def request(
    method: str, port: int, path: str, token: str | None, body: dict | None, *, hang_up=False
) -> tuple[int, dict | None]:  # type: ignore[type-arg,no-untyped-def]
    """One HTTP request; with hang_up the client closes without reading the answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    payload = None
    if body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=payload, headers=headers)
        if hang_up:
            return 0, None
        response = conn.getresponse()
        raw = response.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = {"raw": raw[:200].decode(errors="replace")}
        return response.status, parsed
    finally:
        conn.close()


@dataclass
class Tally:
    believed: set[str] = field(default_factory=set)
    statuses: Counter[str] = field(default_factory=Counter)
    deliberate_409: int = 0
    duplicates: int = 0
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, kind: str, status: int) -> None:
        with self.lock:
            self.statuses[f"{kind} {status}"] += 1

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def contact_body(case_id: int, rng: random.Random) -> dict:  # type: ignore[type-arg]
    occurred = datetime.now(UTC) - timedelta(minutes=rng.randint(1, 600))
    kind = rng.choice(TYPES)
    return {
        "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "case_id": case_id,
        "type": kind,
        "occurred_at": occurred.isoformat(timespec="seconds"),
        "outcome": "not_found" if kind == "attempt" else rng.choice(MET_OUTCOMES),
        "operational_note": f"Load test visit {rng.randint(1, 10**9)}.",
    }


def clinician_loop(clinician: Clinician, index: int, stop_at: float, tally: Tally) -> None:
    rng = random.Random(index)  # noqa: S311  (test traffic, not secrets)
    turn = index
    stored: list[dict] = []  # type: ignore[type-arg]

    def port() -> int:
        nonlocal turn
        turn += 1
        return PORTS[turn % len(PORTS)]

    def post(body: dict, kind: str, expect: tuple[int, ...], **kwargs) -> int:  # type: ignore[type-arg,no-untyped-def]
        try:
            status, answer = request("POST", port(), "/api/v1/contacts", clinician.token, body,
                                     **kwargs)  # fmt: skip
        except OSError as error:
            tally.error(f"{clinician.username} {kind}: {error!r}")
            return -1
        if kwargs.get("hang_up"):
            return 0
        tally.note(kind, status)
        if status not in expect:
            tally.error(f"{clinician.username} {kind} {body['id']}: {status} {str(answer)[:300]}")
        elif status in (200, 201) and answer and answer.get("id") != body["id"]:
            tally.error(f"{clinician.username} {kind}: answered with another contact {answer}")
        return status

    while time.monotonic() < stop_at:
        roll = rng.random()
        if roll < P_CONFLICT and stored:
            original = rng.choice(stored)
            changed = {**original, "operational_note": original["operational_note"] + " (edited)"}
            if post(changed, "conflicting resend", (409,)) == 409:
                with tally.lock:
                    tally.deliberate_409 += 1
            continue
        body = contact_body(rng.choice(clinician.case_ids), rng)
        if roll < P_CONFLICT + P_DROPPED:
            # The tablet lost the answer: send, hang up, then retry until one is read.
            post(body, "dropped", (), hang_up=True)
            with tally.lock:
                tally.dropped += 1
            status = post(body, "retry after drop", (200, 201))
        else:
            status = post(body, "new", (201,))
        if status in (200, 201):
            with tally.lock:
                tally.believed.add(body["id"])
            stored.append(body)
            if rng.random() < P_DUPLICATE:
                with tally.lock:
                    tally.duplicates += 1
                post(body, "duplicate retry", (200,))


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL")
    fresh_name = None
    if not url:
        url, fresh_name = fresh_database()
        log(f"Created a fresh database {fresh_name}.")
    try:
        log(f"Setting up {CLINICIANS} clinicians on staffed teams with open cases…")
        clinicians = build_world(url)
        log(f"Starting two instances ({WORKERS} gunicorn workers each) on ports {PORTS}…")
        logs = Path(tempfile.mkdtemp(prefix="coresponse-loadtest-"))
        procs = start_instances(url, logs)
        try:
            _, before = stored_counts(url, set())
            tally = Tally()
            log(f"{CLINICIANS} clinicians syncing for {SECONDS:g} seconds…")
            stop_at = time.monotonic() + SECONDS
            started = time.monotonic()
            threads = [
                threading.Thread(target=clinician_loop, args=(c, i, stop_at, tally))
                for i, c in enumerate(clinicians)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.monotonic() - started
            # A dropped request may still be finishing in a worker: let it land.
            time.sleep(1.0)
        finally:
            stop_instances(procs)
        for path in sorted(logs.glob("instance-*.log")):
            text = path.read_text(errors="replace")
            if "Traceback" in text or "Unhandled error" in text:
                tally.error(f"{path.name} logged an error (see {path}):\n{text[-1500:]}")
        per_uuid, unknown = stored_counts(url, tally.believed)
        unknown -= before
        return report(tally, per_uuid, unknown, elapsed)
    finally:
        if fresh_name and not os.environ.get("LOADTEST_KEEP_DB"):
            drop_database(fresh_name)
            log(f"Dropped {fresh_name}.")


def report(tally: Tally, per_uuid: Counter[str], unknown: int, elapsed: float) -> int:
    missing = [u for u in tally.believed if per_uuid.get(u, 0) == 0]
    doubled = [u for u, n in per_uuid.items() if n > 1]
    requests_made = sum(tally.statuses.values()) + tally.dropped
    log("")
    log("| what | count |")
    log("|---|---|")
    log(
        f"| requests (incl. {tally.dropped} hung up) | {requests_made} ({requests_made / elapsed:.0f}/s) |"
    )
    for key, count in sorted(tally.statuses.items()):
        log(f"| answered {key} | {count} |")
    log(f"| contacts the clients believe stored | {len(tally.believed)} |")
    log(f"| of those, rows in the database | {sum(per_uuid.values())} |")
    log(f"| uuids stored exactly once | {sum(1 for n in per_uuid.values() if n == 1)} |")
    log(f"| uuids missing | {len(missing)} |")
    log(f"| uuids stored more than once | {len(doubled)} |")
    log(f"| rows no client knows of | {unknown} |")
    log(f"| duplicate retries / dropped responses | {tally.duplicates} / {tally.dropped} |")
    log(f"| deliberate 409s | {tally.deliberate_409} |")
    log(f"| unexpected errors | {len(tally.errors)} |")
    for message in tally.errors[:20]:
        log(f"  - {message}")
    ok = not missing and not doubled and unknown == 0 and not tally.errors and tally.believed
    log("")
    log("EXACTLY ONCE, NO UNEXPECTED ERRORS" if ok else "FAILED: see above")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

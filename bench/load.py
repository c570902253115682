"""The load generator for `make bench`: HTTP clients in threads, timed runs.

Pure standard library (http.client, threading), so a fresh clone needs nothing more.
Each worker thread holds one connection (kept alive when the server allows it; with
gunicorn's sync workers it reconnects for every request) and its own cookie jar, sends the
next request as soon as the last answered (a closed loop), and records the time from
sending the request to reading the whole body. A Python client spends well under a
millisecond of CPU per request, a small share of what the server spends, so with a
handful of threads it is not the bottleneck (bench/README.md shows how to check).
"""

from __future__ import annotations

import http.client
import json
import math
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode


class BenchError(RuntimeError):
    """The app answered something a benchmark step cannot go on from."""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Client:
    """One connection with a cookie jar (a browser tab, or an API client)."""

    def __init__(self, host: str, port: int, cookies: dict[str, str] | None = None) -> None:
        self.host, self.port = host, port
        self.cookies = dict(cookies or {})
        self.headers: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        sent = {"Host": f"{self.host}:{self.port}", **self.headers, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=sent)
                raw = self.conn.getresponse()
                data = raw.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed an idle keep-alive connection: reconnect once.
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        for header in raw.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return Response(raw.status, {k.lower(): v for k, v in raw.getheaders()}, data)

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: list[tuple[str, str]]) -> Response:
        body = urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def post_json(self, path: str, payload: object) -> Response:
        body = json.dumps(payload).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json"})

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class FormParser(HTMLParser):
    """The fields a browser would submit from the first form posting to `action`."""

    def __init__(self, action: str | None = None) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.done and not self.inside:
            # A form without an action posts back to the page itself.
            target = a.get("action", "").split("?")[0] or self.action
            wanted = self.action is None or target == self.action
            self.inside = wanted and a.get("method", "get").lower() == "post"
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "file", "image"):
                return
            if kind in ("radio", "checkbox") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append((self._select, a.get("value", "")))

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).lstrip("\n")))
            self._textarea = None
        elif tag == "select":
            self._select = None


def form_fields(html: str, action: str | None = None) -> list[tuple[str, str]]:
    parser = FormParser(action)
    parser.feed(html)
    if not parser.fields:
        raise BenchError(f"no form posting to {action or 'anywhere'} on the page")
    return parser.fields


def replace_fields(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in fields if k not in values]
    return kept + list(values.items())


def login(host: str, port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the real form; the session cookies a browser would then hold."""
    client = Client(host, port)
    page = client.get("/login")
    fields = replace_fields(form_fields(page.text), username=username, password=password)
    answer = client.post_form("/login", fields)
    client.close()
    if answer.status != 302 or "/login" in answer.headers.get("location", "/login"):
        raise BenchError(f"logging in as {username} failed (HTTP {answer.status})")
    return client.cookies


# --------------------------------------------------------------------------------------
# Timed runs
# --------------------------------------------------------------------------------------

# One step of a scenario: given the thread's client and its index, send requests and
# return [(name, seconds, ok)] for every request it wants counted.
Step = Callable[[Client, int], list[tuple[str, float, bool]]]


def timed(
    client: Client, method: str, path: str, expect: int, **kwargs: Any
) -> tuple[float, Response, bool]:
    started = time.perf_counter()
    if method == "GET":
        response = client.get(path)
    elif "fields" in kwargs:
        response = client.post_form(path, kwargs["fields"])
    else:
        response = client.post_json(path, kwargs["json"])
    return time.perf_counter() - started, response, response.status == expect


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    first_error: dict[str, str] = field(default_factory=dict)

    def merge(self, other: Tally) -> None:
        """Add another run's requests to this one's."""
        for name, values in other.latencies.items():
            self.latencies.setdefault(name, []).extend(values)
        for name, count in other.errors.items():
            self.errors[name] = self.errors.get(name, 0) + count
        for name, detail in other.first_error.items():
            self.first_error.setdefault(name, detail)

    def add(self, name: str, seconds: float, ok: bool, detail: str = "") -> None:
        if ok:
            self.latencies.setdefault(name, []).append(seconds)
        else:
            self.errors[name] = self.errors.get(name, 0) + 1
            self.first_error.setdefault(name, detail)


def run_for(
    make_client: Callable[[int], Client],
    step: Step,
    *,
    threads: int,
    seconds: float,
    warmup: float,
) -> tuple[Tally, float]:
    """Run `step` in a closed loop on `threads` threads; count only after the warm-up."""
    tally = Tally()
    lock = threading.Lock()
    start = time.perf_counter()
    measure_from = start + warmup
    stop = measure_from + seconds

    def work(index: int) -> None:
        client = make_client(index)
        try:
            while True:
                now = time.perf_counter()
                if now >= stop:
                    break
                try:
                    results = step(client, index)
                except (OSError, http.client.HTTPException, BenchError) as error:
                    with lock:
                        tally.add("(connection)", 0.0, False, repr(error))
                    client.close()
                    continue
                finished = time.perf_counter()
                if now < measure_from or finished > stop:
                    continue
                with lock:
                    for name, took, ok in results:
                        tally.add(name, took, ok, "" if ok else f"unexpected answer in {name}")
        finally:
            client.close()

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return tally, seconds


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), math.ceil(fraction * len(ordered))))
    return ordered[rank - 1]


def new_uuid() -> str:
    return str(uuid.uuid4())

"""The de-identified export at city scale: rows per second and memory (issue 16).

    .venv/bin/python bench/export.py                  # the SQLite dataset `make bench` built
    BENCH_DATABASE_URL=postgresql://postgres@127.0.0.1/cr_bench_data .venv/bin/python bench/export.py

Runs, in this process, what the CSV download streams (the COUNT, then
`queries.export_rows` through `views._csv_lines`) over every case of the dataset with
every column (a clinical reader's file), and throws the lines away. Nothing is written:
no audit event, so the dataset itself is read, not a copy. Memory is the process's
resident size, read after each chunk of lines, above what it was before the COUNT.
Targets (issue 16): at least 20,000 rows/s, and the process grows by less than 100 MB
while it streams. The exit status is 0 only when both are met on the median run.
"""

from __future__ import annotations

import argparse
import os
import resource
import secrets
import statistics
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coresponse import create_app  # noqa: E402  (after the path is set)
from coresponse.clock import utcnow  # noqa: E402
from coresponse.deidentified import queries, views  # noqa: E402

ROWS_PER_SECOND = 20_000
MEMORY_MB = 100


def resident_mb() -> float:
    """This process's resident memory now (Linux's /proc), read between chunks of lines."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--people", type=int, default=int(os.environ.get("BENCH_PEOPLE") or 100_000)
    )
    parser.add_argument(
        "--contacts", type=int, default=int(os.environ.get("BENCH_CONTACTS") or 1_000_000)
    )
    parser.add_argument("--runs", type=int, default=3, help="exports timed (the median counts)")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "").strip()
    if not url:
        path = ROOT / "bench" / "data" / f"sqlite-{args.people}-{args.contacts}.db"
        if not path.exists():
            raise SystemExit(f"No dataset at {path}: run `make bench` once to build it.")
        url = f"sqlite:///{path}"
    # The production config, as gunicorn serves it in `make bench` (it reads both).
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("SECRET_KEY", secrets.token_hex(32))
    app = create_app("production")
    results = []
    with app.app_context():
        # Every case the dataset holds (a range wider than the page allows, set directly).
        filters = queries.ExportFilters(date(2000, 1, 1), date(2099, 12, 31))
        for run in range(1, args.runs + 1):
            before = peak = resident_mb()
            started, cpu = time.perf_counter(), time.process_time()
            rows = queries.count_cases(filters)
            counted = time.perf_counter() - started
            header = [c.name for c in queries.columns(treatment=True)]
            size, first = 0, None
            for chunk in views._csv_lines(
                header, queries.export_rows(filters, treatment=True, now=utcnow())
            ):
                first = first if first is not None else time.perf_counter() - started
                size += len(chunk)
                peak = max(peak, resident_mb())
            elapsed = time.perf_counter() - started
            grown = peak - before
            results.append((rows / elapsed, grown))
            print(
                f"run {run}: {rows:,} rows, {size / 1e6:.1f} MB of CSV in {elapsed:.1f} s "
                f"(COUNT {counted:.2f} s, first lines {first or 0:.1f} s, this process's CPU "
                f"{time.process_time() - cpu:.1f} s) = {rows / elapsed:,.0f} rows/s; "
                f"peak memory +{grown:.0f} MB",
                flush=True,
            )
    rate = statistics.median(r for r, _ in results)
    grown = max(g for _, g in results)
    ok = rate >= ROWS_PER_SECOND and grown < MEMORY_MB
    engine = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(
        f"{engine}: median {rate:,.0f} rows/s (target {ROWS_PER_SECOND:,}), peak memory "
        f"+{grown:.0f} MB (target < {MEMORY_MB}): {'PASS' if ok else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

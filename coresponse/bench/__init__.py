"""Benchmark support: large deterministic data (`flask bench-data`) and the floor view.

`make bench` (bench/run.py) builds a database with `flask bench-data`, serves the
app under gunicorn with `BENCH_FLOOR=True`, and measures every page against the
floor: a minimal view of the same app that renders a small template from one
indexed query. The floor is registered only when that setting is on, so it is
never part of the normal app.
"""

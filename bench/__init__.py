"""Benchmarks and load tests: not part of the app.

`make bench` (run.py) builds a database with `flask --app bench.app bench-data`
(dataset.py), serves bench.app under gunicorn and measures every page against the
floor (floor.py): a minimal view of the same app that renders a small template from
one indexed query. `make loadtest` (load_sync.py) checks that no contact is lost or
stored twice under load. The product app (`coresponse.create_app`) has neither the
floor nor `bench-data`; bench/app.py adds them.
"""

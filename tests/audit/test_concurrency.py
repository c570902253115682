"""Appends from many workers at once still form one unbroken chain."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import func, select

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.audit.services import record_event
from coresponse.audit.verify import verify_chain
from coresponse.auth.models import User
from coresponse.extensions import db
from tests.factories import make_user

WORKERS = 6
TRANSACTIONS = 12


def test_concurrent_appends_keep_the_chain_valid(app: Flask) -> None:
    """Each worker has its own app context, session and connection, as gunicorn workers do."""
    user_id = make_user().id
    record_event(AuditAction.LOGIN, by=None, record_type="user", category=DataCategory.ACCOUNT)
    db.session.commit()
    start = threading.Barrier(WORKERS)
    failures: list[BaseException] = []

    def worker(n: int) -> None:
        try:
            with app.app_context():
                start.wait()
                for i in range(TRANSACTIONS):
                    # Read something first, as a request does, before appending.
                    db.session.scalar(select(AuditEvent.id).limit(1))
                    by = db.session.get(User, user_id)
                    for _ in range(1 + i % 2):  # some transactions append two events
                        record_event(
                            AuditAction.VIEW, by=by, record_type="person", record_id=f"{n}-{i}",
                            category=DataCategory.IDENTITY,
                        )  # fmt: skip
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures

    expected = 1 + WORKERS * sum(1 + i % 2 for i in range(TRANSACTIONS))
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == expected
    result = verify_chain(batch_size=10)
    assert result.intact, result.problem
    assert result.checked == expected
    # One chain, no forks: every row's previous hash is used exactly once.
    prev_hashes = db.session.scalars(select(AuditEvent.prev_hash)).all()
    assert len(set(prev_hashes)) == len(prev_hashes)

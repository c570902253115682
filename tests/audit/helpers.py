"""Building audit trails for the tests."""

from __future__ import annotations

from click.testing import Result
from flask import Flask

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.audit.services import record_event
from coresponse.auth.models import User
from coresponse.extensions import db


def record(n: int, *, by: User | None = None, person_id: int | None = None) -> list[AuditEvent]:
    """Append n events and commit them."""
    events = [
        record_event(
            AuditAction.VIEW,
            by=by,
            record_type="person",
            record_id=i,
            person_id=person_id,
            category=DataCategory.IDENTITY,
            detail=f"test event {i}",
        )
        for i in range(n)
    ]
    db.session.commit()
    return events


def verify(app: Flask, *args: str) -> Result:
    """Run `flask audit verify` against the test database."""
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])

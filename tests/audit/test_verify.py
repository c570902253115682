"""`flask audit verify`: an intact trail passes; an altered, deleted or inserted row is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import insert, select, text, update

from coresponse import demo
from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.audit.services import GENESIS_HASH, event_hash
from coresponse.audit.verify import ProblemKind, verify_chain
from coresponse.extensions import db
from tests.audit.conftest import triggers_off
from tests.audit.helpers import record, verify

COLUMNS = [c.name for c in AuditEvent.__table__.columns]


def _row(event_id: int) -> dict[str, object]:
    row = db.session.execute(
        select(AuditEvent.__table__).where(AuditEvent.__table__.c.id == event_id)
    ).one()
    return dict(row._mapping)


def _forged(after: dict[str, object], *, event_id: int, prev_hash: str | None = None,
            rehash: bool = True) -> dict[str, object]:  # fmt: skip
    """A plausible row: its content is invented, its links as the attacker chooses."""
    row = dict(after)
    row.update(id=event_id, detail="nothing to see here", at=after["at"] + timedelta(seconds=1))
    row["prev_hash"] = after["row_hash"] if prev_hash is None else prev_hash

    class Content:
        pass

    content = Content()
    content.__dict__.update(row)
    row["row_hash"] = event_hash(content) if rehash else "f" * 64  # type: ignore[arg-type]
    return row


def _insert(row: dict[str, object]) -> None:
    db.session.execute(insert(AuditEvent.__table__).values(**row))
    db.session.commit()


def _spread_ids() -> None:
    """Ids 1..n become 10, 20, ...: room to slip a row in (ids are not in the hash)."""
    with triggers_off():
        db.session.execute(text("UPDATE audit_event SET id = id * 10"))
        db.session.commit()


def test_an_intact_trail_verifies(app: Flask) -> None:
    events = record(7)
    result = verify(app, "--batch-size", "3")
    assert result.exit_code == 0, result.output
    assert result.output == (f"Audit trail intact: 7 events, last hash {events[-1].row_hash}\n")


def test_an_empty_trail_verifies(app: Flask) -> None:
    result = verify(app)
    assert result.exit_code == 0
    assert f"Audit trail intact: 0 events, last hash {GENESIS_HASH}" in result.output


def test_an_altered_row_is_named(app: Flask) -> None:
    record(6)
    with triggers_off():
        db.session.execute(text("UPDATE audit_event SET detail = 'innocent' WHERE id = 4"))
        db.session.commit()
    result = verify(app, "--batch-size", "2")
    assert result.exit_code == 1
    assert "event 4 was altered: its content no longer matches its hash" in result.output
    assert "3 events checked out before that" in result.output


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("at", datetime(2020, 1, 1, tzinfo=UTC)),
        ("user_agent", "forged"),
        ("action", AuditAction.EXPORT),
        ("person_ids", "[1]"),  # a list added to an event that had none
        ("prev_hash", "1" * 64),
        ("row_hash", "2" * 64),
    ],
)
def test_any_changed_column_is_an_alteration(app: Flask, column: str, value: object) -> None:
    record(3)
    table = AuditEvent.__table__
    with triggers_off():
        db.session.execute(update(table).where(table.c.id == 2).values({column: value}))
        db.session.commit()
    problem = verify_chain().problem
    assert problem is not None
    assert problem.event_id == 2 and problem.kind is ProblemKind.ALTERED


def test_a_deleted_row_is_named(app: Flask) -> None:
    record(6)
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_event WHERE id = 3"))
        db.session.commit()
    result = verify(app, "--batch-size", "3")
    assert result.exit_code == 1
    assert "the event before 4 is missing: 4 links to a hash no earlier event has" in result.output


def test_deleting_the_first_rows_is_named(app: Flask) -> None:
    record(4)
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_event WHERE id <= 2"))
        db.session.commit()
    problem = verify_chain().problem
    assert problem is not None and problem.kind is ProblemKind.MISSING
    assert problem.message.startswith("the events before 3 are missing")


def test_a_forged_row_slipped_in_between_is_named(app: Flask) -> None:
    record(4)
    _spread_ids()  # 10, 20, 30, 40
    _insert(_forged(_row(20), event_id=25))  # links to 20 and hashes correctly
    result = verify(app, "--batch-size", "2")
    assert result.exit_code == 1
    assert "event 25 was inserted or re-chained: event 30 links past it to event 20" in (
        result.output
    )


def test_a_forged_row_with_a_made_up_hash_is_named_as_inserted(app: Flask) -> None:
    record(4)
    _spread_ids()
    _insert(_forged(_row(20), event_id=25, prev_hash="a" * 64, rehash=False))
    problem = verify_chain(batch_size=1).problem
    assert problem is not None
    assert (problem.kind, problem.event_id) == (ProblemKind.INSERTED, 25)
    assert "event 30 links to event 20, skipping it" in problem.message


def test_a_forged_row_appended_that_does_not_link_is_named(app: Flask) -> None:
    record(4)
    _insert(_forged(_row(4), event_id=5, prev_hash=_row(2)["row_hash"]))  # type: ignore[arg-type]
    problem = verify_chain().problem
    assert problem is not None
    # 5 links to 2: events 3 and 4 are not in its chain.
    assert problem.kind is ProblemKind.INSERTED
    assert "event 5 links past them to event 2" in problem.message

    result = verify(app)
    assert result.exit_code == 1


def test_a_row_claiming_to_start_the_trail_is_named(app: Flask) -> None:
    record(3)
    _insert(_forged(_row(3), event_id=4, prev_hash=GENESIS_HASH))
    result = verify(app)
    assert result.exit_code == 1
    assert (
        "event 4 was inserted or re-chained: it claims to be the first event but follows event 3"
        in result.output
    )


def test_a_row_linking_to_nothing_is_named(app: Flask) -> None:
    record(3)
    _insert(_forged(_row(3), event_id=4, prev_hash="b" * 64))
    result = verify(app)
    assert result.exit_code == 1
    assert "event 4 was inserted or re-chained: it does not link to event 3" in result.output


def test_only_the_first_problem_is_reported(app: Flask) -> None:
    record(8)
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_event WHERE id = 6"))
        db.session.execute(text("UPDATE audit_event SET detail = 'x' WHERE id = 3"))
        db.session.commit()
    problem = verify_chain(batch_size=2).problem
    assert problem is not None and problem.event_id == 3


def test_an_anchor_catches_deleted_newest_events(app: Flask) -> None:
    events = record(5)
    anchor = events[-1].row_hash
    assert verify(app, "--anchor", anchor).exit_code == 0
    with triggers_off():
        db.session.execute(text("DELETE FROM audit_event WHERE id = 5"))
        db.session.commit()
    # The chain alone cannot tell that its newest rows went; the kept hash can.
    assert verify(app).exit_code == 0
    result = verify(app, "--anchor", anchor)
    assert result.exit_code == 1
    assert f"no event has the hash {anchor}" in result.output
    bad = verify(app, "--anchor", "not-a-hash")
    assert bad.exit_code == 2 and "64 hexadecimal characters" in bad.output


def test_the_demo_database_verifies(app: Flask) -> None:
    demo.seed(password="demo-password-long", people=20, seed=1, force=False)
    db.session.commit()
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    result = verify(app)
    assert result.exit_code == 0, result.output
    assert f"Audit trail intact: {events} events" in result.output


def test_events_of_every_kind_hash_the_same_after_a_round_trip(app: Flask) -> None:
    """What was hashed on the way in is what verify reads back, for every action and category."""
    from coresponse.audit.models import RequestInfo
    from coresponse.audit.services import record_event

    for action in AuditAction:
        for category in DataCategory:
            record_event(
                action, by=None, record_type="x", record_id="ü-7", category=category,
                detail="quote \" and ünïcode ✓", request_info=RequestInfo("::1", "Agent/1.0"),
            )  # fmt: skip
    db.session.commit()
    assert verify_chain(batch_size=7).intact

"""Checking the audit trail: every row hashes to what it says and links to the one before.

The table may hold millions of rows, so it is read in batches in id order and never
held in memory. The first problem found is described as precisely as the data allows:
an altered row, a missing (deleted) row, or an inserted / re-chained row.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from coresponse.audit.models import AuditEvent
from coresponse.audit.services import GENESIS_HASH, event_hash
from coresponse.extensions import db

_TABLE = AuditEvent.__table__
DEFAULT_BATCH_SIZE = 5000


class ProblemKind(StrEnum):
    ALTERED = "altered"
    MISSING = "missing"
    INSERTED = "inserted"
    OUT_OF_ORDER = "out_of_order"
    ANCHOR_MISSING = "anchor_missing"


@dataclass(frozen=True)
class Problem:
    """The first place the chain is broken."""

    kind: ProblemKind
    event_id: int | None
    message: str


@dataclass(frozen=True)
class Verification:
    """What a walk of the chain found."""

    checked: int
    last_hash: str
    problem: Problem | None = None

    @property
    def intact(self) -> bool:
        return self.problem is None


def verify_chain(
    *, batch_size: int = DEFAULT_BATCH_SIZE, anchor: str | None = None
) -> Verification:
    """Walk the whole audit trail in id order and report the first broken link.

    `anchor` is a row hash recorded earlier (e.g. printed by a previous run and kept
    elsewhere): if no event has it any more, the newest events were removed - the one
    change a hash chain cannot show by itself.
    """
    upper = db.session.scalar(select(func.max(_TABLE.c.id)))
    rows = _rows(batch_size, upper)
    previous: Any = None
    current = next(rows, None)
    checked = 0
    while current is not None:
        following = next(rows, None)
        problem = _check(previous, current, following)
        if problem is not None:
            return Verification(checked, _hash_of(previous), problem)
        checked += 1
        previous, current = current, following
    last_hash = _hash_of(previous)
    if anchor is not None and anchor != GENESIS_HASH and _id_with_hash(anchor) is None:
        return Verification(
            checked,
            last_hash,
            Problem(
                ProblemKind.ANCHOR_MISSING,
                None,
                f"no event has the hash {anchor}: the events from that one on were deleted, "
                "or the whole chain was rebuilt",
            ),
        )
    return Verification(checked, last_hash)


def _rows(batch_size: int, upper: int | None) -> Iterator[Any]:
    """Every row up to id `upper`, in id order, a batch at a time (plain rows, not ORM objects)."""
    if upper is None:
        return
    after: int | None = None
    while True:
        stmt = select(_TABLE).where(_TABLE.c.id <= upper).order_by(_TABLE.c.id).limit(batch_size)
        if after is not None:
            stmt = stmt.where(_TABLE.c.id > after)
        batch = db.session.execute(stmt).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].id


def _hash_of(row: Any) -> str:
    return GENESIS_HASH if row is None else row.row_hash


def _id_with_hash(row_hash: str) -> int | None:
    return db.session.scalar(select(_TABLE.c.id).where(_TABLE.c.row_hash == row_hash))


def _check(previous: Any, current: Any, following: Any) -> Problem | None:
    """None when `current` is intact and linked to `previous`; else what went wrong."""
    expected = _hash_of(previous)
    content_ok = event_hash(current) == current.row_hash
    if content_ok and current.prev_hash == expected:
        return None
    here = current.id
    after_previous = "the start of the trail" if previous is None else f"event {previous.id}"
    # The next row skipping this one and linking to the previous: this one was slipped in.
    skipped = following is not None and following.prev_hash == expected

    if not content_ok:
        if skipped:
            return Problem(
                ProblemKind.INSERTED,
                here,
                f"event {here} was inserted: its content does not match its hash, and event "
                f"{following.id} links to {after_previous}, skipping it",
            )
        return Problem(
            ProblemKind.ALTERED,
            here,
            f"event {here} was altered: its content no longer matches its hash",
        )

    linked = _id_with_hash(current.prev_hash)
    if linked is None:
        if skipped:
            return Problem(
                ProblemKind.INSERTED,
                here,
                f"event {here} was inserted: it does not link to {after_previous}, and event "
                f"{following.id} does, skipping it",
            )
        if previous is None:
            return Problem(
                ProblemKind.MISSING,
                here,
                f"the events before {here} are missing: {here} links to a hash no remaining "
                "event has",
            )
        if current.prev_hash == GENESIS_HASH:
            return Problem(
                ProblemKind.INSERTED,
                here,
                f"event {here} was inserted or re-chained: it claims to be the first event but "
                f"follows event {previous.id}",
            )
        if here > previous.id + 1:
            return Problem(
                ProblemKind.MISSING,
                here,
                f"the event before {here} is missing: {here} links to a hash no earlier event "
                f"has (the last intact event is {previous.id})",
            )
        return Problem(
            ProblemKind.INSERTED,
            here,
            f"event {here} was inserted or re-chained: it does not link to event "
            f"{previous.id} (or event {previous.id} was altered and its hash recomputed)",
        )

    if linked < here:
        # Everything after the linked row and before this one is not in this row's chain.
        count, first = db.session.execute(
            select(func.count(), func.min(_TABLE.c.id)).where(
                _TABLE.c.id > linked, _TABLE.c.id < here
            )
        ).one()
        if count == 1:
            return Problem(
                ProblemKind.INSERTED,
                first,
                f"event {first} was inserted or re-chained: event {here} links past it to "
                f"event {linked}",
            )
        return Problem(
            ProblemKind.INSERTED,
            first,
            f"events {first} to {previous.id} ({count} events) were inserted or re-chained: "
            f"event {here} links past them to event {linked}",
        )
    where = "itself" if linked == here else f"event {linked}, which comes after it"
    return Problem(
        ProblemKind.OUT_OF_ORDER, here, f"event {here} is out of order: it links to {where}"
    )

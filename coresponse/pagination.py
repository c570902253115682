"""Keyset pagination: long lists page by the last row seen, never by OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_, tuple_
from sqlalchemy.orm import InstrumentedAttribute

from coresponse.db_types import MAX_ID
from coresponse.extensions import db

T = TypeVar("T")


BAD_CURSOR = "This page link is not valid; start again from the first page."


class BadCursor(ValueError):
    """The cursor in the URL was not one this app made."""


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadCursor(BAD_CURSOR) from exc
    if not isinstance(values, list) or len(values) != length:
        raise BadCursor(BAD_CURSOR)
    if not all(isinstance(v, (str, int, float)) and not isinstance(v, bool) for v in values):
        raise BadCursor(BAD_CURSOR)
    # Beyond a 32-bit integer (the id columns on PostgreSQL) the database raises: not ours.
    if any(isinstance(v, int) and not -(2**31) <= v < 2**31 for v in values):
        raise BadCursor(BAD_CURSOR)
    return values


def keyset_page(
    stmt: Select,
    keys: Sequence[InstrumentedAttribute[Any]],
    *,
    cursor: str | None,
    size: int,
) -> Page[Any]:
    """One page of `stmt` ordered ascending by `keys` (which must end in a unique column)."""
    if cursor:
        after = decode_cursor(cursor, len(keys))
        stmt = stmt.where(tuple_(*keys) > tuple_(*after))
    rows = list(db.session.scalars(stmt.order_by(*keys).limit(size + 1)))
    return cut_page(rows, size, lambda last: encode_cursor([getattr(last, k.key) for k in keys]))


def cut_page(rows: Sequence[T], size: int, cursor_of: Callable[[T], str]) -> Page[T]:
    """The page from `size + 1` rows read: a row beyond `size` means there is a next page,
    which starts after the cursor of the page's last row."""
    if len(rows) <= size:
        return Page(items=list(rows), next_cursor=None)
    items = list(rows[:size])
    return Page(items=items, next_cursor=cursor_of(items[-1]))


# Newest-first pages keyed by a time and an id (the audit report, the accounting of
# disclosures): the cursor is the last row's time, with its offset, and its id.

_TimeColumn = ColumnElement[datetime] | InstrumentedAttribute[datetime]
_IdColumn = ColumnElement[int] | InstrumentedAttribute[int]


def time_cursor(at: datetime, row_id: int) -> str:
    return encode_cursor([at.isoformat(), row_id])


def decode_time_cursor(cursor: str) -> tuple[datetime, int]:
    """The time and id a time_cursor holds (raises BadCursor for a link this app did not make)."""
    raw_at, row_id = decode_cursor(cursor, 2)
    if not isinstance(raw_at, str) or not isinstance(row_id, int) or not 0 < row_id <= MAX_ID:
        raise BadCursor("This page link is not valid; start again from the first page.")
    try:
        at = datetime.fromisoformat(raw_at)
    except ValueError as exc:
        raise BadCursor("This page link is not valid; start again from the first page.") from exc
    if at.tzinfo is None:
        raise BadCursor("This page link is not valid; start again from the first page.")
    return at, row_id


def older_than(
    at_column: _TimeColumn, id_column: _IdColumn, at: datetime, row_id: int
) -> ColumnElement[bool]:
    """The rows after (at, row_id) newest first: older, or as old with a smaller id."""
    return or_(at_column < at, and_(at_column == at, id_column < row_id))


def newer_than(
    at_column: _TimeColumn, id_column: _IdColumn, at: datetime, row_id: int
) -> ColumnElement[bool]:
    """The rows after (at, row_id) oldest first: newer, or as old with a larger id."""
    return or_(at_column > at, and_(at_column == at, id_column > row_id))


def time_page(
    stmt: Select,
    at_column: _TimeColumn,
    id_column: _IdColumn,
    *,
    at_of: Callable[[Any], datetime],
    newest_first: bool,
    cursor: str | None,
    size: int,
) -> Page[Any]:
    """One page of `stmt` ordered by a time and then an id (oldest or newest first);
    `at_of(row)` is a row's time, for the next page's cursor."""
    if cursor:
        after = older_than if newest_first else newer_than
        stmt = stmt.where(after(at_column, id_column, *decode_time_cursor(cursor)))
    order = (at_column.desc(), id_column.desc()) if newest_first else (at_column, id_column)
    rows = list(db.session.scalars(stmt.order_by(*order).limit(size + 1)).unique())
    return cut_page(rows, size, lambda last: time_cursor(at_of(last), last.id))

"""Keyset pagination: long lists page by the last row seen, never by OFFSET."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import InstrumentedAttribute

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
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor([getattr(last, k.key) for k in keys])
    return Page(items=rows, next_cursor=next_cursor)

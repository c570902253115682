"""The API's field types: each one validates input and describes itself in the OpenAPI document.

JSON has no dates, UUIDs or enums, so those arrive as strings; anything else (a number
for a time, true for an id) is refused rather than coerced, as the document says.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AwareDatetime,
    BeforeValidator,
    Field,
    PlainSerializer,
    Strict,
    StrictBool,
    StrictInt,
)
from pydantic_core import PydanticCustomError

from coresponse.db_types import MAX_ID

# Characters no stored text may hold (coresponse/text.py says why): C0 controls but tab,
# line feed and carriage return, DEL and the C1 controls. Surrogates cannot be in valid
# UTF-8 JSON at all; an escaped one ("\ud800") is caught before validation (inputs.py).
_KEPT = r"[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]"
TEXT_PATTERN = rf"^{_KEPT}*$"
# Required text needs something besides spaces.
FILLED_PATTERN = rf"^{_KEPT}*[^\s\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]{_KEPT}*$"


def _string_only(kind: str, message: str, *, calendar: bool = False) -> Any:
    """A validator refusing anything but a JSON string before the type parses it.

    `calendar`: the string starts as a date does (YYYY-MM-DD), because Pydantic would
    read "0.5" as a Unix time.
    """

    def check(value: Any) -> Any:
        if not isinstance(value, str) or (calendar and not _CALENDAR.match(value)):
            raise PydanticCustomError(kind, message)
        return value

    return BeforeValidator(check)


_CALENDAR = re.compile(r"\d{4}-\d{2}-\d{2}")


def whole(value: Any) -> Any:
    """2.0 is a whole number in JSON (and to JSON Schema) as 2 is; true and "2" are not."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _utc_iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat()


MOMENT_MESSAGE = "Give an ISO 8601 date and time with its offset, e.g. 2026-03-14T15:30:00-04:00."


def _known_id(value: Any) -> Any:
    """An id outside the database's range names no record (said so, not "too large")."""
    if isinstance(value, int) and not isinstance(value, bool) and not 0 < value <= MAX_ID:
        raise PydanticCustomError("no_record", "There is no record with this id.")
    return value


# A record's id: positive and within the database's 32-bit integer columns.
Id = Annotated[
    StrictInt, Field(ge=1, le=MAX_ID), BeforeValidator(_known_id), BeforeValidator(whole)
]
Count = Annotated[StrictInt, Field(ge=0), BeforeValidator(whole)]
Flag = StrictBool
Number = Annotated[float, Strict(), Field(allow_inf_nan=False)]
ClientUuid = Annotated[UUID, _string_only("uuid_type", "Give a UUID.")]
# Input times must carry their offset; output times are always written in UTC.
MomentIn = Annotated[AwareDatetime, _string_only("datetime_type", MOMENT_MESSAGE, calendar=True)]
Moment = Annotated[datetime, PlainSerializer(_utc_iso, return_type=str)]
DayIn = Annotated[date, _string_only("date_type", "Give a date as YYYY-MM-DD.", calendar=True)]
Day = date
# Output text: whatever was stored.
Str = str


def text(max_length: int, *, filled: bool = False) -> Any:
    """The constraints of input text of at most `max_length` characters (`filled`: not
    only spaces), for `Annotated[StrictStr, text(...)]`: a type checker reads the
    annotation as a string, Pydantic reads the constraints."""
    if filled:
        return Field(min_length=1, max_length=max_length, pattern=FILLED_PATTERN)
    return Field(max_length=max_length, pattern=TEXT_PATTERN)

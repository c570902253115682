"""Column types shared by every domain: UTC timestamps and string-stored enums."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite has no time zones, so naive values would silently mean "whatever the
    writer thought"; this type refuses naive input and normalises to UTC.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; attach a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


# The .info key naming the one database an index or a constraint is built on
# (see postgresql_only, sqlite_only).
ONLY_ON = "only_on"


def postgresql_only(index: sa.Index) -> sa.Index:
    """An index PostgreSQL alone has (a GIN index, say): create_all skips it elsewhere,
    and comparing the models with a migrated SQLite database leaves it out."""
    index.info[ONLY_ON] = "postgresql"
    return index.ddl_if(dialect="postgresql")


def sqlite_only(constraint: sa.ForeignKeyConstraint) -> sa.ForeignKeyConstraint:
    """A foreign key SQLite alone enforces (where PostgreSQL checks the same rule another
    way, as audit_event_person's trigger does): create_all leaves it out elsewhere, and
    comparing the models with a migrated PostgreSQL database leaves it out."""
    constraint.info[ONLY_ON] = "sqlite"
    return constraint.ddl_if(dialect="sqlite")


def include_for(dialect_name: str) -> Any:
    """Alembic's include_object for a database of `dialect_name`: every schema item but
    those built only on another database (postgresql_only, sqlite_only)."""

    def include(
        obj: Any, _name: str | None, _type: str, _reflected: bool, _compare_to: Any
    ) -> bool:
        only = getattr(obj, "info", {}).get(ONLY_ON)
        return only is None or only == dialect_name

    return include


def enum_type(enum_cls: type[enum.Enum], length: int = 40) -> sa.Enum:
    """An enum stored as its value in a VARCHAR.

    No database CHECK constraint: adding a value later is then a code change, not a
    table rebuild on SQLite. Services validate input through the enum class itself.
    """
    return sa.Enum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a human label for forms and pages."""

    label: str

    def __new__(cls, value: str, label: str | None = None) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member


LIKE_ESCAPE = "\\"


def _like_escape(fragment: str) -> str:
    return (
        fragment.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )


def like_contains(fragment: str) -> str:
    """A LIKE pattern matching `fragment` anywhere, with its own % and _ taken literally."""
    return f"%{_like_escape(fragment)}%"


def like_prefix(fragment: str) -> str:
    """A LIKE pattern matching values that start with `fragment` (taken literally)."""
    return f"{_like_escape(fragment)}%"


# Ids are 32-bit INTEGER columns on PostgreSQL; a larger number makes the database raise.
MAX_ID = 2**31 - 1


def parse_id(raw: object) -> int | None:
    """A positive id a database can look up, from user input; None for anything else."""
    text = str(raw).strip() if raw is not None else ""
    if not (text.isascii() and text.isdigit()) or len(text) > 10:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None

"""Loader options that leave a reader's forbidden columns in the database.

For a reader who may not receive clinical content, the columns the classification
register calls clinical are not selected at all, and touching one raises: a template
or serializer slip fails loudly in tests instead of leaking, and the text is never in
the Python objects of a police user's request to leak through some other path.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import defer

from coresponse.privacy import classification


def clinical_attributes(entity: Any) -> tuple[str, ...]:
    """The names of `entity`'s column attributes the register calls clinical (`entity`:
    a mapped class, or an alias of one)."""
    mapper = inspect(entity).mapper
    table = mapper.local_table.name
    return tuple(
        prop.key
        for prop in mapper.column_attrs
        if f"{table}.{prop.columns[0].name}" in classification.REGISTER
        and classification.is_clinical(f"{table}.{prop.columns[0].name}")
    )


@cache
def withheld(entity: Any, *, clinical: bool) -> tuple[Any, ...]:
    """Options that defer `entity`'s clinical columns with raiseload, unless `clinical`.

    Usable at the top of a query (`select(Case).options(*withheld(Case, ...))`), for an
    alias (`aliased(Case, subquery)`), or under a relationship loader
    (`joinedload(Case.events).options(*withheld(CaseEvent, ...))`).
    """
    if clinical:
        return ()
    return tuple(
        defer(getattr(entity, name), raiseload=True) for name in clinical_attributes(entity)
    )

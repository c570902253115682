"""The data-classification register covers every text column of every model."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

from coresponse.extensions import db
from coresponse.privacy.classification import REGISTER


def _text_columns() -> set[str]:
    found = set()
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            kind = getattr(column.type, "impl", column.type)
            if isinstance(kind, sa.String):  # Text is a String too
                found.add(f"{table.name}.{column.name}")
    return found


def test_every_text_column_is_classified_and_every_entry_exists(app: Flask) -> None:
    columns = _text_columns()
    assert sorted(columns - REGISTER.keys()) == [], "classify these in privacy/classification.py"
    assert sorted(REGISTER.keys() - columns) == [], "these are no longer columns"

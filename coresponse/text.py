"""Small text helpers shared by every domain's services."""

from __future__ import annotations


def clean_text(value: str | None) -> str | None:
    """Stripped text, or None when nothing is left: an empty field means "not given"."""
    value = (value or "").strip()
    return value or None

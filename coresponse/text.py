"""Small text helpers shared by every domain's services."""

from __future__ import annotations


def clean_text(value: str | None) -> str | None:
    """Stripped text, or None when nothing is left: an empty field means "not given"."""
    value = (value or "").strip()
    return value or None


def describe_bytes(size: int) -> str:
    """A size in bytes as people read it: "1 MiB", "512 KiB", "300 bytes"."""
    for unit, factor in (("MiB", 1024 * 1024), ("KiB", 1024)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} bytes"

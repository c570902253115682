"""Small text helpers shared by every domain: what text may hold, and how it is tidied.

Forms (coresponse.form_helpers.Form) and the API (coresponse.api.inputs.load) both ask
`text_refusal`, so a page and a tablet refuse exactly the same characters.
"""

from __future__ import annotations

import re

# What no stored text may hold: C0 controls except tab, line feed and carriage return;
# DEL; the C1 controls (U+0080-U+009F); and surrogates. Pages would print the controls
# raw (a pasted \x1b or \x82 garbles a note), and a surrogate left in a Python string is
# one without its pair (JSON "\ud800"), which no database encoding can store.
_REFUSED = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def text_refusal(value: str) -> str | None:
    """Why this text cannot be kept, said after the field's name; None when it can."""
    found = _REFUSED.search(value)
    if found is None:
        return None
    code = f"U+{ord(found.group()):04X}"
    if "\ud800" <= found.group() <= "\udfff":
        return f"holds a broken character ({code}, half of a pair): retype the text."
    return f"holds an invisible control character ({code}): remove it and try again."


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

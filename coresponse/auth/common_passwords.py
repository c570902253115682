"""Passwords too common or too predictable to allow, for the password policy.

The shipped list, common_passwords.txt beside this file, holds the words, names,
keyboard walks and endings that top the published lists of leaked passwords,
combined the way people combine them ("football1234", "qwertyuiop12",
"summer2024!!"); tools/common_passwords.py generates it from the words and phrases
of common_words.txt. Only entries of 12 characters or more are kept: the policy
refuses anything shorter anyway. A deployment can append its own lines (its
agency's and city's names, say); lines starting with "#" are comments.

Besides the list, `predictable_reason` refuses shapes no list can enumerate: a
password of few distinct characters, a repeated chunk, a run along the alphabet,
the digits or the keyboard, and a word of common_words.txt with only digits and
symbols added.

The demo's published password ("coresponse-demo") is deliberately not refused, so
`flask seed-demo` keeps working; never seed the demo on a live system.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

LIST_PATH = Path(__file__).with_name("common_passwords.txt")
WORDS_PATH = Path(__file__).with_name("common_words.txt")
MIN_LENGTH = 12

# Strings every "run" lies inside: digits, the alphabet, keyboard rows, both ways.
_RUNS = (
    "01234567890123456789012345678901234567890",
    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnmqwertyuiopasdfghjklzxcvbnm",
    "qwertyuiop[]asdfghjkl;'zxcvbnm,./",
    "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/",
    "1q2w3e4r5t6y7u8i9o0p",
    "qazwsxedcrfvtgbyhnujmikolp",
    "!@#$%^&*()_+!@#$%^&*()_+",
)
_LEET = str.maketrans(
    {"@": "a", "4": "a", "0": "o", "3": "e", "1": "i", "$": "s", "5": "s", "7": "t"}
)
_SEPARATORS = re.compile(r"[\s\-_.]+")
_ENDS = re.compile(r"^[^a-z]+|[^a-z]+$")


@cache
def shipped_list() -> frozenset[str]:
    """The shipped list (plus any lines a deployment appended), lower-cased."""
    lines = LIST_PATH.read_text(encoding="utf-8").splitlines()
    return frozenset(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


def _core(text: str) -> str:
    """The letters between any leading and trailing digits or symbols, leetspeak undone."""
    return _ENDS.sub("", text).translate(_LEET)


@cache
def common_words() -> tuple[str, ...]:
    """The words and phrases of common_words.txt, in order, lower-cased."""
    lines = WORDS_PATH.read_text(encoding="utf-8").splitlines()
    return tuple(
        line.strip().lower() for line in lines if line.strip() and not line.startswith("#")
    )


@cache
def _root_words() -> frozenset[str]:
    return frozenset(core for w in common_words() if len(core := _core(w)) >= 3)


def is_common(password: str) -> bool:
    """True when the password (ignoring case and separators) is on the shipped list."""
    lowered = password.lower()
    common = shipped_list()
    return lowered in common or _SEPARATORS.sub("", lowered) in common


def predictable_reason(password: str) -> str | None:
    """Why a password of acceptable length is still easy to guess, or None."""
    compact = _SEPARATORS.sub("", password.lower())
    if len(set(compact)) < 5:
        return "uses too few different characters"
    for size in range(1, len(compact) // 2 + 1):
        unit = compact[:size]
        if (unit * (len(compact) // size + 1))[: len(compact)] == compact:
            return "repeats the same few characters"
    if any(compact in run or compact in run[::-1] for run in _RUNS):
        return "is a run of the alphabet, digits or the keyboard"
    if _core(compact) in _root_words():
        return "is a common word with digits or symbols added"
    return None

"""A person's details as intake and edits give them, and the keys they are matched by.

Services record them (services.py) and the duplicate check searches by them
(queries.py), so they live below both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from coresponse.people.models import Gender, RaceEthnicity

_SPACES = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Lower-case, accent-free, single-spaced: 'José  Núñez' → 'jose nunez'."""
    decomposed = unicodedata.normalize("NFKD", name)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", plain).strip().lower()


def phone_digits(number: str) -> str:
    """Digits only, without a leading US country code, for matching."""
    digits = "".join(ch for ch in number if ch in "0123456789")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits


def lone_answer_refusal(answers: Sequence[RaceEthnicity | Gender], what: str) -> str | None:
    """Why these HMIS answers cannot be recorded together, or None: "client doesn't know",
    "prefers not to answer" and "data not collected" are each an answer on its own."""
    alone = [answer for answer in answers if answer.is_null_answer]
    if alone and len(answers) > 1:  # twice the same null answer too: the schema says so
        return (
            f"“{alone[0].label}” is an answer on its own: choose it alone, or choose the "
            f"{what} the person gave."
        )
    return None


@dataclass
class AddressDetails:
    line1: str
    line2: str | None = None
    city: str = "New York"
    state: str = "NY"
    postal_code: str | None = None
    # No borough or precinct: both follow from the point the address is placed at.
    whereabouts_note: str | None = None


@dataclass
class PersonDetails:
    first_name: str
    last_name: str
    middle_name: str | None = None
    preferred_name: str | None = None
    date_of_birth: date | None = None
    approximate_age: int | None = None
    gender_description: str | None = None
    # HMIS answers (coresponse.people.models); none given: nothing recorded.
    race_ethnicity: list[RaceEthnicity] = field(default_factory=list)
    gender: list[Gender] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    needs_interpreter: bool = False
    phone: str | None = None
    address: AddressDetails | None = None

"""The reminder rules' thresholds, read from the app's config and checked before a run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from coresponse.errors import DomainError

# Config key -> the environment variable a person sets (named in the refusal).
_SETTINGS = {
    "REMINDER_FIRST_CONTACT_DUE_HOURS": "CORESPONSE_REMINDER_FIRST_CONTACT_DUE_HOURS",
    "REMINDER_NO_CONTACT_DAYS": "CORESPONSE_REMINDER_NO_CONTACT_DAYS",
    "REMINDER_CONSENT_EXPIRY_DAYS": "CORESPONSE_REMINDER_CONSENT_EXPIRY_DAYS",
    "REMINDER_TRAINING_EXPIRY_DAYS": "CORESPONSE_REMINDER_TRAINING_EXPIRY_DAYS",
    "REMINDER_DIGEST_MINUTES": "CORESPONSE_REMINDER_DIGEST_MINUTES",
}


class BadThreshold(DomainError):
    """A reminder setting of zero or less: no rule can warn that far ahead."""


@dataclass(frozen=True)
class Thresholds:
    first_contact_due_hours: int
    no_contact_days: int
    consent_expiry_days: int
    training_expiry_days: int
    digest_minutes: int


def thresholds(config: Any) -> Thresholds:
    """The settings as numbers above zero, or BadThreshold naming every one that is not."""
    values: dict[str, int] = {}
    bad: list[str] = []
    for key, variable in _SETTINGS.items():
        raw = config.get(key)
        try:
            value = int(raw)
        except (TypeError, ValueError):
            bad.append(f"{variable} must be a whole number of at least 1, got {raw!r}")
            continue
        if value <= 0:
            bad.append(f"{variable} must be at least 1, got {value}")
        values[key.removeprefix("REMINDER_").lower()] = value
    if bad:
        raise BadThreshold("; ".join(bad) + ".")
    return Thresholds(**values)

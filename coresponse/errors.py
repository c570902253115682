"""Domain errors: a refused change with a message a person can act on."""

from __future__ import annotations


class DomainError(Exception):
    """A change the domain rules refuse. Views turn it into a 4xx with the message."""

    status_code = 422
    # True when the service recorded the refusal itself (a failed attempt and its audit
    # event) and changed nothing else: the request keeps that record, whatever it
    # answers (coresponse/unit_of_work.py).
    recorded = False

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The thing named does not exist (or the user may not know it does)."""

    status_code = 404


class Conflict(DomainError):
    """The change collides with the current state (duplicates, stale versions)."""

    status_code = 409

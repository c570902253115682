"""Notes in two parts: what the whole team reads, and what only clinical readers read.

Closing, reopening and triage notes and addendum reasons are written during clinical
work. Each has an operational part (police on the team read it: where, when, what was
done) and a clinical part (treatment, diagnoses, medication, substance use), as contacts
do. Only clinical users write the clinical part: a part they could not read back is
never offered to the others, and one sent anyway is refused, not silently dropped or
silently shown to police.
"""

from __future__ import annotations

from dataclasses import dataclass

from coresponse.auth.models import User
from coresponse.errors import DomainError
from coresponse.privacy import policy
from coresponse.text import clean_text


@dataclass(frozen=True)
class TwoPartNote:
    operational: str | None = None
    clinical: str | None = None

    def __bool__(self) -> bool:
        return bool(self.operational or self.clinical)


def two_part_note(
    by: User,
    operational: str | None,
    clinical: str | None,
    *,
    required: str | None = None,
    operational_field: str = "operational_note",
    clinical_field: str = "note",
    error: type[DomainError] = DomainError,
) -> TwoPartNote:
    """The note's two parts, tidied; `required` is the message when both are empty.

    Raises `error` (a DomainError: a 422 naming the field) for a clinical part written by someone
    who may not read clinical content, and for a required note left empty.
    """
    note = TwoPartNote(clean_text(operational), clean_text(clinical))
    if note.clinical and not policy.can_read_clinical(by):
        raise error(
            "Clinical notes are written by clinicians; put what the whole team may read "
            "in the note for the team.",
            field=clinical_field,
        )
    if required and not note:
        raise error(required, field=operational_field)
    return note

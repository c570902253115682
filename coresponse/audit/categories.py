"""Data categories: the privacy tag every field of a person's record carries.

The category travels with the data into pages, printouts, exports and search, and
decides who may receive it (see the privacy rules) and what an audit event records.
"""

from __future__ import annotations

from coresponse.db_types import LabelledEnum


class DataCategory(LabelledEnum):
    """How sensitive a piece of a person's record is."""

    IDENTITY = "identity", "Identity and contact details"
    OPERATIONAL = "operational", "Operational (contacts, safety, location)"
    SAFETY = "safety", "Safety flags"
    CLINICAL = "clinical", "Clinical"
    SUBSTANCE_USE = "substance_use", "Substance use (42 CFR Part 2)"
    ACCOUNT = "account", "User accounts and teams"

    @property
    def clinical(self) -> bool:
        """Never shown to officers, police supervisors or analysts."""
        return self in (DataCategory.CLINICAL, DataCategory.SUBSTANCE_USE)

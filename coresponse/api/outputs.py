"""What the API answers: every response body, as Pydantic models.

The serializers build these, so a response cannot carry a key its model lacks, and the
OpenAPI document is generated from them. Clinical keys default to "absent": responses
are dumped with `exclude_unset`, so a key the serializer did not set (for a reader who
may not see clinical content) is not in the JSON at all, not even as null.
"""

from __future__ import annotations

import enum
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from coresponse.api.fields import Count, Day, Id, Moment, Number, Str
from coresponse.auth.models import Role
from coresponse.cases.models import CaseEventKind, CaseStatus, ClosureReason
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.linkages.models import (
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    VerificationMethod,
)
from coresponse.people.models import Borough, Gender, LocationStatus, PhoneKind, RaceEthnicity
from coresponse.people.timeline import KINDS
from coresponse.referrals.models import ReferralSource, ReferralStatus, RiskIndicator
from coresponse.reports.definitions import GroupBy, Kind

CLINICAL_ONLY = "Present only for clinical readers (clinicians, clinical supervisors)."
FOR_THE_TEAM = "Read by the whole team, police included."
CLOSURE_REASON = (
    "Null for non-clinical readers when the reason discloses treatment "
    "(connected_to_care, declined_services, long_term_hospitalization)."
)

HMIS_ANSWERS = (
    "The person's answers (HUD HMIS FY2024), in the standard's order. Empty: none "
    "recorded, which reports count as data_not_collected."
)


def absent(description: str | None = None) -> Any:
    """A key that may be left out of the response (see the module's docstring)."""
    return Field(None, description=description)


class Out(BaseModel):
    """A response body: exactly these keys."""

    model_config = ConfigDict(extra="forbid")


class UserRef(Out):
    id: Id
    full_name: Str


class Member(Out):
    """A team member."""

    id: Id
    full_name: Str
    role: Role


class MeTeam(Out):
    id: Id
    name: Str | None
    members: list[Member]


class Me(Out):
    """The caller: role, team and what they may read."""

    id: Id
    username: Str
    full_name: Str
    role: Role
    team_id: Id | None
    can_read_clinical: bool
    team: MeTeam | None
    csrf_token: Str = absent("With the browser session only: send it as X-CSRFToken on writes.")


class ContactBrief(Out):
    type: ContactType
    outcome: ContactOutcome
    occurred_at: Moment


class CaseBrief(Out):
    """What to know before a visit (field mode's case cards)."""

    safety_flags: list[RiskIndicator] = Field(
        description="Named at the case's referral: safety ones for everyone, clinical ones "
        "for clinical readers."
    )
    whereabouts: Str | None = Field(description="Where the person can be found, in words.")
    languages: list[Str] = Field(description="Preferred first.")
    needs_interpreter: bool
    last_contact: ContactBrief | None
    next_contact_planned_at: Moment | None
    latest_risk: RiskLevel | None = absent(CLINICAL_ONLY)
    connections_in_progress: Count | None = absent(CLINICAL_ONLY)


class CaseSummary(Out):
    """A case as listed: the person's name and current address."""

    id: Id
    person_id: Id
    person_name: Str
    team_id: Id | None
    status: CaseStatus
    opened_at: Moment
    first_contact_due_at: Moment | None
    last_contact_at: Moment | None
    address: Str | None = Field(description="The person's current address on one line.")
    brief: CaseBrief | None = absent("In the list of open cases: what to know before a visit.")


class CaseList(Out):
    items: list[CaseSummary]
    next: Str | None = Field(description="Pass as `cursor` for the next page; null on the last.")


class Addendum(Out):
    """A correction or addition to a contact."""

    id: Id
    contact_id: Id
    created_at: Moment
    author: UserRef
    operational_reason: Str | None = Field(description=FOR_THE_TEAM)
    operational_text: Str | None
    reason: Str | None = absent(CLINICAL_ONLY)
    clinical_text: Str | None = absent(CLINICAL_ONLY)


class Contact(Out):
    """An outreach contact with its addenda."""

    id: UUID = Field(description="The id its client gave it.")
    case_id: Id
    person_id: Id
    type: ContactType
    occurred_at: Moment
    outcome: ContactOutcome
    location: Str | None
    latitude: Number | None
    longitude: Number | None
    others_present: Str | None
    transport_destination: Str | None
    operational_note: Str | None = Field(description=FOR_THE_TEAM)
    next_contact_planned_at: Moment | None
    recorded_at: Moment
    recorded_by: UserRef
    participants: list[Member]
    addenda: list[Addendum]
    clinical_note: Str | None = absent(CLINICAL_ONLY)
    risk_level: RiskLevel | None = absent(CLINICAL_ONLY)
    risk_factors: list[RiskFactor] = absent(CLINICAL_ONLY)


class TeamRef(Out):
    id: Id
    name: Str


class CaseDetail(CaseSummary):
    """A case with its dates, team and newest contacts (the person's card is /people/{id})."""

    referral_id: Id
    referred_at: Moment
    assigned_at: Moment | None
    first_contact_at: Moment | None
    next_contact_planned_at: Moment | None
    closed_at: Moment | None
    closure_reason: ClosureReason | None = Field(description=CLOSURE_REASON)
    team: TeamRef | None
    contact_count: Count
    contacts: list[Contact] = Field(
        description="The newest 25 contacts; the person's timeline has the rest."
    )


class Address(Out):
    line1: Str
    line2: Str | None
    city: Str
    state: Str
    postal_code: Str | None
    borough: Borough | None
    precinct: Str | None
    latitude: Number | None
    longitude: Number | None
    one_line: Str


class PersonLocation(Out):
    """The point now on record and what follows from it."""

    latitude: Number
    longitude: Number
    precinct: Str = Field(description="The NYC police precinct containing the point, e.g. 75.")
    borough: Borough
    area: Str = Field(
        description="The precinct and borough in words, e.g. "
        '"the 22nd Precinct, Manhattan", as the pages say them.'
    )
    precision: LocationStatus = Field(
        description="How the point was found: `manual` for one set by a person or a tablet."
    )
    description: Str | None = Field(description="Where to look, in words. " + FOR_THE_TEAM)


class Phone(Out):
    number: Str
    kind: PhoneKind


class PersonCase(Out):
    id: Id
    status: CaseStatus
    team_id: Id | None
    opened_at: Moment


class Person(Out):
    """A person's card and the cases the caller may see."""

    id: Id
    first_name: Str
    middle_name: Str | None
    last_name: Str
    preferred_name: Str | None
    display_name: Str
    date_of_birth: Day | None
    date_of_birth_estimated: bool
    race_ethnicity: list[RaceEthnicity] = Field(description=HMIS_ANSWERS)
    gender: list[Gender] = Field(description=HMIS_ANSWERS)
    gender_description: Str | None = Field(description="Gender in the person's own words.")
    needs_interpreter: bool
    languages: list[Str]
    aliases: list[Str]
    phones: list[Phone]
    address: Address | None
    risk_indicators: list[RiskIndicator] = Field(
        description="Safety indicators for everyone; clinical ones for clinical readers."
    )
    cases: list[PersonCase]
    merged_into: Id | None = Field(
        description="Set when this record was merged into another: the record that stayed "
        "(read that one; this one holds nothing any more)."
    )


class Referral(Out):
    """A referral; its reason only for clinical readers."""

    id: Id
    person_id: Id
    status: ReferralStatus
    source: ReferralSource
    source_detail: Str | None
    received_at: Moment
    risk_indicators: list[RiskIndicator]
    reason: Str = absent(CLINICAL_ONLY)


class Triage(Out):
    referral_id: Id
    from_status: ReferralStatus | None
    to_status: ReferralStatus
    by: UserRef | None
    operational_note: Str | None = Field(description=FOR_THE_TEAM)
    note: Str | None = absent(CLINICAL_ONLY)


class CaseEvent(Out):
    case_id: Id
    kind: CaseEventKind
    summary: Str | None
    closure_reason: ClosureReason | None = Field(description=CLOSURE_REASON)
    team_id: Id | None
    by: UserRef | None
    operational_note: Str | None = Field(description=FOR_THE_TEAM)
    note: Str | None = absent(CLINICAL_ONLY)


class LinkageStep(Out):
    linkage_id: Id
    kind: LinkageKind
    target: Str
    to_status: LinkageStatus
    by: UserRef | None
    note: Str | None


# (type: ignore: mypy reads only literal members; these are people.timeline's KINDS.)
TimelineEntryKind = enum.StrEnum(  # type: ignore[misc]
    "TimelineEntryKind", {kind.upper(): kind for kind in (*KINDS, "triage")}
)
TimelineEntryKind.__doc__ = "What a timeline entry is; the entry carries that item under its key."


class TimelineEntry(Out):
    """One entry of a person's timeline: when, what kind, and the item in its own shape."""

    at: Moment
    kind: TimelineEntryKind
    referral: Referral = absent()
    triage: Triage = absent()
    case_event: CaseEvent = absent()
    contact: Contact = absent()
    addendum: Addendum = absent()
    linkage: LinkageStep = absent()


class TimelinePage(Out):
    items: list[TimelineEntry]
    next: Moment | None = Field(description="Pass as `before` for older entries; null on the last.")


class ProviderRef(Out):
    id: Id
    name: Str


class LinkageChange(Out):
    from_status: LinkageStatus | None
    to_status: LinkageStatus
    at: Moment
    by: UserRef | None
    note: Str | None
    appointment_at: Moment | None


class Linkage(Out):
    """A connection to care, its path and the steps it may take next (clinical)."""

    id: Id
    case_id: Id | None
    person_id: Id
    kind: LinkageKind
    category: LinkageCategory
    target: Str
    provider: ProviderRef | None
    support_contact_id: Id | None
    target_name: Str | None
    status: LinkageStatus
    status_changed_at: Moment
    appointment_at: Moment | None
    verified_on: Day | None
    verification_method: VerificationMethod | None
    verified_by: Str | None
    not_connected_reason: Str | None
    note: Str | None
    created_at: Moment
    version: int = Field(description="Send it back as `version` to refuse a stale change.")
    next_statuses: list[LinkageStatus]
    changes: list[LinkageChange]


class LinkageList(Out):
    items: list[Linkage]


# --- Outcome reports ----------------------------------------------------------------------


class ReportCount(Out):
    """A count under the small-cell rule: null and `suppressed` when from 1 to 10 (or
    when a total would give such a count away)."""

    value: Count | None
    suppressed: bool


class ReportCell(Out):
    column: Str = Field(description="The column's key: a group's key, `total` or `overall`.")
    value: int | Number | None = Field(
        description="Null when suppressed, or when there is nothing to compute (no cases)."
    )
    suppressed: bool
    numerator: ReportCount | None = Field(None, description="For a rate: its numerator.")
    denominator: ReportCount | None = Field(None, description="For a rate: its denominator.")


class ReportRow(Out):
    key: Str
    label: Str
    total: bool = Field(description="The table's totals row.")
    cells: list[ReportCell]


class ReportGroup(Out):
    key: Str
    label: Str


class ReportIndicator(Out):
    id: Str
    label: Str
    definition: Str = Field(
        description="What is counted, from which time to which, and what is left out."
    )
    kind: Kind
    unit: Str
    headline: bool
    rows: list[ReportRow]


class ReportFunnelStage(Out):
    key: Str
    label: Str
    count: ReportCount


class OutcomeReport(Out):
    """Every outcome indicator for a range of New York days, small cells suppressed."""

    first_day: Day
    last_day: Day
    group_by: GroupBy
    groups: list[ReportGroup] = Field(description="The columns, in order (before totals).")
    indicators: list[ReportIndicator]
    funnel: list[ReportFunnelStage] = Field(
        description="Referrals received in the range, followed stage by stage to today."
    )

"""What each outcome indicator counts, written for a program manager.

Every indicator has an id (stable: pages, CSV columns and the API use it), a label
and a definition that says what is counted, from which timestamp to which, and what
is left out. The queries in `queries.py` implement exactly these words; change both
together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from coresponse.contacts.models import ContactOutcome, ContactType


class GroupBy(StrEnum):
    """How a report's columns split the program.

    Gender and race/ethnicity are the HUD HMIS answers on the person record, several
    per person: a person with two races counts once in each race's column, and the
    totals count them once (MULTI_VALUED), so they are not the columns' sums.
    """

    NONE = "none"
    MONTH = "month"
    TEAM = "team"
    BOROUGH = "borough"
    PRECINCT = "precinct"
    LANGUAGE = "language"
    AGE_BAND = "age_band"
    GENDER = "gender"
    RACE_ETHNICITY = "race_ethnicity"


GROUP_LABELS: dict[GroupBy, str] = {
    GroupBy.NONE: "Whole program",
    GroupBy.MONTH: "Month",
    GroupBy.TEAM: "Team",
    GroupBy.BOROUGH: "Borough",
    GroupBy.PRECINCT: "Precinct",
    GroupBy.LANGUAGE: "Preferred language",
    GroupBy.AGE_BAND: "Age band",
    GroupBy.GENDER: "Gender",
    GroupBy.RACE_ETHNICITY: "Race and ethnicity",
}

# Groupings in which one person may sit in several columns (HMIS: "select all that
# apply"); a person with no answer recorded is in "Data not collected".
MULTI_VALUED = frozenset({GroupBy.GENDER, GroupBy.RACE_ETHNICITY})

# (key, label, lowest age, highest age or None): age in whole years on the New York
# date of the referral (referral indicators) or of the case's opening (the others).
AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    ("under_18", "Under 18", 0, 17),
    ("18_24", "18–24", 18, 24),
    ("25_34", "25–34", 25, 34),
    ("35_44", "35–44", 35, 44),
    ("45_54", "45–54", 45, 54),
    ("55_64", "55–64", 55, 64),
    ("65_plus", "65 and over", 65, None),
)

# The de-identified export's bands: AGE_BANDS with the top band split so that every age
# of 90 and over is one band, as HIPAA's Safe Harbor requires (45 CFR 164.514(b)(2)(i)(C):
# "all ages over 89 ... aggregated into a single category of age 90 or older").
EXPORT_AGE_BANDS: tuple[tuple[str, str, int, int | None], ...] = (
    *AGE_BANDS[:-1],
    ("65_74", "65–74", 65, 74),
    ("75_89", "75–89", 75, 89),
    ("90_plus", "90 and over", 90, None),
)

# The key of a group the record does not say (no address, no team, no date of birth).
UNKNOWN = "unknown"
ALL = "all"

# Longest range a report covers (bad input beyond it is refused, not computed).
MAX_RANGE = timedelta(days=5 * 366)

# The program's standard: first contact within 24 real hours of assignment.
FIRST_CONTACT_STANDARD = timedelta(hours=24)
# "A contact in the last 7 days": the 7 New York days ending on the range's last day.
RECENT_CONTACT_DAYS = 7
RE_REFERRAL_WINDOWS = (90, 180)

# A contact with the person (not about them) that engaged them.
ENGAGEMENT_OUTCOMES = frozenset({ContactOutcome.ENGAGED, ContactOutcome.BRIEF_ENGAGEMENT})
COLLATERAL_TYPES = frozenset({ContactType.COLLATERAL_FAMILY, ContactType.COLLATERAL_PROVIDER})
CRISIS_OUTCOMES = (
    ContactOutcome.CRISIS_TRANSPORT_VOLUNTARY,
    ContactOutcome.CRISIS_TRANSPORT_INVOLUNTARY,
    ContactOutcome.ARREST,
)


class Kind(StrEnum):
    """The shape of an indicator's result (see results.py)."""

    COUNTS = "counts"  # a CountTable: categories (rows) by group (columns)
    RATES = "rates"  # a RateTable: numerator / denominator per group
    DURATIONS = "durations"  # a DurationTable: n, median, 90th percentile per group


@dataclass(frozen=True)
class Indicator:
    id: str
    label: str
    definition: str
    kind: Kind
    unit: str = ""  # "hours", "days", "%", "per 100 contacts"
    headline: bool = False
    # Counts connections or treatment-disclosing closure reasons: left out for readers
    # who may not see them (policy.can_see_treatment_outcomes: the police).
    treatment: bool = False


_RANGE = "The range is New York days, the first and last included."

INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "referrals_by_source",
        "Referrals received, by source",
        "Referrals whose received time falls in the range, by who sent them. Every referral "
        "counts, whatever its triage (a person referred twice counts twice). By team: the "
        "team of the case the referral opened, or of the open case a repeat referral joined "
        "(“No team” when none). " + _RANGE,
        Kind.COUNTS,
    ),
    Indicator(
        "triage_decisions",
        "Triage decisions: accepted, and declined by reason",
        "Referrals accepted or declined, counted on the day of the decision (the last triage "
        "time); declined ones by their coded reason. Referrals still awaiting triage or "
        "waiting for more information are not counted. " + _RANGE,
        Kind.COUNTS,
    ),
    Indicator(
        "hours_to_triage",
        "Hours from receipt to triage",
        "For referrals accepted or declined in the range: real hours from the referral's "
        "received time to the decision (a request for more information is not a decision). "
        "Median and 90th percentile.",
        Kind.DURATIONS,
        unit="hours",
    ),
    Indicator(
        "people_served",
        "People served",
        "Distinct people with a case open at any time in the range: opened (accepted) "
        "before the range ends and not closed throughout it (a case closed and later reopened "
        "is not open between the two). A person with two cases counts once; a person whose "
        "cases fall in two columns counts in each, so the total is not the sum of the columns.",
        Kind.COUNTS,
    ),
    Indicator(
        "open_caseload",
        "Open caseload per team",
        "Cases with a team at the end of the range (or now, when the range ends later), by "
        "that team. By month: at the end of each month.",
        Kind.COUNTS,
    ),
    Indicator(
        "hours_to_first_contact",
        "Hours from assignment to the first contact attempt",
        "For cases first assigned to a team in the range: real hours (UTC, so 24 hours across "
        "a clock change is 24 hours) from the first assignment to the first contact of any "
        "kind, an attempt that found nobody and a call to family included, by when it "
        "happened (not when it was logged). A contact before the assignment counts as 0 hours. "
        "Reassignment and reopening do not restart the clock. Median and 90th percentile of "
        "the cases contacted; % within 24 hours (exactly 24 hours counts) of the cases "
        "contacted or whose 24 hours have passed.",
        Kind.DURATIONS,
        unit="hours",
    ),
    Indicator(
        "hours_to_first_engagement",
        "Hours from assignment to the first engagement",
        "As the first contact attempt, to the first contact with the person (not a "
        "collateral contact) whose outcome is “engaged” or “brief engagement”.",
        Kind.DURATIONS,
        unit="hours",
    ),
    Indicator(
        "contacts_by_type",
        "Contacts by type",
        "Contacts that happened in the range (by their contact time, however late they were "
        "logged), by type. " + _RANGE,
        Kind.COUNTS,
    ),
    Indicator(
        "contacts_by_outcome",
        "Contacts by outcome",
        "The same contacts by outcome.",
        Kind.COUNTS,
    ),
    Indicator(
        "attempts_vs_engagements",
        "Attempts and engagements",
        "The same contacts in three kinds: engagements (with the person, outcome engaged or "
        "brief engagement), attempts that did not engage (with the person or looking for them: "
        "not found, refused, crisis, arrest) and collateral contacts (with family or providers).",
        Kind.COUNTS,
    ),
    Indicator(
        "recent_contact_share",
        "% of open cases with a contact in the last 7 days",
        "Of the cases with a team at the end of the range (or now), the share with a contact "
        "of any kind in the 7 New York days ending on the range's last day. By month: at each "
        "month's end.",
        Kind.RATES,
        unit="%",
    ),
    Indicator(
        "connections_by_category",
        "Connections by category",
        "Connections identified in the range (by the time they were recorded), by category: "
        "treatment, family and friends, other supports.",
        Kind.COUNTS,
        treatment=True,
    ),
    Indicator(
        "connections_by_kind",
        "Connections by kind",
        "The same connections by what the person is connected to.",
        Kind.COUNTS,
        treatment=True,
    ),
    Indicator(
        "connections_by_status",
        "Connections by status",
        "The same connections by their status today; only “connected” is verified (how and "
        "by whom are recorded). A referral sent is not a connection made.",
        Kind.COUNTS,
        treatment=True,
    ),
    Indicator(
        "closed_with_verified_connection",
        "% of closed cases with a verified connection",
        "Of the cases closed in the range (a case closed twice in the range counts once, "
        "with its last closure), the share with at least one connection of the case verified "
        "as connected on or before the day it closed.",
        Kind.RATES,
        unit="%",
        headline=True,
        treatment=True,
    ),
    Indicator(
        "days_to_first_verified_connection",
        "Days from case opening to the first verified connection",
        "For cases whose first verified connection is dated in the range: New York days "
        "from the day the case was opened (accepted) to the verified connection's date. "
        "Median and 90th percentile.",
        Kind.DURATIONS,
        unit="days",
        treatment=True,
    ),
    Indicator(
        "crisis_outcomes_per_100_contacts",
        "Crisis outcomes per 100 contacts",
        "Voluntary transports, involuntary transports and arrests recorded as a contact's "
        "outcome, per 100 contacts of any type that happened in the range.",
        Kind.RATES,
        unit="per 100 contacts",
    ),
    Indicator(
        "closure_reasons",
        "Closures by reason",
        "Closures in the range, by their coded reason. A case closed, reopened and closed "
        "again counts each closure. " + _RANGE,
        Kind.COUNTS,
        treatment=True,
    ),
    Indicator(
        "length_of_engagement",
        "Length of engagement (days)",
        "For each closure in the range: New York days from the day the case was opened "
        "(accepted) to the day it closed, reopened time included. Median and 90th percentile.",
        Kind.DURATIONS,
        unit="days",
    ),
    Indicator(
        "re_referral",
        "Re-referred within 90 and 180 days of closure",
        "Of the closures in the range whose 90 (or 180) days have passed, the share whose "
        "person was referred again (a new referral received, other than one declined as a "
        "duplicate) within 90 (or 180) real days after the closure. Reopening a case is not a "
        "re-referral.",
        Kind.RATES,
        unit="%",
    ),
)

BY_ID: dict[str, Indicator] = {indicator.id: indicator for indicator in INDICATORS}

# What the trend charts, the bars by group and the monthly report's equity tables show
# (charts.KEY_MEASURES): a report made only for them computes only these.
KEY_INDICATORS = frozenset(
    {"referrals_by_source", "people_served", "hours_to_first_contact",
     "closed_with_verified_connection"}
)  # fmt: skip


# The funnel: referrals received in the range followed through to today, stage by stage
# (each stage a subset of the one before it).
FUNNEL_DEFINITION = (
    "Referrals received in the range, followed to today: how many were accepted (a case "
    "opened, or the person's open case joined), assigned to a team, contacted (any contact, an attempt included), engaged (a "
    "contact with the person whose outcome is “engaged” or “brief engagement”) and "
    "connected (engaged, and at least one connection of the case verified). Each stage counts the "
    "referrals that reached it, so each is part of the one before. A repeat referral that "
    "joined an open case is contacted and engaged only by contacts from its receipt on. " + _RANGE
)
FUNNEL_STAGES: tuple[tuple[str, str], ...] = (
    ("referred", "Referred"),
    ("accepted", "Accepted"),
    ("assigned", "Assigned to a team"),
    ("contacted", "First contact"),
    ("engaged", "Engaged"),
    ("connected", "Connected to care (verified)"),
)

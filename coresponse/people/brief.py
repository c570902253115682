"""Before you go: what a team member needs at the door, at the top of the person's page.

The person's card above it holds the safety flags, whereabouts, languages and phones;
the brief adds the open case's last contact, the next planned one, and for clinical
readers the latest risk rating and the connections still in progress.

It costs the page no statement of its own: each case's last contact (and, for clinical
readers, latest risk rating) comes as extra columns of the query that finds the
person's visible cases, and the connections are the ones the timeline loads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, func, literal, null, select

from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseStatus
from coresponse.contacts.models import Contact, ContactOutcome, ContactType, RiskLevel
from coresponse.extensions import db
from coresponse.linkages.models import Linkage, LinkageStatus
from coresponse.people.timeline import visible_cases_statement
from coresponse.privacy.policy import can_read_clinical, case_visibility, note_visible_cases

FINAL_STATUSES = [s for s in LinkageStatus if s.final]


@dataclass(frozen=True)
class LastContact:
    type: ContactType
    outcome: ContactOutcome
    occurred_at: datetime
    by: str | None  # who recorded it


@dataclass(frozen=True)
class Latest:
    """A case's newest contact and (clinical readers only) newest risk rating."""

    contact: LastContact | None = None
    risk: tuple[RiskLevel, datetime] | None = None


@dataclass(frozen=True)
class Brief:
    case: Case
    last_contact: LastContact | None
    # Clinical readers only (None or empty for everyone else).
    risk: tuple[RiskLevel, datetime] | None = None
    open_connections: list[Linkage] = field(default_factory=list)


def visible_cases_and_latest(viewer: User, person_id: int) -> tuple[list[Case], dict[int, Latest]]:
    """The person's cases the viewer may see (as timeline.visible_cases with their events)
    and, by case, its latest contact and risk rating, in one statement."""
    clinical = can_read_clinical(viewer)
    stmt = _statement(clinical).where(case_visibility(viewer))
    cases: list[Case] = []
    latest: dict[int, Latest] = {}
    rows = db.session.execute(stmt, {"person_id": person_id}).unique()
    for case, c_type, outcome, at, by, risk, risk_at in rows:
        cases.append(case)
        latest[case.id] = _latest(c_type, outcome, at, by, risk, risk_at, clinical)
    note_visible_cases(viewer, person_id, cases)
    return cases, latest


@cache
def _statement(clinical: bool) -> Select[Any]:
    return visible_cases_statement(with_events=True, clinical=clinical).add_columns(
        *_latest_columns(clinical)
    )


def _latest_columns(clinical: bool) -> list[Any]:
    """Each case's newest contact (type, outcome, time, who recorded it) and newest risk
    rating (level, time; NULL for a reader who may not see it), as columns correlated
    with the case: each one reads the (case_id, occurred_at) index backwards."""

    def newest(column: Any, *where: Any) -> Any:
        return (
            select(column)
            .where(Contact.case_id == Case.id, *where)
            .order_by(Contact.occurred_at.desc(), Contact.id.desc())
            .limit(1)
            # Correlated with the outer query's case even when nested a level deeper
            # (the recorder's name below): else the inner query lists every case itself.
            .correlate(Case)
            .scalar_subquery()
        )

    by = select(User.full_name).where(User.id == newest(Contact.recorded_by_id))
    rated = Contact.risk_level.is_not(None)
    risk = [newest(Contact.risk_level, rated), newest(Contact.occurred_at, rated)]
    return [
        newest(Contact.type),
        newest(Contact.outcome),
        newest(Contact.occurred_at),
        by.scalar_subquery(),
        *(risk if clinical else [null(), null()]),
    ]


def latest_by_case(case_ids: list[int], viewer: User) -> dict[int, tuple[Latest, int]]:
    """For cases the viewer may list: each one's Latest and, for clinical readers, how
    many of its connections are in progress (0 for everyone else), in one statement."""
    if not case_ids:
        return {}
    clinical = can_read_clinical(viewer)
    in_progress: Any = (
        select(func.count(Linkage.id))
        .where(Linkage.case_id == Case.id, Linkage.status.not_in(FINAL_STATUSES))
        .scalar_subquery()
        if clinical
        else literal(0)
    )
    rows = db.session.execute(
        select(Case.id, *_latest_columns(clinical), in_progress).where(Case.id.in_(case_ids))
    )
    return {
        case_id: (_latest(c_type, outcome, at, by, risk, risk_at, clinical), int(connections))
        for case_id, c_type, outcome, at, by, risk, risk_at, connections in rows
    }


def _latest(
    c_type: ContactType | None,
    outcome: ContactOutcome | None,
    at: datetime | None,
    by: str | None,
    risk: RiskLevel | None,
    risk_at: datetime | None,
    clinical: bool,
) -> Latest:
    contact = None
    if c_type is not None and outcome is not None and at is not None:
        contact = LastContact(c_type, outcome, at, by)
    rating = (risk, risk_at) if clinical and risk is not None and risk_at is not None else None
    return Latest(contact, rating)


def before_you_go(
    viewer: User,
    cases: list[Case],
    latest: dict[int, Latest],
    linkages: list[Linkage] | None,
) -> Brief | None:
    """The brief for the newest open case among `cases` (those the viewer may see), or
    None when none is open. `linkages`: the person's connections the viewer may see
    (None for a reader who may not)."""
    case = next((c for c in cases if c.status is CaseStatus.OPEN), None)
    if case is None:
        return None
    known = latest.get(case.id, Latest())
    if not can_read_clinical(viewer):
        return Brief(case, known.contact)
    in_progress = [
        link for link in linkages or [] if link.case_id == case.id and not link.status.final
    ]
    return Brief(case, known.contact, known.risk, in_progress)

"""One timeline of everything that happened with a person, newest first, a page at a time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseEvent
from coresponse.contacts.queries import person_addenda, person_contacts
from coresponse.extensions import db
from coresponse.linkages.models import Linkage
from coresponse.linkages.queries import person_linkages
from coresponse.privacy.loading import withheld
from coresponse.privacy.policy import (
    can_read_clinical,
    can_view_linkages,
    case_visibility,
    note_visible_cases,
    sees_all_cases,
)
from coresponse.referrals.models import Referral, ReferralEvent

KINDS = {
    "referral": "Referrals and triage",
    "case": "Cases and assignments",
    "contact": "Contacts",
    "addendum": "Addenda",
    "linkage": "Connections",
}
# As many entries as the case page shows contacts: a tablet screen holds a handful,
# and "Older entries" pages on (each entry is a full card, the page's main cost).
PAGE_SIZE = 25


@dataclass(frozen=True)
class Entry:
    at: datetime
    kind: str
    item: object
    # Breaks ties between entries at the same moment, so the order is stable.
    order: int = 0


@dataclass(frozen=True)
class TimelinePage:
    entries: list[Entry]
    # Show entries older than this next; None on the last page.
    older_than: datetime | None


def visible_cases(viewer: User, person_id: int, *, with_events: bool = False) -> list[Case]:
    """The person's cases the viewer may see, newest referral first, with their teams
    (and, `with_events`, their events: a case has a few, one per assignment or closure)."""
    stmt = visible_cases_statement(with_events, can_read_clinical(viewer))
    stmt = stmt.where(case_visibility(viewer))
    cases = list(db.session.scalars(stmt, {"person_id": person_id}).unique())
    note_visible_cases(viewer, person_id, cases)
    return cases


@cache
def visible_cases_statement(with_events: bool, clinical: bool) -> Select[Case]:
    """visible_cases's statement before the viewer's visibility clause, built once each
    way (every person page runs it); the person's id is the parameter `person_id`.
    Without `clinical`, the clinical columns of cases and events are not loaded."""
    stmt = (
        select(Case)
        .where(Case.person_id == bindparam("person_id"))
        .options(joinedload(Case.team), *withheld(Case, clinical=clinical))
        .order_by(Case.referred_at.desc())
    )
    if with_events:
        stmt = stmt.options(
            joinedload(Case.events).options(
                joinedload(CaseEvent.by), *withheld(CaseEvent, clinical=clinical)
            )
        )
    return stmt


def visible_linkages(viewer: User, person_id: int) -> list[Linkage]:
    """The person's connections on the cases the viewer may see (for those who may see
    connections: policy.can_view_linkages)."""
    return person_linkages(person_id, case_visibility(viewer))


def person_timeline(
    viewer: User,
    person_id: int,
    *,
    kind: str | None = None,
    before: datetime | None = None,
    size: int = PAGE_SIZE,
    cases: list[Case] | None = None,
    linkages: list[Linkage] | None = None,
) -> TimelinePage:
    """What the viewer may see of the person's history, newest first.

    `cases`: the person's visible cases loaded with their events (visible_cases with
    with_events=True), and `linkages`, their connections (visible_linkages), when the
    caller already has them.

    Pages by time (keyset): each source gives at most `size` entries older than
    `before`, the merge keeps the newest `size` and every entry sharing the last
    one's moment, and the next page starts strictly before that moment.
    """
    entries: list[Entry] = []
    clinical = can_read_clinical(viewer)
    if cases is None:
        cases = visible_cases(viewer, person_id, with_events=True)
    case_ids = [c.id for c in cases]

    def wants(k: str) -> bool:
        return kind is None or kind == k

    def older(at: datetime) -> bool:
        return before is None or at < before

    if wants("referral"):
        referral_filter = Referral.person_id == person_id
        if not sees_all_cases(viewer):
            # Team members see the referrals behind their team's cases only.
            referral_filter &= Referral.id.in_([c.referral_id for c in cases] or [-1])
        referrals = (
            db.session.scalars(
                select(Referral)
                .where(referral_filter)
                .options(
                    joinedload(Referral.risk_indicators),
                    joinedload(Referral.events).options(
                        joinedload(ReferralEvent.by), *withheld(ReferralEvent, clinical=clinical)
                    ),
                    *withheld(Referral, clinical=clinical),
                )
            )
            .unique()
            .all()
        )
        for referral in referrals:
            if older(referral.received_at):
                entries.append(Entry(referral.received_at, "referral", referral))
            for event in referral.events:
                if event.from_status is not None and older(event.at):
                    entries.append(Entry(event.at, "triage", event, 1))
    if wants("case") and case_ids:
        events = sorted(
            (e for c in cases for e in c.events if older(e.at)),
            key=lambda e: e.at,
            reverse=True,
        )
        entries += [Entry(e.at, "case", e, 2) for e in events[: size + 1]]
    if wants("contact") and case_ids:
        contacts = person_contacts(person_id, viewer, before=before, limit=size + 1)
        entries += [Entry(c.occurred_at, "contact", c, 3) for c in contacts]
    if wants("addendum") and case_ids:
        addenda = person_addenda(person_id, viewer, before=before, limit=size + 1)
        entries += [Entry(a.created_at, "addendum", a, 4) for a in addenda]
    if wants("linkage") and can_view_linkages(viewer) and case_ids:
        if linkages is None:
            linkages = visible_linkages(viewer, person_id)
        for linkage in linkages:
            for change in linkage.changes:
                if older(change.at):
                    entries.append(Entry(change.at, "linkage", (linkage, change), 5))
    entries.sort(key=lambda e: (e.at, e.order), reverse=True)
    if len(entries) <= size:
        return TimelinePage(entries=entries, older_than=None)
    boundary = entries[size - 1].at
    page = [e for e in entries if e.at >= boundary]
    return TimelinePage(entries=page, older_than=boundary)

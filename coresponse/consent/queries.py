"""Read paths: a person's consents, the accounting of disclosures, the break-glass queue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload, selectinload

from coresponse.clock import utcnow
from coresponse.consent.models import BreakGlassAccess, Consent, Disclosure
from coresponse.db_types import MAX_ID
from coresponse.extensions import db
from coresponse.linkages.models import Provider
from coresponse.pagination import (
    BadCursor,
    Page,
    cut_page,
    decode_cursor,
    decode_time_cursor,
    keyset_page,
    older_than,
    time_cursor,
)
from coresponse.people.models import Person, SupportContact

# HIPAA keeps an accounting of disclosures for six years.
ACCOUNTING_YEARS = 6


def person_with_contacts(person_id: int) -> Person | None:
    """The person with their support contacts (the recipients a form offers)."""
    return db.session.scalar(
        select(Person).where(Person.id == person_id).options(selectinload(Person.support_contacts))
    )


def person_exists(person_id: int) -> Person | None:
    return db.session.get(Person, person_id)


def recipient_contacts(person: Person) -> list[SupportContact]:
    """The person's active support contacts (support contacts must be loaded)."""
    return [c for c in person.support_contacts if c.active]


def directory_providers() -> list[Provider]:
    """Active providers, by name: the directory recipients a form offers."""
    return list(
        db.session.scalars(
            select(Provider).where(Provider.active).order_by(Provider.name, Provider.id)
        )
    )


def person_consents(person_id: int) -> list[Consent]:
    """Every consent of the person, newest first, with scopes and who recorded or revoked it."""
    stmt = (
        select(Consent)
        .where(Consent.person_id == person_id)
        .options(
            selectinload(Consent.scope_rows),
            joinedload(Consent.recorded_by),
            joinedload(Consent.revoked_by),
        )
        .order_by(Consent.given_on.desc(), Consent.id.desc())
    )
    return list(db.session.scalars(stmt).unique())


def get_consent(consent_id: int) -> Consent | None:
    return db.session.get(Consent, consent_id)


def accounting_start(now: datetime | None = None) -> datetime:
    """The start of the accounting period: six years before now (28 Feb for a 29 Feb)."""
    now = now or utcnow()
    try:
        return now.replace(year=now.year - ACCOUNTING_YEARS)
    except ValueError:
        return now.replace(year=now.year - ACCOUNTING_YEARS, day=28)


def _accounting_statement(person_id: int, since: datetime) -> Select[Disclosure]:
    return (
        select(Disclosure)
        .where(Disclosure.person_id == person_id, Disclosure.disclosed_at >= since)
        .options(
            selectinload(Disclosure.scope_rows),
            joinedload(Disclosure.consent),
            joinedload(Disclosure.disclosed_by),
        )
    )


def accounting_page(
    person_id: int, *, cursor: str | None, size: int, now: datetime | None = None
) -> Page[Disclosure]:
    """One page of the person's disclosures of the last six years, newest first."""
    stmt = _accounting_statement(person_id, accounting_start(now))
    if cursor:
        stmt = stmt.where(
            older_than(Disclosure.disclosed_at, Disclosure.id, *decode_time_cursor(cursor))
        )
    rows = list(
        db.session.scalars(
            stmt.order_by(Disclosure.disclosed_at.desc(), Disclosure.id.desc()).limit(size + 1)
        ).unique()
    )
    return cut_page(rows, size, lambda last: time_cursor(last.disclosed_at, last.id))


def accounting_all(person_id: int, *, now: datetime | None = None) -> list[Disclosure]:
    """Every disclosure of the last six years, newest first: the printed accounting."""
    stmt = _accounting_statement(person_id, accounting_start(now)).order_by(
        Disclosure.disclosed_at.desc(), Disclosure.id.desc()
    )
    return list(db.session.scalars(stmt).unique())


def unacknowledged_break_glass(*, cursor: str | None, size: int) -> Page[BreakGlassAccess]:
    """Break-glass accesses waiting for a supervisor's review, oldest first."""
    stmt = (
        select(BreakGlassAccess)
        .where(BreakGlassAccess.acknowledged_at.is_(None))
        .options(joinedload(BreakGlassAccess.user), joinedload(BreakGlassAccess.person))
    )
    # Rows are written at the moment of access, so id order is time order.
    if cursor:
        [after] = decode_cursor(cursor, 1)
        if not isinstance(after, int) or not 0 < after <= MAX_ID:
            raise BadCursor("This page link is not valid; start again from the first page.")
    return keyset_page(stmt, [BreakGlassAccess.id], cursor=cursor, size=size)


def unacknowledged_break_glass_ids() -> Select[int]:
    """The ids of the break-glass accesses waiting for review (the home page counts them)."""
    return select(BreakGlassAccess.id).where(BreakGlassAccess.acknowledged_at.is_(None))

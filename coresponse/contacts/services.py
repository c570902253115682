"""Every change to contacts: logging a contact and amending it with an addendum.

A saved contact is never edited in place; corrections are addenda (who, when, why).
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change
from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import CLOCK_SKEW, utcnow
from coresponse.contacts import queries
from coresponse.contacts.limits import (
    ADDENDUM_REASON_MAX,
    DESTINATION_MAX,
    LOCATION_MAX,
    OTHERS_PRESENT_MAX,
)
from coresponse.contacts.models import (
    Addendum,
    Contact,
    ContactOutcome,
    ContactParticipant,
    ContactRiskFactor,
    ContactType,
    RiskFactor,
    RiskLevel,
)
from coresponse.errors import Conflict, DomainError
from coresponse.extensions import db
from coresponse.formatting import format_datetime
from coresponse.geo.services import check_point
from coresponse.privacy import policy
from coresponse.privacy.notes import two_part_note

E = TypeVar("E", ContactType, ContactOutcome, RiskLevel)


class ContactError(DomainError):
    """A contact or addendum the rules refuse."""


class CaseNotOpen(ContactError):
    """The case is closed or has no team: nobody can log contacts on it now."""

    status_code = 409


# A contact the same user saved on the same case this recently, with the same type,
# outcome, time and notes, is most likely the same visit saved twice (the browser's Back
# button, then Save again, makes a new form with a new uuid).
REPEAT_WINDOW = timedelta(minutes=10)
_REPEAT_KEYS = ("type", "outcome", "occurred_at", "operational_note", "clinical_note")


class LooksRepeated(ContactError):
    """The contact form's save looks like the contact the user just saved: it is saved
    only once the user confirms it is another one."""

    status_code = 409

    def __init__(self, earlier: Contact) -> None:
        super().__init__("This looks like the contact you just saved — save again?")
        self.earlier_id = earlier.id
        self.earlier_recorded_at = earlier.recorded_at


@dataclass(frozen=True)
class SavedContact:
    """What the contact form's save did: `created` is False when the form had already
    been saved under its uuid (a retry), and the stored contact came back."""

    contact: Contact
    created: bool


def ensure_case_open(case: Case) -> None:
    """Refuse unless the case is open on a team (the contact form asks this first)."""
    if case.status is CaseStatus.CLOSED:
        raise CaseNotOpen("This case is closed; reopen it to log a contact.")
    if case.status is CaseStatus.AWAITING_ASSIGNMENT or case.team_id is None:
        raise CaseNotOpen(
            "This case is waiting for a team; contacts can be logged once a supervisor assigns it."
        )
    if case.status is not CaseStatus.OPEN:
        raise CaseNotOpen(f"This case is {case.status.label.lower()}; contacts cannot be logged.")


def contact_with_uuid(contact_uuid: uuid_module.UUID) -> Contact | None:
    """The contact a form (or a tablet) already saved under this uuid, if any."""
    return queries.contact_by_uuid(contact_uuid)


def has_clinical_content(contact: Contact) -> bool:
    """Whether the contact (with risk factors and addenda loaded) carries clinical content."""
    return bool(
        contact.clinical_note
        or contact.risk_level is not None
        or contact.risk_factors
        or any(a.clinical_text for a in contact.addenda)
    )


def save_contact_form(
    case: Case,
    *,
    by: User,
    uuid: uuid_module.UUID,
    occurred_at: datetime,
    confirmed_repeat: bool = False,
    **fields: Any,
) -> SavedContact:
    """The contact form's save: log_contact, except that a contact that looks like one
    the same user saved on this case in the last ten minutes (same type, outcome, time
    and notes) is refused with LooksRepeated unless the user confirmed it is another.

    The API and field mode keep to the uuid alone (log_contact): their retries carry it.
    `fields` are log_contact's other keyword arguments.
    """
    # One query for both (the save has none to spare): the contact saved under the form's
    # uuid, kept for log_contact's own look-up, and what this user saved lately.
    saved, recent = queries.contact_by_uuid_and_recent(
        uuid, case_id=case.id, recorded_by_id=by.id, occurred_at=occurred_at,
        since=utcnow() - REPEAT_WINDOW,
    )  # fmt: skip
    contact = log_contact(
        case, by=by, uuid=uuid, occurred_at=occurred_at,
        not_like=() if confirmed_repeat else recent, **fields,
    )  # fmt: skip
    return SavedContact(contact, created=saved is None)


def log_contact(
    case: Case,
    *,
    by: User,
    type: ContactType | str,
    occurred_at: datetime,
    outcome: ContactOutcome | str,
    participants: Sequence[User],
    location: str | None = None,
    others_present: str | None = None,
    transport_destination: str | None = None,
    operational_note: str | None = None,
    clinical_note: str | None = None,
    risk_level: RiskLevel | str | None = None,
    risk_factors: Iterable[RiskFactor | str] = (),
    next_contact_planned_at: datetime | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    uuid: uuid_module.UUID | None = None,
    not_like: Sequence[Contact] = (),
    request_info: RequestInfo | None = None,
) -> Contact:
    """Record an outreach contact on an open case and update the case's contact times.

    With a `uuid` already saved, the same submission returns the saved contact
    unchanged (a retried form is stored once); different content is a Conflict.
    `not_like`: contacts this one must not repeat (same type, outcome, time and notes):
    such a contact is refused with LooksRepeated (the form's check, save_contact_form).
    """
    if not policy.can_log_contact(by, case):
        raise ContactError("Only the case's team members can log contacts on it.")

    contact_type = _enum(ContactType, type, "type", "Choose the type of contact.")
    contact_outcome = _enum(ContactOutcome, outcome, "outcome", "Choose how the contact went.")
    clinical_note = _text(clinical_note)
    level = _risk_level(risk_level)
    factors = _risk_factors(risk_factors)
    if (clinical_note or level is not None or factors) and not policy.can_read_clinical(by):
        raise ContactError(
            "Clinical notes, risk levels and risk factors are recorded by the team's "
            "clinician; remove them or put what the whole team may read in the "
            "operational note.",
            field="clinical_note",
        )
    location = _text(location, LOCATION_MAX, "location", "The place")
    others_present = _text(others_present, OTHERS_PRESENT_MAX, "others_present", "Others present")
    destination = _text(
        transport_destination, DESTINATION_MAX, "transport_destination", "The destination"
    )
    operational_note = _text(operational_note)
    occurred_at = _aware(occurred_at, "occurred_at")
    if next_contact_planned_at is not None:
        next_contact_planned_at = _aware(next_contact_planned_at, "next_contact_planned_at")
    present = _participants(case, by, participants)

    content = {
        "case_id": case.id,
        "recorded_by_id": by.id,
        "type": contact_type,
        "occurred_at": occurred_at,
        "outcome": contact_outcome,
        "location": location,
        "others_present": others_present,
        "transport_destination": destination,
        "operational_note": operational_note,
        "clinical_note": clinical_note,
        "risk_level": level,
        "next_contact_planned_at": next_contact_planned_at,
        "latitude": latitude,
        "longitude": longitude,
    }
    if uuid is not None:
        existing = contact_with_uuid(uuid)
        if existing is not None:
            if _same_content(existing, content, {u.id for u in present}, factors):
                return existing
            raise Conflict(
                "A different contact was already saved from this form. Open a new contact "
                "form to log another one.",
            )

    ensure_case_open(case)
    _check_times(case, occurred_at, next_contact_planned_at)
    _check_outcome(contact_type, contact_outcome, destination)
    # The point comes from the tablet, beside the place typed: errors go on the place.
    check_point(
        latitude, longitude, error=ContactError, latitude_field="location",
        longitude_field="location",
    )  # fmt: skip
    earlier = next(
        (c for c in not_like if all(getattr(c, k) == content[k] for k in _REPEAT_KEYS)), None
    )
    if earlier is not None:
        raise LooksRepeated(earlier)

    contact = Contact(**content, person_id=case.person_id, addenda=[])
    if uuid is not None:
        contact.uuid = uuid
    db.session.add(contact)
    db.session.flush()
    _store_children(contact, present, factors)
    if uuid is not None:
        queries.remember_contact_uuid(uuid, contact)
    _update_case_times(case, contact)

    record_change(
        AuditAction.CREATE,
        contact,
        by=by,
        category=_category(clinical=bool(clinical_note or level is not None or factors)),
        detail=f"case {case.id}: {contact_type.label}, {contact_outcome.label}",
        request_info=request_info,
    )
    return contact


def add_addendum(
    contact: Contact,
    *,
    by: User,
    operational_reason: str | None = None,
    reason: str | None = None,
    operational_text: str | None = None,
    clinical_text: str | None = None,
    request_info: RequestInfo | None = None,
) -> Addendum:
    """Amend a saved contact: the addendum says who, when and why; the contact stays as it was.

    Why and what each come in two parts: for the whole team (`operational_reason`,
    `operational_text`) and clinical (`reason`, `clinical_text`), written by clinicians.
    """
    case = db.session.get(Case, contact.case_id)
    if case is None or not policy.may_add_addendum(by, case):
        raise ContactError("Only the case's team members and supervisors can add addenda.")
    clinical_text = _text(clinical_text)
    if clinical_text and not policy.can_read_clinical(by):
        raise ContactError(
            "Clinical additions are written by clinicians; remove the clinical text or put "
            "what the whole team may read in the operational text.",
            field="clinical_text",
        )
    why = two_part_note(
        by,
        _text(operational_reason, ADDENDUM_REASON_MAX, "operational_reason", "The reason"),
        _text(reason, ADDENDUM_REASON_MAX, "reason", "The clinical reason"),
        required="Say why you are adding to this contact (e.g. wrong time, missing detail).",
        operational_field="operational_reason",
        clinical_field="reason",
        error=ContactError,
    )
    operational_text = _text(operational_text)
    if not operational_text and not clinical_text:
        raise ContactError("Write the correction or addition.", field="operational_text")

    addendum = Addendum(
        contact_id=contact.id,
        author_id=by.id,
        operational_reason=why.operational,
        reason=why.clinical,
        operational_text=operational_text,
        clinical_text=clinical_text,
    )
    db.session.add(addendum)
    record_change(
        AuditAction.UPDATE,
        contact,
        by=by,
        category=_category(clinical=bool(clinical_text or why.clinical)),
        # The trail names the addendum; its reason stays on the contact, where the
        # reader's role decides which part they see.
        detail=f"addendum {addendum.id}",
        request_info=request_info,
    )
    return addendum


def record_contact_view(
    contact: Contact,
    *,
    by: User,
    clinical: bool,
    detail: str | None = None,
    request_info: RequestInfo | None = None,
) -> None:
    """Audit that a contact was shown (`clinical`: its clinical parts were shown too)."""
    record_change(AuditAction.VIEW, contact, by=by, category=_category(clinical=clinical),
                  detail=detail, request_info=request_info)  # fmt: skip


def _category(*, clinical: bool) -> DataCategory:
    # `clinical`: the event touched the contact's clinical parts, not only the team's.
    return DataCategory.CLINICAL if clinical else DataCategory.OPERATIONAL


# Rules ------------------------------------------------------------------------


def _check_times(case: Case, occurred_at: datetime, planned: datetime | None) -> None:
    if occurred_at > utcnow() + CLOCK_SKEW:
        raise ContactError(
            "The contact time is in the future. Enter when the contact happened.",
            field="occurred_at",
        )
    # Forms give minutes; a contact in the referral's own minute is not before it.
    if occurred_at < case.referred_at.replace(second=0, microsecond=0):
        raise ContactError(
            "The contact time is before the referral was received "
            f"({format_datetime(case.referred_at)}). Check the date and time.",
            field="occurred_at",
        )
    if planned is not None and planned <= occurred_at:
        raise ContactError(
            "The next planned contact must be after this contact.",
            field="next_contact_planned_at",
        )


def _check_outcome(
    contact_type: ContactType, outcome: ContactOutcome, destination: str | None
) -> None:
    if contact_type is ContactType.ATTEMPT and outcome is not ContactOutcome.NOT_FOUND:
        raise ContactError(
            f"An attempt that found nobody has the outcome “{ContactOutcome.NOT_FOUND.label}”. "
            "If you reached the person, choose how you met them as the type.",
            field="outcome",
        )
    if outcome.is_transport and not destination:
        raise ContactError(
            "Say where the person was transported (hospital or center).",
            field="transport_destination",
        )
    if destination and not outcome.is_transport:
        raise ContactError(
            "A transport destination is only for crisis transports: clear it, or choose a "
            "transport outcome.",
            field="transport_destination",
        )


def _store_children(contact: Contact, present: list[User], factors: list[RiskFactor]) -> None:
    """Insert the participants and risk factors, one multi-row INSERT per table.

    (Through the unit of work SQLite would take one INSERT per row: it cannot match
    the new ids to the rows of a multi-row INSERT in order, and here no order is needed.)
    """
    participants = list(
        db.session.scalars(
            sa.insert(ContactParticipant).returning(ContactParticipant),
            [{"contact_id": contact.id, "user_id": u.id} for u in present],
        )
    )
    rows = [{"contact_id": contact.id, "factor": f} for f in factors]
    risk_factors = (
        list(db.session.scalars(sa.insert(ContactRiskFactor).returning(ContactRiskFactor), rows))
        if rows
        else []
    )
    order = {u.id: n for n, u in enumerate(present)}
    participants.sort(key=lambda p: order[p.user_id])
    risk_factors.sort(key=lambda r: factors.index(r.factor))
    set_committed_value(contact, "participants", participants)
    set_committed_value(contact, "risk_factors", risk_factors)


def _participants(case: Case, by: User, participants: Sequence[User]) -> list[User]:
    """The recorder plus the members named, each checked to be on the case's team now."""
    if all(user.id == by.id for user in participants):
        # The recorder alone (the usual tablet save): can_log_contact already checked them.
        return [by]
    members = queries.current_member_ids(case.team_id)
    present: dict[int, User] = {by.id: by}
    for user in participants:
        if user.id not in members:
            raise ContactError(
                f"{user.full_name} is not on this case's team now; only current team "
                "members can be listed as present. Name others under “others present”.",
                field="participants",
            )
        present.setdefault(user.id, user)
    return list(present.values())


def _update_case_times(case: Case, contact: Contact) -> None:
    """First contact (an attempt counts as the first response), last contact, next planned.

    One atomic UPDATE computed from the row as stored, so contacts saved at the same
    moment on one case never lose each other's times, and the case's optimistic-locking
    version (for status changes) is left alone: logging a contact is not a conflict.
    """
    row = db.session.execute(
        _case_times_statement(),
        {"case_id": case.id, "at": contact.occurred_at, "planned": contact.next_contact_planned_at},
    ).one()
    for name in ("first_contact_at", "last_contact_at", "next_contact_planned_at"):
        set_committed_value(case, name, getattr(row, name))


@cache
def _case_times_statement() -> sa.Update:
    """_update_case_times's UPDATE, built once (every save runs it): the case's id, the
    contact's time and its planned next contact are the parameters."""
    table = cast(sa.Table, Case.__table__)  # (declarative types it as any FromClause)
    at = sa.bindparam("at", type_=table.c.last_contact_at.type)
    planned = sa.bindparam("planned", type_=table.c.next_contact_planned_at.type)
    latest = sa.or_(table.c.last_contact_at.is_(None), table.c.last_contact_at <= at)
    earliest = sa.or_(table.c.first_contact_at.is_(None), table.c.first_contact_at > at)
    return (
        sa.update(table)
        .where(table.c.id == sa.bindparam("case_id"))
        .values(
            first_contact_at=sa.case((earliest, at), else_=table.c.first_contact_at),
            last_contact_at=sa.case((latest, at), else_=table.c.last_contact_at),
            # The latest contact's plan replaces the previous one, even when it has none.
            next_contact_planned_at=sa.case(
                (latest, planned), else_=table.c.next_contact_planned_at
            ),
        )
        .returning(
            table.c.first_contact_at, table.c.last_contact_at, table.c.next_contact_planned_at
        )
    )


def _same_content(
    existing: Contact, content: dict[str, object], present: set[int], factors: list[RiskFactor]
) -> bool:
    if any(getattr(existing, key) != value for key, value in content.items()):
        return False
    return {p.user_id for p in existing.participants} == present and {
        f.factor for f in existing.risk_factors
    } == set(factors)


# Input clean-up -----------------------------------------------------------------


def _text(
    value: str | None, limit: int | None = None, field: str | None = None, what: str = ""
) -> str | None:
    cleaned = (value or "").strip() or None
    if cleaned is not None and limit is not None and len(cleaned) > limit:
        raise ContactError(f"{what} is too long: at most {limit} characters.", field=field)
    return cleaned


def _enum(cls: type[E], value: E | str | None, field: str, message: str) -> E:
    if value is None or value == "":
        raise ContactError(message, field=field)
    try:
        return cls(value)
    except ValueError:
        raise ContactError(message, field=field) from None


def _risk_level(value: RiskLevel | str | None) -> RiskLevel | None:
    if value is None or value == "":
        return None
    return _enum(RiskLevel, value, "risk_level", "Choose low, moderate or high.")


def _risk_factors(values: Iterable[RiskFactor | str]) -> list[RiskFactor]:
    factors: list[RiskFactor] = []
    for value in values:
        try:
            factor = RiskFactor(value)
        except ValueError:
            raise ContactError(
                f"{value!r} is not a known risk factor.", field="risk_factors"
            ) from None
        if factor not in factors:
            factors.append(factor)
    return factors


def _aware(value: datetime | None, field: str) -> datetime:
    if value is None:
        raise ContactError("Enter the date and time.", field=field)
    if value.tzinfo is None:
        # A programming error, not user input: forms attach the program's zone.
        raise ValueError(f"{field} must be timezone-aware")
    return value

"""Every change to referrals: intake and triage (accept, decline, ask for more)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change
from coresponse.auth.models import User
from coresponse.cases.services import (
    add_referral_to_case,
    lock_person_cases,
    open_case,
    open_case_of,
)
from coresponse.clock import CLOCK_SKEW, utcnow
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.people import services as people_services
from coresponse.people.details import PersonDetails
from coresponse.people.models import Person
from coresponse.privacy import policy
from coresponse.privacy.notes import TwoPartNote, two_part_note
from coresponse.referrals.models import (
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralRiskIndicator,
    ReferralSource,
    ReferralStatus,
    RiskIndicator,
)
from coresponse.text import clean_text as _clean

if TYPE_CHECKING:  # for annotations only: cases builds on referrals, not the reverse
    from coresponse.cases.models import Case


class ReferralError(DomainError):
    """A referral change the rules refuse."""


@dataclass
class ReferralDetails:
    source: ReferralSource
    received_at: datetime
    reason: str
    source_detail: str | None = None
    referrer_name: str | None = None
    referrer_phone: str | None = None
    referrer_email: str | None = None
    referrer_organization: str | None = None
    risk_indicators: list[RiskIndicator] = field(default_factory=list)


def create_referral(
    person: Person,
    details: ReferralDetails,
    *,
    by: User | None,
    request_info: RequestInfo | None = None,
) -> Referral:
    """Record a referral of this person; it waits for triage."""
    if details.received_at > utcnow() + CLOCK_SKEW:
        raise ReferralError("The time received cannot be in the future.", field="received_at")
    reason = _clean(details.reason)
    if not reason:
        raise ReferralError("Say why the person was referred.", field="reason")
    referral = Referral(
        person_id=person.id,
        source=details.source,
        source_detail=_clean(details.source_detail),
        received_at=details.received_at,
        referrer_name=_clean(details.referrer_name),
        referrer_phone=_clean(details.referrer_phone),
        referrer_email=_clean(details.referrer_email),
        referrer_organization=_clean(details.referrer_organization),
        reason=reason,
        status=ReferralStatus.RECEIVED,
        created_by_id=by.id if by else None,
        risk_indicators=[
            ReferralRiskIndicator(indicator=indicator)
            for indicator in dict.fromkeys(details.risk_indicators)
        ],
        events=[],
    )
    db.session.add(referral)
    db.session.flush()
    _event(referral, None, ReferralStatus.RECEIVED, by, TwoPartNote("referral received"))
    record_change(AuditAction.CREATE, referral, by=by, category=DataCategory.CLINICAL,
                  request_info=request_info)  # fmt: skip
    return referral


def take_referral(
    person: Person | None,
    person_details: PersonDetails,
    details: ReferralDetails,
    *,
    by: User,
    request_info: RequestInfo | None = None,
) -> Referral:
    """Intake: a referral of someone new (`person` None) or of someone on record.

    The address and phone given become the person's current ones only when the user may
    change the person's record (their team's person, or anyone for a supervisor). For
    anyone else they are kept on the record but not made current, and no language or
    demographic answer is added: an intake never rewrites the card another team works
    from. Demographic answers only fill in those not yet recorded.
    """
    if person is None:
        person = people_services.create_person(person_details, by=by, request_info=request_info)
    else:
        if person.merged_into_id is not None:
            # A tombstone takes nothing new: it would be hidden from every search.
            raise ReferralError(
                f"Record #{person.id} was merged into record #{person.merged_into_id}: "
                "link the referral to that record."
            )
        current = policy.can_edit_person(by, person.id)
        if person_details.address is not None:
            people_services.set_address(person, person_details.address, by=by, current=current)
        if person_details.phone:
            people_services.add_phone(person, person_details.phone, current=current)
        if current:
            people_services.add_languages(person, person_details.languages)
            # Answers the person gave fill a gap; ones on record change only on purpose,
            # on the person's "Edit details" page.
            if person_details.race_ethnicity and not person.race_ethnicity:
                people_services.set_demographics(
                    person, race_ethnicity=person_details.race_ethnicity
                )
            if person_details.gender and not person.gender:
                people_services.set_demographics(person, gender=person_details.gender)
    return create_referral(person, details, by=by, request_info=request_info)


_TRIAGEABLE = (ReferralStatus.RECEIVED, ReferralStatus.INFO_REQUESTED)


def _require_open(referral: Referral, action: str) -> None:
    if referral.status not in _TRIAGEABLE:
        raise ReferralError(
            f"This referral was already {referral.status.label.lower()}; it cannot be {action}."
        )


def accept_referral(
    referral: Referral,
    *,
    by: User,
    note: str | None = None,
    operational_note: str | None = None,
    request_info: RequestInfo | None = None,
) -> Case:
    """Accept the referral: a case opens and waits for a team, or, when the person
    already has an open case, the referral joins that case (a "new referral" entry in
    its history; its team is told on their home page) instead of opening a second one.
    Returns the case; it is the referral's own when `case.referral_id` is the referral's.

    The note (for the team, clinical, or both) is the case history's entry for it.
    """
    _require_open(referral, "accepted")
    triage_note = _note(by, operational_note, note)
    # Two supervisors accepting two referrals of one person at once must not open two
    # cases: take turns on the person, then read the referral's status again (the other
    # may have just triaged this very referral) and the open case as they now stand.
    lock_person_cases(referral.person_id)
    db.session.refresh(referral, ["status"])
    _require_open(referral, "accepted")
    case = open_case_of(referral.person_id)
    previous = referral.status
    _triage(referral, ReferralStatus.ACCEPTED, by, triage_note)
    if case is None:
        case = open_case(referral, by=by, note=triage_note)
    else:
        add_referral_to_case(case, referral, by=by, note=triage_note, request_info=request_info)
    _event(referral, previous, ReferralStatus.ACCEPTED, by, triage_note)
    detail = "accepted" if case.referral_id == referral.id else f"accepted: joined case #{case.id}"
    record_change(AuditAction.UPDATE, referral, by=by, detail=detail, request_info=request_info)
    return case


def decline_referral(
    referral: Referral,
    *,
    by: User,
    reason: DeclineReason,
    referred_to_service: str | None = None,
    duplicate_of: Referral | None = None,
    note: str | None = None,
    operational_note: str | None = None,
    request_info: RequestInfo | None = None,
) -> Referral:
    """Decline with a coded reason; referrals elsewhere name the service."""
    _require_open(referral, "declined")
    triage_note = _note(by, operational_note, note)
    referred_to_service = _clean(referred_to_service)
    if reason is DeclineReason.REFERRED_ELSEWHERE and not referred_to_service:
        raise ReferralError(
            "Name the service the person was referred to.", field="referred_to_service"
        )
    if reason is DeclineReason.DUPLICATE:
        if duplicate_of is None:
            raise ReferralError("Choose the referral this one duplicates.", field="duplicate_of_id")
        if duplicate_of.id == referral.id:
            raise ReferralError("A referral cannot duplicate itself.", field="duplicate_of_id")
    previous = referral.status
    _triage(referral, ReferralStatus.DECLINED, by, triage_note)
    referral.decline_reason = reason
    referral.referred_to_service = (
        referred_to_service if reason is DeclineReason.REFERRED_ELSEWHERE else None
    )
    referral.duplicate_of_id = (
        duplicate_of.id if reason is DeclineReason.DUPLICATE and duplicate_of else None
    )
    # The coded reason is the history's summary for everyone; the service a person was
    # sent to tells of treatment, so it joins the clinical part.
    service = referral.referred_to_service
    triage_note = TwoPartNote(
        _join(reason.label, triage_note.operational),
        _join(f"Referred to {service}" if service else None, triage_note.clinical),
    )
    _event(referral, previous, ReferralStatus.DECLINED, by, triage_note)
    record_change(AuditAction.UPDATE, referral, by=by, detail="declined", request_info=request_info)
    return referral


def request_more_information(
    referral: Referral,
    *,
    by: User,
    note: str | None = None,
    operational_note: str | None = None,
    request_info: RequestInfo | None = None,
) -> Referral:
    """Hold the referral until the referrer answers the question in `note`."""
    if referral.status is not ReferralStatus.RECEIVED:
        raise ReferralError(
            f"This referral is {referral.status.label.lower()}; only one awaiting triage can be "
            "put on hold for more information."
        )
    needed = _note(by, operational_note, note, required="Say what information is needed.")
    previous = referral.status
    _triage(referral, ReferralStatus.INFO_REQUESTED, by, needed)
    _event(referral, previous, ReferralStatus.INFO_REQUESTED, by, needed)
    record_change(AuditAction.UPDATE, referral, by=by, detail="more information requested",
                  request_info=request_info)  # fmt: skip
    return referral


def record_information_received(
    referral: Referral,
    *,
    by: User,
    note: str | None = None,
    operational_note: str | None = None,
    request_info: RequestInfo | None = None,
) -> Referral:
    """The referrer answered: the referral goes back to awaiting triage."""
    if referral.status is not ReferralStatus.INFO_REQUESTED:
        raise ReferralError("This referral is not waiting for more information.")
    learned = _note(by, operational_note, note)
    referral.status = ReferralStatus.RECEIVED
    _event(
        referral,
        ReferralStatus.INFO_REQUESTED,
        ReferralStatus.RECEIVED,
        by,
        TwoPartNote(learned.operational or "information received", learned.clinical),
    )
    record_change(AuditAction.UPDATE, referral, by=by, detail="information received",
                  request_info=request_info)  # fmt: skip
    return referral


def _note(
    by: User, operational: str | None, clinical: str | None, *, required: str | None = None
) -> TwoPartNote:
    return two_part_note(by, operational, clinical, required=required, error=ReferralError)


def _triage(referral: Referral, status: ReferralStatus, by: User, note: TwoPartNote) -> None:
    referral.status = status
    referral.triaged_at = utcnow()
    referral.triaged_by_id = by.id
    # The referral keeps the clinical part of its latest triage note (a clinical column);
    # both parts are in its history.
    if note.clinical:
        referral.triage_note = note.clinical


def _event(
    referral: Referral,
    from_status: ReferralStatus | None,
    to_status: ReferralStatus,
    by: User | None,
    note: TwoPartNote,
) -> None:
    db.session.add(
        ReferralEvent(
            referral_id=referral.id,
            from_status=from_status,
            to_status=to_status,
            by_id=by.id if by else None,
            operational_note=note.operational,
            note=note.clinical,
            at=utcnow(),
        )
    )
    db.session.flush()


def _join(*parts: str | None) -> str | None:
    text = "; ".join(p for p in parts if p and _clean(p))
    return text or None

"""Every change to consents, disclosures and break-glass access.

Consents are revoked, never deleted; disclosures are recorded once and never changed;
a break-glass access is reviewed by a clinical supervisor, and one found not justified
ends at once. Each change writes an audit event. Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import case as sql_case
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from coresponse.audit.categories import DataCategory
from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change
from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.clock import CLOCK_SKEW, day_bounds, program_date, program_today, utcnow
from coresponse.consent.models import (
    BreakGlassAccess,
    BreakGlassReason,
    BreakGlassVerdict,
    Consent,
    ConsentMethod,
    ConsentScope,
    ConsentStatus,
    Disclosure,
    DisclosureBasis,
    DisclosureScope,
    RecipientKind,
    ShareScope,
)
from coresponse.db_types import parse_id
from coresponse.errors import Conflict, DomainError, NotFound
from coresponse.extensions import db
from coresponse.formatting import format_date, format_datetime
from coresponse.linkages.models import Provider
from coresponse.people.models import Person, SupportContact
from coresponse.privacy import policy
from coresponse.text import clean_text as _clean

NAME_MAX = 160
DETAIL_MAX = 160
WITNESS_MAX = 120
PURPOSE_MAX = 500
DESCRIPTION_MAX = 2000
NOTE_MAX = 1000
JUSTIFICATION_MIN = 20
JUSTIFICATION_MAX = 2000
REASON_MIN = 15
REASON_MAX = 1000
SU = ShareScope.SUBSTANCE_USE


class ConsentError(DomainError):
    """A consent, disclosure or break-glass request the rules refuse."""


class NotAllowed(ConsentError):
    """The user's role or relationship to the person does not allow this change."""

    status_code = 403


class BreakGlassLimitReached(ConsentError):
    """The clinician has used the day's break-glass grants: a supervisor must help instead."""

    status_code = 429


# --- Recipients ------------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """To whom: one of the person's support contacts, a directory provider, or a named other."""

    kind: RecipientKind
    support_contact: SupportContact | None = None
    provider: Provider | None = None
    name: str | None = None
    detail: str | None = None

    @property
    def display_name(self) -> str:
        if self.support_contact is not None:
            return self.support_contact.name
        if self.provider is not None:
            return self.provider.name
        return self.name or "this recipient"


def resolve_recipient(
    person_id: int, choice: str | None, *, name: str | None = None, detail: str | None = None
) -> Recipient:
    """The recipient a form's choice names: 'contact-<id>', 'provider-<id>' or 'other'."""
    choice = (choice or "").strip()
    kind, _, raw_id = choice.partition("-")
    if choice == "other":
        clean = _clean(name)
        if clean is None:
            raise ConsentError(
                "Type the name of the person or organization.", field="recipient_name"
            )
        if len(clean) > NAME_MAX:
            raise ConsentError(
                f"Keep the name under {NAME_MAX} characters.", field="recipient_name"
            )
        extra = _clean(detail)
        if extra is not None and len(extra) > DETAIL_MAX:
            raise ConsentError(
                f"Keep this under {DETAIL_MAX} characters.", field="recipient_detail"
            )
        return Recipient(RecipientKind.OTHER, name=clean, detail=extra)
    if kind in ("contact", "provider") and parse_id(raw_id) is not None:
        if kind == "contact":
            contact = db.session.get(SupportContact, int(raw_id))
            if contact is not None and contact.person_id == person_id and contact.active:
                return Recipient(RecipientKind.SUPPORT_CONTACT, support_contact=contact)
        else:
            provider = db.session.get(Provider, int(raw_id))
            if provider is not None:
                return Recipient(RecipientKind.PROVIDER, provider=provider)
    raise ConsentError("Choose who receives the information from the list.", field="recipient")


def _recipient_columns(recipient: Recipient) -> dict[str, object]:
    """The columns a consent or disclosure stores for its recipient (with copies of names)."""
    if recipient.kind is RecipientKind.SUPPORT_CONTACT and recipient.support_contact is not None:
        contact = recipient.support_contact
        detail = contact.relationship_type.label
        if contact.organization:
            detail = f"{detail}, {contact.organization}"
        return {
            "recipient_kind": recipient.kind,
            "support_contact_id": contact.id,
            "provider_id": None,
            "recipient_name": contact.name,
            "recipient_detail": detail[:DETAIL_MAX],
        }
    if recipient.kind is RecipientKind.PROVIDER and recipient.provider is not None:
        provider = recipient.provider
        return {
            "recipient_kind": recipient.kind,
            "support_contact_id": None,
            "provider_id": provider.id,
            "recipient_name": provider.name,
            "recipient_detail": provider.kind.label[:DETAIL_MAX],
        }
    if recipient.kind is RecipientKind.OTHER and _clean(recipient.name):
        return {
            "recipient_kind": recipient.kind,
            "support_contact_id": None,
            "provider_id": None,
            "recipient_name": _clean(recipient.name),
            "recipient_detail": _clean(recipient.detail),
        }
    raise ConsentError("Choose who receives the information.", field="recipient")


def _name_key(name: str | None) -> str:
    return " ".join((name or "").split()).casefold()


def same_recipient(consent: Consent, recipient: Recipient) -> bool:
    """Whether the consent names this recipient: the same contact, provider, or typed name."""
    if consent.recipient_kind is not recipient.kind:
        return False
    if recipient.kind is RecipientKind.SUPPORT_CONTACT:
        return (
            recipient.support_contact is not None
            and consent.support_contact_id == recipient.support_contact.id
        )
    if recipient.kind is RecipientKind.PROVIDER:
        return recipient.provider is not None and consent.provider_id == recipient.provider.id
    return _name_key(consent.recipient_name) == _name_key(recipient.name)


# --- Helpers ---------------------------------------------------------------------------


def _scopes(scopes: Iterable[ShareScope | str]) -> list[ShareScope]:
    try:
        chosen = {ShareScope(s) for s in scopes}
    except ValueError:
        raise ConsentError("Choose from the kinds of information listed.", field="scopes") from None
    return sorted(chosen, key=list(ShareScope).index)


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return f"{', '.join(words[:-1])} and {words[-1]}"


def _category(scopes: Iterable[ShareScope]) -> DataCategory:
    """The audit category of what a consent or disclosure is about."""
    return DataCategory.SUBSTANCE_USE if SU in scopes else DataCategory.CLINICAL


def _require_recorder(by: User, person_id: int) -> None:
    if not policy.can_record_consent(by, person_id):
        raise NotAllowed(
            "Only the person's team clinician or a clinical supervisor records consents "
            "and disclosures."
        )


# --- Consent ---------------------------------------------------------------------------


def record_consent(
    person: Person,
    *,
    by: User,
    recipient: Recipient,
    scopes: Iterable[ShareScope | str],
    purpose: str | None,
    method: ConsentMethod | str,
    given_on: date,
    witness_name: str | None = None,
    expires_on: date | None = None,
    request_info: RequestInfo | None = None,
) -> Consent:
    """Record the person's consent to share some information with one recipient."""
    _require_recorder(by, person.id)
    chosen = _scopes(scopes)
    if not chosen:
        raise ConsentError("Choose at least one kind of information.", field="scopes")
    try:
        method = ConsentMethod(method)
    except ValueError:
        raise ConsentError("Say whether consent was written or verbal.", field="method") from None
    purpose = _clean(purpose)
    if purpose is None:
        raise ConsentError("Say what the information may be shared for.", field="purpose")
    if len(purpose) > PURPOSE_MAX:
        raise ConsentError(f"Keep the purpose under {PURPOSE_MAX} characters.", field="purpose")
    witness = _clean(witness_name)
    if method is ConsentMethod.VERBAL and witness is None:
        raise ConsentError(
            "Verbal consent needs the name of the staff member who witnessed it.",
            field="witness_name",
        )
    if witness is not None and len(witness) > WITNESS_MAX:
        raise ConsentError(f"Keep the name under {WITNESS_MAX} characters.", field="witness_name")
    today = program_today()
    if given_on > today:
        raise ConsentError("The date consent was given cannot be in the future.", field="given_on")
    if expires_on is not None and expires_on < given_on:
        raise ConsentError(
            "The expiry date must be on or after the date consent was given.", field="expires_on"
        )
    if SU in chosen:
        # 42 CFR Part 2: a separate, written consent naming the recipient, with an end.
        if len(chosen) > 1:
            raise ConsentError(
                "Substance-use information needs its own consent (42 CFR Part 2): record it "
                "separately from the other kinds of information.",
                field="scopes",
            )
        if method is not ConsentMethod.WRITTEN:
            raise ConsentError(
                "Consent to share substance-use information must be written and signed "
                "(42 CFR Part 2).",
                field="method",
            )
        if expires_on is None:
            raise ConsentError(
                "A consent to share substance-use information must say when it expires "
                "(42 CFR Part 2).",
                field="expires_on",
            )
    consent = Consent(
        person_id=person.id,
        **_recipient_columns(recipient),
        purpose=purpose,
        method=method,
        witness_name=witness,
        given_on=given_on,
        expires_on=expires_on,
        recorded_at=utcnow(),
        recorded_by_id=by.id,
        scope_rows=[ConsentScope(scope=s) for s in chosen],
    )
    db.session.add(consent)
    record_change(
        AuditAction.CREATE,
        consent,
        by=by,
        category=_category(chosen),
        detail=f"consent recorded: {', '.join(s.value for s in chosen)}",
        request_info=request_info,
    )
    return consent


def revoke_consent(
    consent: Consent,
    *,
    by: User,
    note: str | None = None,
    request_info: RequestInfo | None = None,
) -> Consent:
    """Record that the person withdrew a consent; it stays on record, marked revoked."""
    _require_recorder(by, consent.person_id)
    if consent.revoked_at is not None:
        raise Conflict(
            f"This consent was already revoked on {format_datetime(consent.revoked_at)}."
        )
    note = _clean(note)
    if note is not None and len(note) > NOTE_MAX:
        raise ConsentError(f"Keep the note under {NOTE_MAX} characters.", field="note")
    consent.revoked_at = utcnow()
    consent.revoked_by_id = by.id
    consent.revocation_note = note
    record_change(
        AuditAction.UPDATE,
        consent,
        by=by,
        category=DataCategory.CLINICAL,
        detail="consent revoked",
        request_info=request_info,
    )
    return consent


def consents_for(person_id: int, recipient: Recipient) -> list[Consent]:
    """The person's consents naming this recipient, newest first, with their scopes."""
    stmt = (
        select(Consent)
        .where(Consent.person_id == person_id, Consent.recipient_kind == recipient.kind)
        .options(selectinload(Consent.scope_rows))
        .order_by(Consent.given_on.desc(), Consent.id.desc())
    )
    if recipient.kind is RecipientKind.SUPPORT_CONTACT and recipient.support_contact is not None:
        stmt = stmt.where(Consent.support_contact_id == recipient.support_contact.id)
    elif recipient.kind is RecipientKind.PROVIDER and recipient.provider is not None:
        stmt = stmt.where(Consent.provider_id == recipient.provider.id)
    return [c for c in db.session.scalars(stmt) if same_recipient(c, recipient)]


def covering_consent(
    person_id: int, recipient: Recipient, scopes: Iterable[ShareScope], at: datetime
) -> Consent:
    """The active consent that covers every kind of information for this recipient at `at`.

    Refuses, naming what is missing, when none does.
    """
    wanted = _scopes(scopes)
    day = program_date(at)
    candidates = consents_for(person_id, recipient)
    active = [c for c in candidates if c.status_on(day, at) is ConsentStatus.ACTIVE]
    for consent in active:
        if set(wanted) <= set(consent.scopes):
            return consent
    # Name what no single active consent covers: the best candidate's gaps.
    best = max(active, key=lambda c: len(set(wanted) & set(c.scopes)), default=None)
    missing = [s for s in wanted if best is None or s not in best.scopes]
    message = (
        f"No active consent covers {_join([s.plain for s in missing])} to "
        f"{recipient.display_name}; record one, or use the emergency basis."
    )
    lapsed = next(
        (
            c
            for c in candidates
            if set(missing) <= set(c.scopes) and c.status_on(day, at) is not ConsentStatus.ACTIVE
        ),
        None,
    )
    if lapsed is not None:
        message += " " + _lapsed(lapsed, day, at)
    raise ConsentError(message, field="basis")


def _lapsed(consent: Consent, day: date, at: datetime) -> str:
    given = f"The consent given on {_day(consent.given_on)}"
    status = consent.status_on(day, at)
    if status is ConsentStatus.REVOKED:
        return f"{given} was revoked on {format_date(consent.revoked_at)}."
    if status is ConsentStatus.EXPIRED:
        return f"{given} expired on {_day(consent.expires_on)}."
    return f"{given} only takes effect on that day."


def _day(value: date | None) -> str:
    return "—" if value is None else f"{value.day} {value:%b %Y}"


# --- Disclosures -----------------------------------------------------------------------


def record_disclosure(
    person: Person,
    *,
    by: User,
    recipient: Recipient,
    scopes: Iterable[ShareScope | str],
    description: str | None,
    purpose: str | None,
    disclosed_at: datetime,
    basis: DisclosureBasis | str,
    emergency_justification: str | None = None,
    request_info: RequestInfo | None = None,
) -> Disclosure:
    """Record information given to family or a provider, on a consent or an emergency basis.

    With consent, the active consent covering every kind of information to this
    recipient is found and kept with the disclosure; without one it is refused.
    """
    _require_recorder(by, person.id)
    chosen = _scopes(scopes)
    if not chosen:
        raise ConsentError("Choose what kinds of information were shared.", field="scopes")
    description = _clean(description)
    if description is None:
        raise ConsentError("Describe briefly what was shared.", field="description")
    if len(description) > DESCRIPTION_MAX:
        raise ConsentError(
            f"Keep the description under {DESCRIPTION_MAX} characters.", field="description"
        )
    purpose = _clean(purpose)
    if purpose is None:
        raise ConsentError("Say why the information was shared.", field="purpose")
    if len(purpose) > PURPOSE_MAX:
        raise ConsentError(f"Keep the purpose under {PURPOSE_MAX} characters.", field="purpose")
    if disclosed_at.tzinfo is None:
        raise ConsentError("Give the time with its time zone.", field="disclosed_at")
    if disclosed_at > utcnow() + CLOCK_SKEW:
        raise ConsentError("A disclosure cannot be in the future.", field="disclosed_at")
    try:
        basis = DisclosureBasis(basis)
    except ValueError:
        raise ConsentError(
            "Choose the basis: the person's consent, or an emergency.", field="basis"
        ) from None

    consent = None
    justification = _clean(emergency_justification)
    if basis is DisclosureBasis.CONSENT:
        consent = covering_consent(person.id, recipient, chosen, disclosed_at)
        justification = None
    else:
        if justification is None or len(justification) < JUSTIFICATION_MIN:
            raise ConsentError(
                "An emergency disclosure needs a justification: describe the serious and "
                f"imminent threat (at least {JUSTIFICATION_MIN} characters).",
                field="emergency_justification",
            )
        if len(justification) > JUSTIFICATION_MAX:
            raise ConsentError(
                f"Keep the justification under {JUSTIFICATION_MAX} characters.",
                field="emergency_justification",
            )
        if SU in chosen and recipient.kind is not RecipientKind.PROVIDER:
            # 42 CFR Part 2 allows it without consent only to medical personnel.
            raise ConsentError(
                "Substance-use information can be disclosed without consent only to medical "
                "personnel in a medical emergency (42 CFR Part 2): choose the provider from "
                "the directory, or leave substance-use information out.",
                field="scopes",
            )

    disclosure = Disclosure(
        person_id=person.id,
        disclosed_at=disclosed_at,
        **_recipient_columns(recipient),
        description=description,
        purpose=purpose,
        basis=basis,
        consent_id=consent.id if consent is not None else None,
        emergency_justification=justification,
        disclosed_by_id=by.id,
        recorded_at=utcnow(),
        scope_rows=[DisclosureScope(scope=s) for s in chosen],
    )
    db.session.add(disclosure)
    record_change(
        AuditAction.CREATE,
        disclosure,
        by=by,
        category=_category(chosen),
        detail=f"disclosure on the {basis.value} basis: {', '.join(s.value for s in chosen)}",
        request_info=request_info,
    )
    return disclosure


# --- Break-glass -----------------------------------------------------------------------


def has_hidden_parts(user: User, person_id: int) -> bool:
    """Whether some of the person's record is closed to the user: their page or a case."""
    if not policy.can_view_person(user, person_id):
        return True
    seen = sql_case((policy.case_visibility(user), 1), else_=0)
    total, visible = db.session.execute(
        select(func.count(Case.id), func.coalesce(func.sum(seen), 0)).where(
            Case.person_id == person_id
        )
    ).one()
    return visible < total


def active_break_glass(user: User, person_id: int) -> BreakGlassAccess | None:
    """The user's unexpired break-glass grant for this person, if any (the latest)."""
    return db.session.scalar(
        select(BreakGlassAccess)
        .where(
            BreakGlassAccess.user_id == user.id,
            BreakGlassAccess.person_id == person_id,
            BreakGlassAccess.expires_at > utcnow(),
            BreakGlassAccess.ended_at.is_(None),
        )
        .order_by(BreakGlassAccess.expires_at.desc())
        .limit(1)
    )


def break_glass_grants_today(user: User) -> int:
    """How many break-glass grants the user has had this program day (a New York day)."""
    today = program_today()
    start, end = day_bounds(today, today)
    return (
        db.session.scalar(
            select(func.count(BreakGlassAccess.id)).where(
                BreakGlassAccess.user_id == user.id,
                BreakGlassAccess.at >= start,
                BreakGlassAccess.at < end,
            )
        )
        or 0
    )


def break_glass(
    person: Person,
    *,
    by: User,
    reason_code: BreakGlassReason | str | None,
    reason: str | None,
    request_info: RequestInfo | None = None,
) -> BreakGlassAccess:
    """Open a record outside the user's team for BREAK_GLASS_HOURS, read-only, after a reason.

    An exception, not a way to browse: the reason is coded as well as written, and a
    clinician gets at most BREAK_GLASS_PER_DAY grants a program day.
    """
    if not policy.can_break_glass(by):
        raise NotAllowed("Only clinicians can open a record outside their team in an emergency.")
    if not policy.may_break_glass_for(by, person.id):
        raise NotAllowed(
            "A clinical supervisor found your earlier emergency access to this record not "
            "justified. Ask a clinical supervisor for what you need."
        )
    limit = int(current_app.config["BREAK_GLASS_PER_DAY"])
    if break_glass_grants_today(by) >= limit:
        raise BreakGlassLimitReached(
            f"You have already opened {limit} records by emergency access today, the most "
            "allowed in one day. Ask a clinical supervisor: they can read this record and "
            "give you what you need."
        )
    try:
        if reason_code is None:  # (what BreakGlassReason(None) raises, for the checker)
            raise ValueError(reason_code)
        code = BreakGlassReason(reason_code)
    except ValueError:
        raise ConsentError("Choose what is happening from the list.", field="reason_code") from None
    reason = _clean(reason)
    if reason is None or len(reason) < REASON_MIN:
        raise ConsentError(
            f"Say why you need this record now (at least {REASON_MIN} characters).",
            field="reason",
        )
    if len(reason) > REASON_MAX:
        raise ConsentError(f"Keep the reason under {REASON_MAX} characters.", field="reason")
    current = active_break_glass(by, person.id)
    if current is not None:
        raise Conflict(
            "You already have emergency access to this record until "
            f"{format_datetime(current.expires_at)}."
        )
    if not has_hidden_parts(by, person.id):
        raise Conflict("You can already see all of this person's record.")
    hours = int(current_app.config["BREAK_GLASS_HOURS"])
    now = utcnow()
    access = BreakGlassAccess(
        user_id=by.id,
        person_id=person.id,
        reason_code=code,
        reason=reason,
        at=now,
        expires_at=now + timedelta(hours=hours),
    )
    db.session.add(access)
    db.session.flush()
    policy.forget_break_glass(by)
    # The reason and its code stay on the access row: "crisis in progress" is clinical,
    # and the audit report is not.
    record_change(
        AuditAction.CREATE,
        access,
        by=by,
        category=DataCategory.CLINICAL,
        detail=f"break-glass access for {hours} hours",
        request_info=request_info,
    )
    return access


def acknowledge_break_glass(
    access: BreakGlassAccess,
    *,
    by: User,
    verdict: BreakGlassVerdict | str | None,
    note: str | None = None,
    request_info: RequestInfo | None = None,
) -> BreakGlassAccess:
    """A clinical supervisor has reviewed a break-glass access: it leaves the queue.

    "Not justified" ends the grant at once and flags the clinician's account, where
    supervisors and administrators see it. The access row itself is kept.
    """
    if not policy.can_review_break_glass(by):
        raise NotAllowed("Only clinical supervisors review emergency access.")
    if access.acknowledged_at is not None:
        raise Conflict(
            f"This access was already acknowledged on {format_datetime(access.acknowledged_at)}."
        )
    try:
        if verdict is None:  # (what BreakGlassVerdict(None) raises, for the checker)
            raise ValueError(verdict)
        finding = BreakGlassVerdict(verdict)
    except ValueError:
        raise ConsentError(
            "Say whether the access was justified or not.", field="verdict"
        ) from None
    note = _clean(note)
    if note is not None and len(note) > NOTE_MAX:
        raise ConsentError(f"Keep the note under {NOTE_MAX} characters.", field="note")
    now = utcnow()
    access.acknowledged_at = now
    access.acknowledged_by_id = by.id
    access.acknowledgement_note = note
    access.verdict = finding
    detail = f"break-glass access reviewed: {finding.value}"
    if finding is BreakGlassVerdict.NOT_JUSTIFIED:
        if access.is_open(now):
            access.ended_at = now
            detail += "; access ended"
        clinician = db.session.get(User, access.user_id)
        if clinician is not None:
            clinician.break_glass_flagged_at = now
            policy.forget_break_glass(clinician)
            detail += "; account flagged"
    record_change(
        AuditAction.UPDATE,
        access,
        by=by,
        category=DataCategory.CLINICAL,
        detail=detail,
        request_info=request_info,
    )
    return access


def get_break_glass(access_id: int) -> BreakGlassAccess:
    access = db.session.get(BreakGlassAccess, access_id)
    if access is None:
        raise NotFound("That access is not on record.")
    return access

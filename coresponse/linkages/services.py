"""Every change to connections (linkages) and to the provider directory."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from coresponse.audit.models import AuditAction, RequestInfo
from coresponse.audit.services import record_change
from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseStatus
from coresponse.clock import program_today, utcnow
from coresponse.errors import Conflict, DomainError, NotFound
from coresponse.extensions import db
from coresponse.geo.services import check_point, geocode_address
from coresponse.linkages.limits import TARGET_NAME_MAX, VERIFIED_BY_MAX
from coresponse.linkages.models import (
    Linkage,
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    LinkageStatusChange,
    Provider,
    VerificationMethod,
)
from coresponse.locking import check_version, flush_or_conflict
from coresponse.people.models import SupportContact
from coresponse.privacy import policy
from coresponse.text import clean_text as _clean

S = LinkageStatus

# The path a connection may take. Connected and not connected are final: a reopened
# effort is a new linkage, so the record of what happened the first time stays true.
TRANSITIONS: dict[LinkageStatus, tuple[LinkageStatus, ...]] = {
    S.IDENTIFIED: (S.REFERRED, S.NOT_CONNECTED),
    S.REFERRED: (S.WAITLISTED, S.APPOINTMENT_SCHEDULED, S.CONNECTED, S.NOT_CONNECTED),
    S.WAITLISTED: (S.APPOINTMENT_SCHEDULED, S.CONNECTED, S.NOT_CONNECTED),
    # Scheduled again is a rescheduled appointment.
    S.APPOINTMENT_SCHEDULED: (S.CONNECTED, S.NOT_CONNECTED, S.APPOINTMENT_SCHEDULED),
    S.CONNECTED: (),
    S.NOT_CONNECTED: (),
}

# A directory entry of one kind can serve a connection of another: hospitals run
# outpatient psychiatric clinics and primary-care clinics.
COMPATIBLE_PROVIDER_KINDS: dict[LinkageKind, frozenset[LinkageKind]] = {
    LinkageKind.OUTPATIENT_CLINIC: frozenset({LinkageKind.OUTPATIENT_CLINIC, LinkageKind.HOSPITAL}),
    LinkageKind.PRIMARY_CARE: frozenset({LinkageKind.PRIMARY_CARE, LinkageKind.HOSPITAL}),
}

_ZIP_IN_ADDRESS = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


class LinkageError(DomainError):
    """A change to a connection that the rules refuse."""


class LinkageNotAllowed(LinkageError):
    """The user may not record connections on this case."""

    status_code = 403


class ProviderError(DomainError):
    """A provider directory change that the rules refuse."""


def plain(status: LinkageStatus) -> str:
    """'appointment scheduled': a status as words inside a sentence."""
    return status.value.replace("_", " ")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def allowed_next(status: LinkageStatus) -> tuple[LinkageStatus, ...]:
    """The statuses a connection in `status` may move to next."""
    return TRANSITIONS[status]


def provider_kinds_for(kind: LinkageKind) -> frozenset[LinkageKind]:
    """Directory kinds that can serve a connection of `kind` (none for family and friends)."""
    if kind.category is LinkageCategory.FAMILY:
        return frozenset()
    return COMPATIBLE_PROVIDER_KINDS.get(kind, frozenset({kind}))


# Connections -------------------------------------------------------------------


def create_linkage(
    case: Case,
    *,
    by: User,
    kind: LinkageKind,
    provider: Provider | None = None,
    support_contact: SupportContact | None = None,
    target_name: str | None = None,
    note: str | None = None,
    request_info: RequestInfo | None = None,
) -> Linkage:
    """Record a connection being sought for the case's person; it starts as identified."""
    if not policy.can_manage_linkages(by, case):
        raise LinkageNotAllowed(
            "Only the team's clinician or a clinical supervisor records connections."
        )
    if case.status is CaseStatus.CLOSED:
        raise LinkageError("This case is closed. Reopen it before recording a connection.")
    kind = LinkageKind(kind)
    target_name = _clean(target_name)
    if target_name is not None and len(target_name) > TARGET_NAME_MAX:
        raise LinkageError(
            f"Keep the name to {TARGET_NAME_MAX} characters or fewer.", field="target_name"
        )
    if kind.category is LinkageCategory.FAMILY:
        _check_support_contact(case, kind, provider, support_contact)
        target_name = None
    else:
        _check_directory_target(kind, provider, support_contact, target_name)

    now = utcnow()
    linkage = Linkage(
        person_id=case.person_id,
        case_id=case.id,
        kind=kind,
        provider_id=provider.id if provider is not None else None,
        support_contact_id=support_contact.id if support_contact is not None else None,
        target_name=target_name,
        status=LinkageStatus.IDENTIFIED,
        status_changed_at=now,
        note=_clean(note),
        created_at=now,
        created_by_id=by.id,
        changes=[],
    )
    linkage.provider = provider
    linkage.support_contact = support_contact
    linkage.changes.append(
        LinkageStatusChange(
            from_status=None,
            to_status=LinkageStatus.IDENTIFIED,
            at=now,
            by_id=by.id,
            # The note is the linkage's own; repeating it on the first step adds nothing.
            note=None,
        )
    )
    db.session.add(linkage)
    _audit(AuditAction.CREATE, linkage, by, "identified", request_info)
    return linkage


def _check_support_contact(
    case: Case,
    kind: LinkageKind,
    provider: Provider | None,
    support_contact: SupportContact | None,
) -> None:
    if provider is not None:
        raise LinkageError(
            "A family or friend connection is to one of the person's support contacts, "
            "not to a provider.",
            field="provider_id",
        )
    if support_contact is None:
        raise LinkageError(
            "Choose which of the person's support contacts this connection is with "
            "(add them to the person's record first if they are not listed).",
            field="support_contact_id",
        )
    if support_contact.person_id != case.person_id:
        # Someone else's family is not this person's to know about.
        raise NotFound(
            "That support contact is not on this person's record.", field="support_contact_id"
        )
    if not support_contact.active:
        raise LinkageError(
            f"{support_contact.name} is no longer an active support contact.",
            field="support_contact_id",
        )
    if not support_contact.relationship_type.is_family_or_friend:
        raise LinkageError(
            f"{support_contact.name} is recorded as "
            f"{support_contact.relationship_type.label.lower()}, not family or a friend; "
            "record a treatment or support connection instead.",
            field="support_contact_id",
        )


def _check_directory_target(
    kind: LinkageKind,
    provider: Provider | None,
    support_contact: SupportContact | None,
    target_name: str | None,
) -> None:
    if support_contact is not None:
        raise LinkageError(
            "Support contacts are linked as family or friend connections.",
            field="support_contact_id",
        )
    if provider is None and target_name is None:
        raise LinkageError(
            "Choose a provider from the directory, or type the name of the program or service.",
            field="provider_id",
        )
    if provider is not None and target_name is not None:
        raise LinkageError(
            "Choose a provider from the directory or type a name, not both.", field="target_name"
        )
    if provider is None:
        return
    if not provider.active:
        raise LinkageError(
            f"{provider.name} has been retired from the directory; choose another provider.",
            field="provider_id",
        )
    if provider.kind not in provider_kinds_for(kind):
        raise LinkageError(
            f"{provider.name} is listed as {provider.kind.label.lower()}, "
            f"not {kind.label.lower()}; choose a matching provider or change the kind.",
            field="provider_id",
        )


@dataclass(frozen=True)
class StatusProblem:
    field: str
    message: str


def status_requirements(
    to_status: LinkageStatus,
    *,
    appointment_at: datetime | None = None,
    verified_on: date | None = None,
    verification_method: VerificationMethod | None = None,
    verified_by: str | None = None,
    not_connected_reason: str | None = None,
) -> list[StatusProblem]:
    """What is missing or wrong for a move to `to_status` (empty when it may go ahead)."""
    problems: list[StatusProblem] = []
    if to_status is LinkageStatus.APPOINTMENT_SCHEDULED:
        if appointment_at is None:
            problems.append(
                StatusProblem("appointment_at", "Give the appointment's date and time.")
            )
    elif to_status is LinkageStatus.CONNECTED:
        # A referral sent is not a connection made: say how, by whom and when it was seen.
        if verification_method is None:
            problems.append(
                StatusProblem("verification_method", "Say how the connection was verified.")
            )
        if not _clean(verified_by):
            problems.append(StatusProblem("verified_by", "Say who verified the connection."))
        elif len(_clean(verified_by) or "") > VERIFIED_BY_MAX:
            problems.append(
                StatusProblem("verified_by", f"Keep this to {VERIFIED_BY_MAX} characters or fewer.")
            )
        if verified_on is None:
            problems.append(StatusProblem("verified_on", "Give the date it was verified."))
        elif verified_on > program_today():
            problems.append(
                StatusProblem("verified_on", "The verification date cannot be in the future.")
            )
    elif to_status is LinkageStatus.NOT_CONNECTED and not _clean(not_connected_reason):
        problems.append(
            StatusProblem("not_connected_reason", "Say why the connection was not made.")
        )
    return problems


def change_linkage_status(
    linkage: Linkage,
    *,
    by: User,
    to_status: LinkageStatus,
    note: str | None = None,
    appointment_at: datetime | None = None,
    verified_on: date | None = None,
    verification_method: VerificationMethod | None = None,
    verified_by: str | None = None,
    not_connected_reason: str | None = None,
    expected_version: int | None = None,
    request_info: RequestInfo | None = None,
) -> Linkage:
    """Move a connection one step along its path, recording when, by whom and why.

    A step chosen from an older version of the connection is refused (StaleRecord, 409).
    """
    to_status = LinkageStatus(to_status)
    case = db.session.get(Case, linkage.case_id) if linkage.case_id is not None else None
    allowed = (
        policy.can_manage_linkages(by, case)
        if case is not None
        else policy.can_read_clinical(by) and policy.can_edit_person(by, linkage.person_id)
    )
    if not allowed:
        raise LinkageNotAllowed(
            "Only the team's clinician or a clinical supervisor updates connections."
        )
    check_version(linkage, expected_version, f"The connection to {linkage.target}")
    if case is not None and case.status is CaseStatus.CLOSED:
        raise LinkageError("This case is closed. Reopen it before updating its connections.")

    current = linkage.status
    next_steps = allowed_next(current)
    if current.final:
        raise LinkageError(
            f"This connection is already {plain(current)}, which is final. "
            "Record a new connection for a new effort."
        )
    if to_status not in next_steps:
        raise LinkageError(
            f"{_article(plain(current)).capitalize()} {plain(current)} connection can next be: "
            f"{', '.join(plain(s) for s in next_steps)}.",
            field="to_status",
        )
    if appointment_at is not None and appointment_at.tzinfo is None:
        raise LinkageError(
            "The appointment time has no time zone; give it in local time.",
            field="appointment_at",
        )
    problems = status_requirements(
        to_status,
        appointment_at=appointment_at,
        verified_on=verified_on,
        verification_method=verification_method,
        verified_by=verified_by,
        not_connected_reason=not_connected_reason,
    )
    if problems:
        raise LinkageError(problems[0].message, field=problems[0].field)
    if (
        to_status is current is LinkageStatus.APPOINTMENT_SCHEDULED
        and appointment_at == linkage.appointment_at
    ):
        raise LinkageError(
            "That is the appointment already on record; give the new date and time.",
            field="appointment_at",
        )

    now = utcnow()
    if to_status is LinkageStatus.APPOINTMENT_SCHEDULED:
        linkage.appointment_at = appointment_at
    elif to_status is LinkageStatus.CONNECTED:
        linkage.verified_on = verified_on
        assert verification_method is not None  # status_requirements refused it  # noqa: S101  # nosec B101
        linkage.verification_method = VerificationMethod(verification_method)
        linkage.verified_by = _clean(verified_by)
    elif to_status is LinkageStatus.NOT_CONNECTED:
        linkage.not_connected_reason = _clean(not_connected_reason)
    linkage.status = to_status
    linkage.status_changed_at = now
    change = LinkageStatusChange(
        from_status=current,
        to_status=to_status,
        at=now,
        by_id=by.id,
        note=_clean(note),
        appointment_at=appointment_at if to_status is LinkageStatus.APPOINTMENT_SCHEDULED else None,
    )
    if "changes" in sa_inspect(linkage).dict:
        linkage.changes.append(change)  # keep a loaded path current
    else:
        change.linkage_id = linkage.id
        db.session.add(change)
    flush_or_conflict(f"The connection to {linkage.target}", expected_version)
    detail = f"{plain(current)} → {plain(to_status)}"
    if to_status is current:
        detail = "appointment rescheduled"
    _audit(AuditAction.UPDATE, linkage, by, detail, request_info)
    return linkage


def record_linkage_view(
    linkage: Linkage, *, by: User, request_info: RequestInfo | None = None
) -> None:
    """Note in the audit trail that `by` opened this connection."""
    _audit(AuditAction.VIEW, linkage, by, None, request_info)


def _audit(
    action: AuditAction,
    linkage: Linkage,
    by: User | None,
    detail: str | None,
    info: RequestInfo | None,
) -> None:
    # A link to a substance-use program is itself substance-use information.
    category = linkage.kind.data_category
    record_change(action, linkage, by=by, detail=detail, category=category, request_info=info)


# The provider directory -------------------------------------------------------------


@dataclass
class ProviderDetails:
    """What someone fills in for a directory entry."""

    name: str
    kind: LinkageKind
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    phone: str | None = None
    languages: str | None = None
    accepting_referrals: bool = True
    active: bool = True


def _validated_provider(details: ProviderDetails, *, provider_id: int | None) -> ProviderDetails:
    name = " ".join((details.name or "").split())
    if not name:
        raise ProviderError("A provider needs a name.", field="name")
    if len(name) > 160:
        raise ProviderError("Keep the name to 160 characters or fewer.", field="name")
    try:
        kind = LinkageKind(details.kind)
    except ValueError as exc:
        raise ProviderError("Choose the kind of service.", field="kind") from exc
    if kind.category is LinkageCategory.FAMILY:
        raise ProviderError(
            "Family and friends are the person's support contacts, not directory entries.",
            field="kind",
        )
    address = " ".join((details.address or "").split()) or None
    if address is not None and len(address) > 200:
        raise ProviderError("Keep the address to 200 characters or fewer.", field="address")
    check_point(
        details.latitude,
        details.longitude,
        error=ProviderError,
        latitude_field="latitude",
        longitude_field="longitude",
    )
    phone = _clean(details.phone)
    if phone is not None and len(phone) > 40:
        raise ProviderError("Keep the phone number to 40 characters or fewer.", field="phone")
    languages = ", ".join(
        part.strip() for part in (details.languages or "").split(",") if part.strip()
    )
    if len(languages) > 200:
        raise ProviderError("Keep the languages to 200 characters or fewer.", field="languages")
    duplicate = db.session.scalar(
        select(Provider.id).where(
            func.lower(Provider.name) == name.lower(),
            Provider.kind == kind,
            func.lower(func.coalesce(Provider.address, "")) == (address or "").lower(),
            Provider.id != (provider_id or 0),
        )
    )
    if duplicate:
        raise Conflict(
            f"{name} at this address is already in the directory as "
            f"{kind.label.lower()}; edit that entry instead.",
            field="name",
        )
    return ProviderDetails(
        name=name,
        kind=kind,
        address=address,
        latitude=details.latitude,
        longitude=details.longitude,
        phone=phone,
        languages=languages or None,
        accepting_referrals=bool(details.accepting_referrals),
        active=bool(details.active),
    )


def _locate(address: str | None) -> tuple[float | None, float | None]:
    """A point for a directory address (the ZIP centroid offline), or no point."""
    if not address:
        return None, None
    match = _ZIP_IN_ADDRESS.search(address)
    result = geocode_address(address, postal_code=match.group(1) if match else None)
    if result is None:
        return None, None
    return result.latitude, result.longitude


def create_provider(
    details: ProviderDetails, *, by: User | None, request_info: RequestInfo | None = None
) -> Provider:
    """Add a provider to the directory, placing it on the map from its address if needed."""
    clean = _validated_provider(details, provider_id=None)
    lat, lon = clean.latitude, clean.longitude
    if lat is None:
        lat, lon = _locate(clean.address)
    provider = Provider(
        name=clean.name,
        kind=clean.kind,
        address=clean.address,
        latitude=lat,
        longitude=lon,
        phone=clean.phone,
        languages=clean.languages,
        accepting_referrals=clean.accepting_referrals,
        active=clean.active,
    )
    db.session.add(provider)
    # The directory describes services, not people: no person, operational data.
    record_change(AuditAction.CREATE, provider, by=by, detail=f"added {provider.name}",
                  request_info=request_info)  # fmt: skip
    return provider


def update_provider(
    provider: Provider,
    details: ProviderDetails,
    *,
    by: User | None,
    request_info: RequestInfo | None = None,
) -> Provider:
    """Change a directory entry; `active=False` retires it (nothing is deleted)."""
    clean = _validated_provider(details, provider_id=provider.id)
    lat, lon = clean.latitude, clean.longitude
    moved = clean.address != provider.address
    # Coordinates left as they were belong to the old address: place the new one.
    stale = moved and (lat, lon) == (provider.latitude, provider.longitude)
    if lat is None or stale:
        lat, lon = _locate(clean.address)
    changed = [
        label
        for label, old, new in (
            ("name", provider.name, clean.name),
            ("kind", provider.kind, clean.kind),
            ("address", provider.address, clean.address),
            ("location", (provider.latitude, provider.longitude), (lat, lon)),
            ("phone", provider.phone, clean.phone),
            ("languages", provider.languages, clean.languages),
            ("accepting referrals", provider.accepting_referrals, clean.accepting_referrals),
            ("active", provider.active, clean.active),
        )
        if old != new
    ]
    provider.name = clean.name
    provider.kind = clean.kind
    provider.address = clean.address
    provider.latitude, provider.longitude = lat, lon
    provider.phone = clean.phone
    provider.languages = clean.languages
    provider.accepting_referrals = clean.accepting_referrals
    provider.active = clean.active
    detail = f"changed {', '.join(changed)}" if changed else "saved without changes"
    record_change(AuditAction.UPDATE, provider, by=by, detail=detail, request_info=request_info)
    return provider


def get_support_contact(contact_id: int) -> SupportContact:
    """A support contact by id, or NotFound."""
    contact = db.session.get(SupportContact, contact_id)
    if contact is None:
        raise NotFound("That support contact does not exist.", field="support_contact_id")
    return contact


def get_provider(provider_id: int) -> Provider:
    """A provider by id, or NotFound."""
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        raise NotFound("That provider is not in the directory.", field="provider_id")
    return provider

"""JSON shapes of the API's resources.

Clinical keys are added only for clinical readers: for everyone else they are not
in the response at all (not null, absent), and the objects they are read from were
loaded without them (see contacts.queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from coresponse.auth.models import User
from coresponse.cases.models import Case, ClosureReason
from coresponse.contacts.models import Addendum, Contact
from coresponse.linkages.models import Linkage
from coresponse.linkages.services import allowed_next
from coresponse.people.models import Person, PersonAddress
from coresponse.people.timeline import Entry
from coresponse.privacy import policy
from coresponse.referrals.models import Referral, RiskIndicator


def moment(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset."""
    return None if value is None else value.astimezone(UTC).isoformat()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def user_ref(user: User) -> dict[str, Any]:
    return {"id": user.id, "full_name": user.full_name}


def member(user: User) -> dict[str, Any]:
    return {"id": user.id, "full_name": user.full_name, "role": user.role.value}


def _closure_reason(reason: ClosureReason | None, *, clinical: bool) -> str | None:
    shown = policy.closure_reason_for(reason, clinical=clinical)
    return shown.value if shown is not None else None


def case_summary(case: Case) -> dict[str, Any]:
    """A case as listed: the person's name and current address (person and addresses loaded)."""
    address = case.person.current_address
    return {
        "id": case.id,
        "person_id": case.person_id,
        "person_name": case.person.display_name,
        "team_id": case.team_id,
        "status": case.status.value,
        "opened_at": moment(case.accepted_at),
        "first_contact_due_at": moment(case.first_contact_due_at),
        "last_contact_at": moment(case.last_contact_at),
        "address": address.one_line if address is not None else None,
    }


def addendum(item: Addendum, *, clinical: bool, author: User | None = None) -> dict[str, Any]:
    """An addendum; `author` names its author when it was not loaded with it."""
    data = {
        "id": item.id,
        "contact_id": item.contact_id,
        "created_at": moment(item.created_at),
        "author": user_ref(author or item.author),
        "operational_reason": item.operational_reason,
        "operational_text": item.operational_text,
    }
    if clinical:
        data["reason"] = item.reason
        data["clinical_text"] = item.clinical_text
    return data


def contact(
    item: Contact, *, clinical: bool, users: Mapping[int, User] | None = None
) -> dict[str, Any]:
    """A contact with its addenda; `users` names the people when they were not loaded with it."""
    recorded_by = users[item.recorded_by_id] if users else item.recorded_by
    participants = [users[p.user_id] if users else p.user for p in item.participants]
    data: dict[str, Any] = {
        "id": str(item.uuid),
        "case_id": item.case_id,
        "person_id": item.person_id,
        "type": item.type.value,
        "occurred_at": moment(item.occurred_at),
        "outcome": item.outcome.value,
        "location": item.location,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "others_present": item.others_present,
        "transport_destination": item.transport_destination,
        "operational_note": item.operational_note,
        "next_contact_planned_at": moment(item.next_contact_planned_at),
        "recorded_at": moment(item.recorded_at),
        "recorded_by": user_ref(recorded_by),
        "participants": [member(u) for u in sorted(participants, key=lambda u: u.id)],
        "addenda": [addendum(a, clinical=clinical) for a in item.addenda],
    }
    if clinical:
        data["clinical_note"] = item.clinical_note
        data["risk_level"] = item.risk_level.value if item.risk_level is not None else None
        data["risk_factors"] = sorted(f.factor.value for f in item.risk_factors)
    return data


def _indicators(indicators: list[RiskIndicator], *, clinical: bool) -> list[str]:
    """Risk indicators a reader may see: safety ones for everyone, the rest for clinical readers."""
    return [i.value for i in indicators if clinical or not i.category.clinical]


def address(item: PersonAddress | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "line1": item.line1,
        "line2": item.line2,
        "city": item.city,
        "state": item.state,
        "postal_code": item.postal_code,
        "borough": item.borough.value if item.borough is not None else None,
        "precinct": item.precinct,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "one_line": item.one_line,
    }


def person(
    item: Person, *, cases: list[Case], flags: list[RiskIndicator], clinical: bool
) -> dict[str, Any]:
    """A person's card (addresses, phones, aliases and languages loaded) and their visible cases."""
    return {
        "id": item.id,
        "first_name": item.first_name,
        "middle_name": item.middle_name,
        "last_name": item.last_name,
        "preferred_name": item.preferred_name,
        "display_name": item.display_name,
        "date_of_birth": day(item.date_of_birth),
        "date_of_birth_estimated": item.date_of_birth_estimated,
        "gender": item.gender,
        "needs_interpreter": item.needs_interpreter,
        "languages": [lang.language for lang in sorted(item.languages, key=lambda x: x.position)],
        "aliases": [a.name for a in item.aliases if a.retired_at is None],
        "phones": [{"number": p.number, "kind": p.kind.value} for p in item.current_phones],
        "address": address(item.current_address),
        "risk_indicators": _indicators(flags, clinical=clinical),
        "cases": [
            {
                "id": c.id,
                "status": c.status.value,
                "team_id": c.team_id,
                "opened_at": moment(c.accepted_at),
            }
            for c in cases
        ],
    }


def case_detail(
    case: Case, *, contacts: list[Contact], contact_count: int, clinical: bool
) -> dict[str, Any]:
    """A case with its dates, team and newest contacts (the person's card is /people/{id})."""
    data = case_summary(case)
    data.update(
        {
            "referral_id": case.referral_id,
            "referred_at": moment(case.referred_at),
            "assigned_at": moment(case.assigned_at),
            "first_contact_at": moment(case.first_contact_at),
            "next_contact_planned_at": moment(case.next_contact_planned_at),
            "closed_at": moment(case.closed_at),
            "closure_reason": _closure_reason(case.closure_reason, clinical=clinical),
            "team": {"id": case.team.id, "name": case.team.name} if case.team else None,
            "contact_count": contact_count,
            "contacts": [contact(c, clinical=clinical) for c in contacts],
        }
    )
    return data


def linkage(item: Linkage) -> dict[str, Any]:
    """A connection and its path (only ever built for clinical readers: connections are clinical)."""
    return {
        "id": item.id,
        "case_id": item.case_id,
        "person_id": item.person_id,
        "kind": item.kind.value,
        "category": item.category.value,
        "target": item.target,
        "provider": {"id": item.provider.id, "name": item.provider.name} if item.provider else None,
        "support_contact_id": item.support_contact_id,
        "target_name": item.target_name,
        "status": item.status.value,
        "status_changed_at": moment(item.status_changed_at),
        "appointment_at": moment(item.appointment_at),
        "verified_on": day(item.verified_on),
        "verification_method": item.verification_method.value if item.verification_method else None,
        "verified_by": item.verified_by,
        "not_connected_reason": item.not_connected_reason,
        "note": item.note,
        "created_at": moment(item.created_at),
        "version": item.version,
        "next_statuses": [s.value for s in allowed_next(item.status)]
        if not item.status.final
        else [],
        "changes": [
            {
                "from_status": ch.from_status.value if ch.from_status else None,
                "to_status": ch.to_status.value,
                "at": moment(ch.at),
                "by": user_ref(ch.by) if ch.by else None,
                "note": ch.note,
                "appointment_at": moment(ch.appointment_at),
            }
            for ch in item.changes
        ],
    }


def referral(item: Referral, *, clinical: bool) -> dict[str, Any]:
    """A referral; its reason and clinical indicators only for clinical readers."""
    data: dict[str, Any] = {
        "id": item.id,
        "person_id": item.person_id,
        "status": item.status.value,
        "source": item.source.value,
        "source_detail": item.source_detail,
        "received_at": moment(item.received_at),
        "risk_indicators": _indicators(item.indicators, clinical=clinical),
    }
    if clinical:
        data["reason"] = item.reason
    return data


def timeline_entry(entry: Entry, *, clinical: bool) -> dict[str, Any]:
    """One entry of a person's timeline: when, what kind, and the item in its own shape."""
    item: Any = entry.item
    data: dict[str, Any] = {"at": moment(entry.at), "kind": entry.kind}
    if entry.kind == "referral":
        data["referral"] = referral(item, clinical=clinical)
    elif entry.kind == "triage":
        data["triage"] = {
            "referral_id": item.referral_id,
            "from_status": item.from_status.value if item.from_status else None,
            "to_status": item.to_status.value,
            "by": user_ref(item.by) if item.by else None,
            "operational_note": item.operational_note,
        }
        if clinical:
            data["triage"]["note"] = item.note
    elif entry.kind == "case":
        data["case_event"] = {
            "case_id": item.case_id,
            "kind": item.kind.value,
            "summary": item.summary,
            "closure_reason": _closure_reason(item.closure_reason, clinical=clinical),
            "team_id": item.team_id,
            "by": user_ref(item.by) if item.by else None,
            "operational_note": item.operational_note,
        }
        if clinical:
            data["case_event"]["note"] = item.note
    elif entry.kind == "contact":
        data["contact"] = contact(item, clinical=clinical)
    elif entry.kind == "addendum":
        data["addendum"] = addendum(item, clinical=clinical)
    elif entry.kind == "linkage":
        link, change = item
        data["linkage"] = {
            "linkage_id": link.id,
            "kind": link.kind.value,
            "target": link.target,
            "to_status": change.to_status.value,
            "by": user_ref(change.by) if change.by else None,
            "note": change.note,
        }
    return data

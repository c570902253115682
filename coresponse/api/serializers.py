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
from coresponse.cases.models import Case
from coresponse.contacts.models import Addendum, Contact
from coresponse.people.models import Person


def moment(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with its offset."""
    return None if value is None else value.astimezone(UTC).isoformat()


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def user_ref(user: User) -> dict[str, Any]:
    return {"id": user.id, "full_name": user.full_name}


def member(user: User) -> dict[str, Any]:
    return {"id": user.id, "full_name": user.full_name, "role": user.role.value}


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
        "reason": item.reason,
        "operational_text": item.operational_text,
    }
    if clinical:
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


def person_name(person: Person) -> str:
    return person.display_name

"""The API's resources built from the records: each returns its model in api/outputs.py.

Clinical keys are set only for clinical readers: for everyone else they are not
in the response at all (not null, absent), and the objects they are read from were
loaded without them (see contacts.queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify
from pydantic import BaseModel

from coresponse.api import outputs as out
from coresponse.auth.models import User
from coresponse.cases.models import Case, ClosureReason
from coresponse.contacts.models import Addendum, Contact
from coresponse.linkages.models import Linkage
from coresponse.linkages.services import allowed_next
from coresponse.people.brief import Latest
from coresponse.people.models import Person, PersonAddress
from coresponse.people.timeline import Entry
from coresponse.privacy import policy
from coresponse.referrals.models import Referral, RiskIndicator
from coresponse.reports.results import Label
from coresponse.reports.suppression import Cell, SafeOutcomes
from coresponse.reports.tables import Shown, Table


def reply(body: BaseModel, status: int = 200) -> Response:
    """The JSON response for a resource: the keys it was given, clinical ones only if set."""
    response = jsonify(body.model_dump(mode="json", exclude_unset=True))
    response.status_code = status
    return response


def user_ref(user: User) -> out.UserRef:
    return out.UserRef(id=user.id, full_name=user.full_name)


def member(user: User) -> out.Member:
    return out.Member(id=user.id, full_name=user.full_name, role=user.role)


def _closure_reason(reason: ClosureReason | None, *, clinical: bool) -> ClosureReason | None:
    return policy.closure_reason_for(reason, clinical=clinical)


def case_summary(case: Case) -> out.CaseSummary:
    """A case as listed: the person's name and current address (person and addresses loaded)."""
    return out.CaseSummary.model_validate(_summary(case))


def case_with_brief(
    case: Case, latest: Latest, connections: int, *, clinical: bool
) -> out.CaseSummary:
    """A case as field mode lists it: with what to know before a visit (person, its
    languages and addresses, the case's referral and its indicators loaded)."""
    person = case.person
    address = person.current_address
    contact = latest.contact
    brief: dict[str, Any] = {
        "safety_flags": _indicators(
            [i.indicator for i in case.referral.risk_indicators], clinical=clinical
        ),
        "whereabouts": address.whereabouts_note if address is not None else None,
        "languages": [language.language for language in person.languages],
        "needs_interpreter": person.needs_interpreter,
        "last_contact": None
        if contact is None
        else {"type": contact.type, "outcome": contact.outcome, "occurred_at": contact.occurred_at},
        "next_contact_planned_at": case.next_contact_planned_at,
    }
    if clinical:
        brief["latest_risk"] = latest.risk[0] if latest.risk else None
        brief["connections_in_progress"] = connections
    return out.CaseSummary.model_validate({**_summary(case), "brief": brief})


def _summary(case: Case) -> dict[str, Any]:
    address = case.person.current_address
    return {
        "id": case.id,
        "person_id": case.person_id,
        "person_name": case.person.display_name,
        "team_id": case.team_id,
        "status": case.status,
        "opened_at": case.accepted_at,
        "first_contact_due_at": case.first_contact_due_at,
        "last_contact_at": case.last_contact_at,
        "address": address.one_line if address is not None else None,
    }


def addendum(item: Addendum, *, clinical: bool, author: User | None = None) -> out.Addendum:
    """An addendum; `author` names its author when it was not loaded with it."""
    data = {
        "id": item.id,
        "contact_id": item.contact_id,
        "created_at": item.created_at,
        "author": user_ref(author or item.author),
        "operational_reason": item.operational_reason,
        "operational_text": item.operational_text,
    }
    if clinical:
        data["reason"] = item.reason
        data["clinical_text"] = item.clinical_text
    return out.Addendum.model_validate(data)


def contact(
    item: Contact, *, clinical: bool, users: Mapping[int, User] | None = None
) -> out.Contact:
    """A contact with its addenda; `users` names the people when they were not loaded with it."""
    recorded_by = users[item.recorded_by_id] if users else item.recorded_by
    participants = [users[p.user_id] if users else p.user for p in item.participants]
    data: dict[str, Any] = {
        "id": item.uuid,
        "case_id": item.case_id,
        "person_id": item.person_id,
        "type": item.type,
        "occurred_at": item.occurred_at,
        "outcome": item.outcome,
        "location": item.location,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "others_present": item.others_present,
        "transport_destination": item.transport_destination,
        "operational_note": item.operational_note,
        "next_contact_planned_at": item.next_contact_planned_at,
        "recorded_at": item.recorded_at,
        "recorded_by": user_ref(recorded_by),
        "participants": [member(u) for u in sorted(participants, key=lambda u: u.id)],
        "addenda": [addendum(a, clinical=clinical) for a in item.addenda],
    }
    if clinical:
        data["clinical_note"] = item.clinical_note
        data["risk_level"] = item.risk_level
        data["risk_factors"] = sorted(f.factor for f in item.risk_factors)
    return out.Contact.model_validate(data)


def _indicators(indicators: list[RiskIndicator], *, clinical: bool) -> list[RiskIndicator]:
    """Risk indicators a reader may see: safety ones for everyone, the rest for clinical readers."""
    return [i for i in indicators if clinical or not i.category.clinical]


def address(item: PersonAddress | None) -> dict[str, Any] | None:
    if item is None:
        return None
    return {
        "line1": item.line1,
        "line2": item.line2,
        "city": item.city,
        "state": item.state,
        "postal_code": item.postal_code,
        "borough": item.borough,
        "precinct": item.precinct,
        "latitude": item.latitude,
        "longitude": item.longitude,
        "one_line": item.one_line,
    }


def person_location(item: PersonAddress, *, area: str) -> out.PersonLocation:
    """An address's point and what follows from it (`area`: its precinct and borough in
    words)."""
    return out.PersonLocation.model_validate(
        {
            "latitude": item.latitude,
            "longitude": item.longitude,
            "precinct": item.precinct,
            "borough": item.borough,
            "area": area,
            "precision": item.location_status,
            "description": item.whereabouts_note,
        }
    )


def person(
    item: Person, *, cases: list[Case], flags: list[RiskIndicator], clinical: bool
) -> out.Person:
    """A person's card (addresses, phones, aliases, languages and HMIS answers loaded) and
    their visible cases."""
    data = {
        "id": item.id,
        "first_name": item.first_name,
        "middle_name": item.middle_name,
        "last_name": item.last_name,
        "preferred_name": item.preferred_name,
        "display_name": item.display_name,
        "date_of_birth": item.date_of_birth,
        "date_of_birth_estimated": item.date_of_birth_estimated,
        "race_ethnicity": item.race_ethnicity,
        "gender": item.gender,
        "gender_description": item.gender_description,
        "needs_interpreter": item.needs_interpreter,
        "languages": [lang.language for lang in sorted(item.languages, key=lambda x: x.position)],
        "aliases": [a.name for a in item.aliases if a.retired_at is None],
        "phones": [{"number": p.number, "kind": p.kind} for p in item.current_phones],
        "address": address(item.current_address),
        "risk_indicators": _indicators(flags, clinical=clinical),
        "merged_into": item.merged_into_id,
        "cases": [
            {
                "id": c.id,
                "status": c.status,
                "team_id": c.team_id,
                "opened_at": c.accepted_at,
            }
            for c in cases
        ],
    }
    return out.Person.model_validate(data)


def case_detail(
    case: Case, *, contacts: list[Contact], contact_count: int, clinical: bool
) -> out.CaseDetail:
    """A case with its dates, team and newest contacts (the person's card is /people/{id})."""
    data = _summary(case)
    data.update(
        {
            "referral_id": case.referral_id,
            "referred_at": case.referred_at,
            "assigned_at": case.assigned_at,
            "first_contact_at": case.first_contact_at,
            "next_contact_planned_at": case.next_contact_planned_at,
            "closed_at": case.closed_at,
            "closure_reason": _closure_reason(case.closure_reason, clinical=clinical),
            "team": {"id": case.team.id, "name": case.team.name} if case.team else None,
            "contact_count": contact_count,
            "contacts": [contact(c, clinical=clinical) for c in contacts],
        }
    )
    return out.CaseDetail.model_validate(data)


def linkage(item: Linkage) -> out.Linkage:
    """A connection and its path (only ever built for clinical readers: connections are clinical)."""
    data = {
        "id": item.id,
        "case_id": item.case_id,
        "person_id": item.person_id,
        "kind": item.kind,
        "category": item.category,
        "target": item.target,
        "provider": {"id": item.provider.id, "name": item.provider.name} if item.provider else None,
        "support_contact_id": item.support_contact_id,
        "target_name": item.target_name,
        "status": item.status,
        "status_changed_at": item.status_changed_at,
        "appointment_at": item.appointment_at,
        "verified_on": item.verified_on,
        "verification_method": item.verification_method,
        "verified_by": item.verified_by,
        "not_connected_reason": item.not_connected_reason,
        "note": item.note,
        "created_at": item.created_at,
        "version": item.version,
        "next_statuses": list(allowed_next(item.status)) if not item.status.final else [],
        "changes": [
            {
                "from_status": ch.from_status,
                "to_status": ch.to_status,
                "at": ch.at,
                "by": user_ref(ch.by) if ch.by else None,
                "note": ch.note,
                "appointment_at": ch.appointment_at,
            }
            for ch in item.changes
        ],
    }
    return out.Linkage.model_validate(data)


def referral(item: Referral, *, clinical: bool) -> out.Referral:
    """A referral; its reason and clinical indicators only for clinical readers."""
    data: dict[str, Any] = {
        "id": item.id,
        "person_id": item.person_id,
        "status": item.status,
        "source": item.source,
        "source_detail": item.source_detail,
        "received_at": item.received_at,
        "risk_indicators": _indicators(item.indicators, clinical=clinical),
    }
    if clinical:
        data["reason"] = item.reason
    return out.Referral.model_validate(data)


def timeline_entry(entry: Entry, *, clinical: bool) -> out.TimelineEntry:
    """One entry of a person's timeline: when, what kind, and the item in its own shape."""
    item: Any = entry.item
    data: dict[str, Any] = {"at": entry.at, "kind": entry.kind}
    if entry.kind == "referral":
        data["referral"] = referral(item, clinical=clinical)
    elif entry.kind == "triage":
        data["triage"] = {
            "referral_id": item.referral_id,
            "from_status": item.from_status,
            "to_status": item.to_status,
            "by": user_ref(item.by) if item.by else None,
            "operational_note": item.operational_note,
        }
        if clinical:
            data["triage"]["note"] = item.note
    elif entry.kind == "case":
        data["case_event"] = {
            "case_id": item.case_id,
            "kind": item.kind,
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
            "kind": link.kind,
            "target": link.target,
            "to_status": change.to_status,
            "by": user_ref(change.by) if change.by else None,
            "note": change.note,
        }
    return out.TimelineEntry.model_validate(data)


def _report_count(cell: Cell) -> out.ReportCount:
    value = cell.value if isinstance(cell.value, int) else None
    return out.ReportCount(value=value, suppressed=cell.suppressed)


def _report_cell(column: str, shown: Shown) -> out.ReportCell:
    numerator, denominator = (None, None) if shown.of is None else shown.of
    return out.ReportCell(
        column=column,
        value=shown.cell.value,
        suppressed=shown.cell.suppressed,
        numerator=None if numerator is None else _report_count(numerator),
        denominator=None if denominator is None else _report_count(denominator),
    )


def outcome_report(
    report: SafeOutcomes, shown: list[Table], funnel: list[tuple[Label, Cell]]
) -> out.OutcomeReport:
    """A suppressed report as the API answers it: the same cells as the page's tables."""
    return out.OutcomeReport(
        first_day=report.first,
        last_day=report.last,
        group_by=report.group_by,
        groups=[out.ReportGroup(key=c.key, label=c.label) for c in report.columns],
        indicators=[
            out.ReportIndicator(
                id=t.indicator.id,
                label=t.indicator.label,
                definition=t.indicator.definition,
                kind=t.indicator.kind,
                unit=t.indicator.unit,
                headline=t.indicator.headline,
                rows=[
                    out.ReportRow(
                        key=row.key,
                        label=row.label,
                        total=row.total,
                        cells=[_report_cell(k, c) for k, c in zip(t.keys, row.cells, strict=True)],
                    )
                    for row in t.rows
                ],
            )
            for t in shown
        ],
        funnel=[
            out.ReportFunnelStage(key=label.key, label=label.label, count=_report_count(cell))
            for label, cell in funnel
        ],
    )

"""The OpenAPI 3.1 document of API v1, served at /api/v1/openapi.json.

Kept true by tests: real responses of every endpoint, for several roles, are
validated against these schemas, and schemathesis fuzzes the API from it.
"""

from __future__ import annotations

import enum
from typing import Any

from flask import Flask, current_app, jsonify

from coresponse.api import bp
from coresponse.api.schemas import MAX_JSON_DEPTH
from coresponse.api.views import DEFAULT_LIMIT, MAX_LIMIT
from coresponse.auth.models import Role
from coresponse.cases.models import CaseEventKind, CaseStatus, ClosureReason
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.db_types import MAX_ID
from coresponse.linkages.models import (
    LinkageCategory,
    LinkageKind,
    LinkageStatus,
    VerificationMethod,
)
from coresponse.people.models import Borough, PhoneKind
from coresponse.people.timeline import KINDS
from coresponse.privacy.routes import public
from coresponse.referrals.models import ReferralSource, ReferralStatus, RiskIndicator
from coresponse.text import describe_bytes

PROBLEM = "application/problem+json"
CLINICAL_ONLY = "Present only for clinical readers (clinicians, clinical supervisors)."
FOR_THE_TEAM = "Read by the whole team, police included."
CLOSURE_REASON = (
    "Null for non-clinical readers when the reason discloses treatment "
    "(connected_to_care, declined_services, long_term_hospitalization)."
)


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    result = {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}
    if "enum" in schema:
        result["enum"] = [*schema["enum"], None]
    return result


def choice(cls: type[enum.Enum]) -> dict[str, Any]:
    return {"type": "string", "enum": [m.value for m in cls]}


def obj(
    properties: dict[str, Any], *, required: list[str] | None = None, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """A closed object: every key listed; all required except `optional` (unless `required`)."""
    return {
        "type": "object",
        "properties": properties,
        "required": required
        if required is not None
        else [k for k in properties if k not in optional],
        "additionalProperties": False,
    }


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
TEXT = {"type": "string"}
MOMENT = {"type": "string", "format": "date-time"}
OPT_MOMENT = nullable(MOMENT)
OPT_TEXT = nullable(TEXT)
DAY = {"type": "string", "format": "date"}
USER_REF = obj({"id": ID, "full_name": TEXT})


def _schemas() -> dict[str, Any]:
    member = obj({"id": ID, "full_name": TEXT, "role": choice(Role)})
    addendum = obj(
        {
            "id": ID,
            "contact_id": ID,
            "created_at": MOMENT,
            "author": USER_REF,
            "operational_reason": {**OPT_TEXT, "description": FOR_THE_TEAM},
            "reason": {**OPT_TEXT, "description": CLINICAL_ONLY},
            "operational_text": OPT_TEXT,
            "clinical_text": {**OPT_TEXT, "description": CLINICAL_ONLY},
        },
        optional=("reason", "clinical_text"),
    )
    contact = obj(
        {
            "id": {"type": "string", "format": "uuid"},
            "case_id": ID,
            "person_id": ID,
            "type": choice(ContactType),
            "occurred_at": MOMENT,
            "outcome": choice(ContactOutcome),
            "location": OPT_TEXT,
            "latitude": nullable({"type": "number"}),
            "longitude": nullable({"type": "number"}),
            "others_present": OPT_TEXT,
            "transport_destination": OPT_TEXT,
            "operational_note": OPT_TEXT,
            "next_contact_planned_at": OPT_MOMENT,
            "recorded_at": MOMENT,
            "recorded_by": USER_REF,
            "participants": {"type": "array", "items": ref("Member")},
            "addenda": {"type": "array", "items": ref("Addendum")},
            "clinical_note": {**OPT_TEXT, "description": CLINICAL_ONLY},
            "risk_level": {**nullable(choice(RiskLevel)), "description": CLINICAL_ONLY},
            "risk_factors": {
                "type": "array",
                "items": choice(RiskFactor),
                "description": CLINICAL_ONLY,
            },
        },
        optional=("clinical_note", "risk_level", "risk_factors"),
    )
    summary_properties = {
        "id": ID,
        "person_id": ID,
        "person_name": TEXT,
        "team_id": nullable(ID),
        "status": choice(CaseStatus),
        "opened_at": MOMENT,
        "first_contact_due_at": OPT_MOMENT,
        "last_contact_at": OPT_MOMENT,
        "address": {**OPT_TEXT, "description": "The person's current address on one line."},
    }
    case_detail = obj(
        {
            **summary_properties,
            "referral_id": ID,
            "referred_at": MOMENT,
            "assigned_at": OPT_MOMENT,
            "first_contact_at": OPT_MOMENT,
            "next_contact_planned_at": OPT_MOMENT,
            "closed_at": OPT_MOMENT,
            "closure_reason": nullable({**choice(ClosureReason), "description": CLOSURE_REASON}),
            "team": nullable(obj({"id": ID, "name": TEXT})),
            "contact_count": {"type": "integer", "minimum": 0},
            "contacts": {
                "type": "array",
                "items": ref("Contact"),
                "description": "The newest 25 contacts; the person's timeline has the rest.",
            },
        }
    )
    address = obj(
        {
            "line1": TEXT,
            "line2": OPT_TEXT,
            "city": TEXT,
            "state": TEXT,
            "postal_code": OPT_TEXT,
            "borough": nullable(choice(Borough)),
            "precinct": OPT_TEXT,
            "latitude": nullable({"type": "number"}),
            "longitude": nullable({"type": "number"}),
            "one_line": TEXT,
        }
    )
    person = obj(
        {
            "id": ID,
            "first_name": TEXT,
            "middle_name": OPT_TEXT,
            "last_name": TEXT,
            "preferred_name": OPT_TEXT,
            "display_name": TEXT,
            "date_of_birth": nullable(DAY),
            "date_of_birth_estimated": {"type": "boolean"},
            "gender": OPT_TEXT,
            "needs_interpreter": {"type": "boolean"},
            "languages": {"type": "array", "items": TEXT},
            "aliases": {"type": "array", "items": TEXT},
            "phones": {
                "type": "array",
                "items": obj({"number": TEXT, "kind": choice(PhoneKind)}),
            },
            "address": nullable(ref("Address")),
            "risk_indicators": {
                "type": "array",
                "items": choice(RiskIndicator),
                "description": "Safety indicators for everyone; clinical ones for clinical readers.",
            },
            "cases": {
                "type": "array",
                "items": obj(
                    {
                        "id": ID,
                        "status": choice(CaseStatus),
                        "team_id": nullable(ID),
                        "opened_at": MOMENT,
                    }
                ),
            },
        }
    )
    referral = obj(
        {
            "id": ID,
            "person_id": ID,
            "status": choice(ReferralStatus),
            "source": choice(ReferralSource),
            "source_detail": OPT_TEXT,
            "received_at": MOMENT,
            "risk_indicators": {"type": "array", "items": choice(RiskIndicator)},
            "reason": {**TEXT, "description": CLINICAL_ONLY},
        },
        optional=("reason",),
    )
    timeline_entry = obj(
        {
            "at": MOMENT,
            "kind": {"type": "string", "enum": [*KINDS, "triage"]},
            "referral": ref("Referral"),
            "triage": obj(
                {
                    "referral_id": ID,
                    "from_status": nullable(choice(ReferralStatus)),
                    "to_status": choice(ReferralStatus),
                    "by": nullable(USER_REF),
                    "operational_note": {**OPT_TEXT, "description": FOR_THE_TEAM},
                    "note": {**OPT_TEXT, "description": CLINICAL_ONLY},
                },
                optional=("note",),
            ),
            "case_event": obj(
                {
                    "case_id": ID,
                    "kind": choice(CaseEventKind),
                    "summary": OPT_TEXT,
                    "closure_reason": nullable(
                        {**choice(ClosureReason), "description": CLOSURE_REASON}
                    ),
                    "team_id": nullable(ID),
                    "by": nullable(USER_REF),
                    "operational_note": {**OPT_TEXT, "description": FOR_THE_TEAM},
                    "note": {**OPT_TEXT, "description": CLINICAL_ONLY},
                },
                optional=("note",),
            ),
            "contact": ref("Contact"),
            "addendum": ref("Addendum"),
            "linkage": obj(
                {
                    "linkage_id": ID,
                    "kind": choice(LinkageKind),
                    "target": TEXT,
                    "to_status": choice(LinkageStatus),
                    "by": nullable(USER_REF),
                    "note": OPT_TEXT,
                }
            ),
        },
        required=["at", "kind"],
    )
    linkage = obj(
        {
            "id": ID,
            "case_id": nullable(ID),
            "person_id": ID,
            "kind": choice(LinkageKind),
            "category": choice(LinkageCategory),
            "target": TEXT,
            "provider": nullable(obj({"id": ID, "name": TEXT})),
            "support_contact_id": nullable(ID),
            "target_name": OPT_TEXT,
            "status": choice(LinkageStatus),
            "status_changed_at": MOMENT,
            "appointment_at": OPT_MOMENT,
            "verified_on": nullable(DAY),
            "verification_method": nullable(choice(VerificationMethod)),
            "verified_by": OPT_TEXT,
            "not_connected_reason": OPT_TEXT,
            "note": OPT_TEXT,
            "created_at": MOMENT,
            "version": {
                "type": "integer",
                "description": "Send it back as `version` to refuse a stale change.",
            },
            "next_statuses": {"type": "array", "items": choice(LinkageStatus)},
            "changes": {
                "type": "array",
                "items": obj(
                    {
                        "from_status": nullable(choice(LinkageStatus)),
                        "to_status": choice(LinkageStatus),
                        "at": MOMENT,
                        "by": nullable(USER_REF),
                        "note": OPT_TEXT,
                        "appointment_at": OPT_MOMENT,
                    }
                ),
            },
        }
    )
    return {
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details.",
            "properties": {
                "type": TEXT,
                "title": TEXT,
                "status": {"type": "integer"},
                "detail": TEXT,
                "errors": {
                    "type": "array",
                    "description": "One message per field that was refused (422).",
                    "items": obj({"field": TEXT, "message": TEXT}),
                },
            },
            "required": ["type", "title", "status", "detail"],
            "additionalProperties": False,
        },
        "Member": member,
        "Me": obj(
            {
                "id": ID,
                "username": TEXT,
                "full_name": TEXT,
                "role": choice(Role),
                "team_id": nullable(ID),
                "can_read_clinical": {"type": "boolean"},
                "team": nullable(
                    obj(
                        {
                            "id": ID,
                            "name": OPT_TEXT,
                            "members": {"type": "array", "items": ref("Member")},
                        }
                    )
                ),
                "csrf_token": {
                    **TEXT,
                    "description": "With the browser session only: send it as X-CSRFToken on writes.",
                },
            },
            optional=("csrf_token",),
        ),
        "CaseSummary": obj(summary_properties),
        "CaseList": obj(
            {
                "items": {"type": "array", "items": ref("CaseSummary")},
                "next": {
                    **OPT_TEXT,
                    "description": "Pass as `cursor` for the next page; null on the last.",
                },
            }
        ),
        "CaseDetail": case_detail,
        "Contact": contact,
        "Addendum": addendum,
        "Address": address,
        "Person": person,
        "Referral": referral,
        "TimelineEntry": timeline_entry,
        "TimelinePage": obj(
            {
                "items": {"type": "array", "items": ref("TimelineEntry")},
                "next": {
                    **OPT_MOMENT,
                    "description": "Pass as `before` for older entries; null on the last.",
                },
            }
        ),
        "Linkage": linkage,
        "LinkageList": obj({"items": {"type": "array", "items": ref("Linkage")}}),
        "ContactInput": _contact_input(),
        "AddendumInput": obj(
            {
                "operational_reason": nullable(
                    {**TEXT, "maxLength": 200, "description": FOR_THE_TEAM}
                ),
                "reason": nullable(
                    {**TEXT, "maxLength": 200, "description": "Clinical; clinicians only."}
                ),
                "operational_text": nullable({**TEXT, "maxLength": 10000}),
                "clinical_text": nullable(
                    {**TEXT, "maxLength": 20000, "description": "Clinicians only."}
                ),
            },
            required=[],
        )
        | {"description": "Give at least one of the two reasons (else 422)."},
        "LinkageStatusInput": obj(
            {
                "to_status": choice(LinkageStatus),
                "note": nullable({**TEXT, "maxLength": 10000}),
                "appointment_at": nullable(MOMENT),
                "verified_on": nullable(DAY),
                "verification_method": nullable(choice(VerificationMethod)),
                "verified_by": nullable({**TEXT, "maxLength": 160}),
                "not_connected_reason": nullable({**TEXT, "maxLength": 10000}),
                "version": {
                    **ID,
                    "description": "The `version` you read; a newer one answers 409.",
                },
            },
            required=["to_status"],
        ),
        "ReferralInput": _referral_input(),
    }


def _contact_input() -> dict[str, Any]:
    return obj(
        {
            "id": {
                "type": "string",
                "format": "uuid",
                "description": "Made by the client (a UUID4); a retry with the same id is stored once.",
            },
            "case_id": ID,
            "type": choice(ContactType),
            "occurred_at": {**MOMENT, "description": "ISO 8601 with its offset."},
            "outcome": choice(ContactOutcome),
            "operational_note": nullable({**TEXT, "maxLength": 10000}),
            "location": nullable({**TEXT, "maxLength": 200}),
            "latitude": nullable({"type": "number", "minimum": -90, "maximum": 90}),
            "longitude": nullable({"type": "number", "minimum": -180, "maximum": 180}),
            "participants": {
                "type": "array",
                "items": ID,
                "maxItems": 50,
                "description": "Team members present (user ids); the caller is always included.",
            },
            "others_present": nullable({**TEXT, "maxLength": 200}),
            "transport_destination": nullable({**TEXT, "maxLength": 160}),
            "next_contact_planned_at": nullable(MOMENT),
            "clinical_note": nullable(
                {**TEXT, "maxLength": 20000, "description": "Clinicians only."}
            ),
            "risk_level": nullable({**choice(RiskLevel), "description": "Clinicians only."}),
            "risk_factors": {
                "type": "array",
                "items": choice(RiskFactor),
                "description": "Clinicians only.",
            },
        },
        required=["id", "case_id", "type", "occurred_at", "outcome"],
    )


def _referral_input() -> dict[str, Any]:
    short = {**TEXT, "maxLength": 80}
    new_person = obj(
        {
            "first_name": {**short, "minLength": 1},
            "last_name": {**short, "minLength": 1},
            "middle_name": nullable(short),
            "preferred_name": nullable(short),
            "date_of_birth": nullable(DAY),
            "approximate_age": nullable({"type": "integer", "minimum": 1, "maximum": 120}),
            "gender": nullable({**TEXT, "maxLength": 40}),
            "aliases": {"type": "array", "items": {**TEXT, "maxLength": 160}, "maxItems": 20},
            "languages": {"type": "array", "items": {**TEXT, "maxLength": 60}, "maxItems": 10},
            "needs_interpreter": {"type": "boolean"},
            "phone": nullable({**TEXT, "maxLength": 40}),
            "address": nullable(
                obj(
                    {
                        "line1": {**TEXT, "minLength": 1, "maxLength": 200},
                        "line2": nullable({**TEXT, "maxLength": 200}),
                        "city": nullable({**TEXT, "maxLength": 80}),
                        "state": nullable({**TEXT, "maxLength": 2}),
                        "postal_code": nullable({**TEXT, "maxLength": 10}),
                    },
                    required=["line1"],
                )
            ),
        },
        required=["first_name", "last_name"],
    )
    return {
        **obj(
            {
                "person_id": {
                    **ID,
                    "description": (
                        "Someone on record whom the caller may see; or give `person`. Any "
                        "other id, on record or not, is refused alike (422 on `person_id`)."
                    ),
                },
                "person": {**new_person, "description": "Someone new; or give `person_id`."},
                "source": choice(ReferralSource),
                "received_at": MOMENT,
                "reason": {**TEXT, "minLength": 1, "maxLength": 10000},
                "source_detail": nullable({**TEXT, "maxLength": 160}),
                "referrer_name": nullable({**TEXT, "maxLength": 160}),
                "referrer_phone": nullable({**TEXT, "maxLength": 40}),
                "referrer_email": nullable({**TEXT, "maxLength": 254}),
                "referrer_organization": nullable({**TEXT, "maxLength": 160}),
                "risk_indicators": {"type": "array", "items": choice(RiskIndicator)},
            },
            required=["source", "received_at", "reason"],
        ),
        "oneOf": [{"required": ["person_id"]}, {"required": ["person"]}],
    }


# --- Operations -------------------------------------------------------------------------


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM: {"schema": ref("Problem")}}}


ERRORS = {
    "400": f"The body is not valid JSON (UTF-8), or nests deeper than {MAX_JSON_DEPTH} levels.",
    "401": "No valid token or session: none sent, or the token is unknown, revoked or expired.",
    "403": (
        "The caller's role does not allow this, or their account has a step left to do "
        "first (`urn:coresponse:problem:account-step`: change the password, or set up the "
        "two-factor login the role requires)."
    ),
    "404": "No such record, or the caller may not see it.",
    "409": "It collides with what is stored (see detail).",
    "413": "The body is larger than the server reads (1 MiB unless configured otherwise).",
    "415": "The body is not JSON.",
    "422": "Invalid input; `errors` names each field.",
}


def _op(
    summary: str,
    ok: dict[str, tuple[str, str]],
    errors: tuple[str, ...],
    *,
    body: str | None = None,
    parameters: list[dict[str, Any]] | None = None,
    public: bool = False,
    ok_headers: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (description, schema) in ok.items():
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": ref(schema)}},
        }
        if ok_headers and status in ok_headers:
            responses[status]["headers"] = ok_headers[status]
    # Any caller may be refused for who they are (401) or a step their account has left (403).
    codes = errors if public else ("401", "403", *errors)
    if body is not None:
        codes = (*codes, "400", "413", "415", "422")
    for code in sorted(set(codes)):
        responses[code] = _problem(ERRORS[code])
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        operation["parameters"] = parameters
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": ref(body)}},
        }
    if public:
        operation["security"] = []
    return operation


def _path_id(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description, "schema": ID}


def _paths() -> dict[str, Any]:
    case_id = _path_id("case_id", "The case's id.")
    person_id = _path_id("person_id", "The person's id.")
    linkage_id = _path_id("linkage_id", "The connection's id.")
    contact_id = {
        "name": "contact_id",
        "in": "path",
        "required": True,
        "description": "The contact's id: the UUID its client gave it.",
        "schema": {"type": "string", "format": "uuid"},
    }
    location = {"Location": {"description": "The contact's URL.", "schema": TEXT}}
    status_change = _op(
        "Move a connection one step along its path",
        {"200": ("The connection as it now stands.", "Linkage")},
        ("403", "404", "409"),
        body="LinkageStatusInput",
        parameters=[linkage_id],
    )
    return {
        "/me": {
            "get": _op(
                "The caller: role, team and what they may read", {"200": ("The caller.", "Me")}, ()
            )
        },
        "/cases": {
            "get": _op(
                "The caller's open cases (their team's; every open case for supervisors), by id",
                {"200": ("One page of cases.", "CaseList")},
                ("403", "422"),
                parameters=[
                    {
                        "name": "cursor",
                        "in": "query",
                        "description": "The `next` of the previous page.",
                        "schema": TEXT,
                    },
                    {
                        "name": "limit",
                        "in": "query",
                        "description": f"Page size (default {DEFAULT_LIMIT}).",
                        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                    },
                ],
            )
        },
        "/cases/{case_id}": {
            "get": _op(
                "A case with its newest contacts",
                {"200": ("The case.", "CaseDetail")},
                ("404",),
                parameters=[case_id],
            )
        },
        "/cases/{case_id}/linkages": {
            "get": _op(
                "A case's connections to care (clinical readers only)",
                {"200": ("The connections, newest first.", "LinkageList")},
                ("404",),
                parameters=[case_id],
            )
        },
        "/people/{person_id}": {
            "get": _op(
                "A person's card and visible cases",
                {"200": ("The person.", "Person")},
                ("404",),
                parameters=[person_id],
            )
        },
        "/people/{person_id}/timeline": {
            "get": _op(
                "A person's history, newest first, a page at a time",
                {"200": ("One page of the timeline.", "TimelinePage")},
                ("404", "422"),
                parameters=[
                    person_id,
                    {
                        "name": "before",
                        "in": "query",
                        "description": "The `next` of the previous page.",
                        "schema": MOMENT,
                    },
                    {
                        "name": "kind",
                        "in": "query",
                        "description": "Only entries of this kind.",
                        "schema": {"type": "string", "enum": list(KINDS)},
                    },
                ],
            )
        },
        "/contacts": {
            "post": _op(
                "Log a contact; idempotent by its client-made id",
                {
                    "201": ("Stored now.", "Contact"),
                    "200": (
                        "Already stored with the same content: nothing new was stored.",
                        "Contact",
                    ),
                },
                ("403", "404", "409"),
                body="ContactInput",
                ok_headers={"201": location},
            )
        },
        "/contacts/{contact_id}": {
            "get": _op(
                "One contact with its addenda",
                {"200": ("The contact.", "Contact")},
                ("404",),
                parameters=[contact_id],
            )
        },
        "/contacts/{contact_id}/addenda": {
            "post": _op(
                "Add a correction or addition to a contact",
                {"201": ("The addendum.", "Addendum")},
                ("403", "404"),
                body="AddendumInput",
                parameters=[contact_id],
                ok_headers={"201": location},
            )
        },
        "/linkages/{linkage_id}": {
            "get": _op(
                "A connection to care (clinical readers only)",
                {"200": ("The connection.", "Linkage")},
                ("404",),
                parameters=[linkage_id],
            )
        },
        "/linkages/{linkage_id}/status": {"patch": status_change, "post": status_change},
        "/referrals": {
            "post": _op(
                "Record a referral of someone on record (whom the caller may see) or someone new",
                {"201": ("The referral, waiting for triage.", "Referral")},
                ("403", "422"),
                body="ReferralInput",
            )
        },
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def document(app: Flask) -> dict[str, Any]:
    """The whole OpenAPI document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{app.config.get('PROGRAM_NAME', 'CoResponse')} API",
            "version": "1",
            "description": (
                "JSON API of CoResponse. Authenticate with a personal API token "
                "(`Authorization: Bearer <token>`, made on the API tokens page or with "
                "`flask tokens create`) or the browser session (writes then need the "
                "header `X-CSRFToken`). The same access rules as the pages apply: clinical "
                "fields are absent from responses to non-clinical readers. Errors are RFC 9457 "
                "problem details (`application/problem+json`). A body may hold at most "
                f"{describe_bytes(app.config['MAX_CONTENT_LENGTH'])} (413) and nest at most "
                f"{MAX_JSON_DEPTH} levels (400); text refuses control characters other than "
                "tab, line feed and carriage return, and unpaired surrogates (422 on the field)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal API token (crt_...).",
                },
                "sessionCookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "session",
                    "description": "The browser session; writes also need the X-CSRFToken header.",
                },
            },
            "schemas": _schemas(),
        },
        "paths": _paths(),
    }


@bp.get("/openapi.json")
@public
def openapi():
    """The OpenAPI document describing this API (no login needed)."""
    return jsonify(document(current_app))

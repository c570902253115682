"""Reading JSON request bodies: types checked field by field, every error named.

Domain rules (a contact's time after the referral, an attempt's outcome...) stay in
the services; this only turns JSON into the arguments the services take.
"""

from __future__ import annotations

import enum
import math
import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar

from flask import json, request

from coresponse.api.problems import ApiProblem, field_error, validation_problem
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.db_types import MAX_ID
from coresponse.linkages.models import LinkageStatus, VerificationMethod
from coresponse.people.details import AddressDetails, PersonDetails
from coresponse.referrals.models import ReferralSource, RiskIndicator
from coresponse.referrals.services import ReferralDetails
from coresponse.text import text_refusal

E = TypeVar("E", bound=enum.Enum)
T = TypeVar("T")
_MISSING = object()


# How deep a JSON body may nest (the body itself is level 1). No input here goes past 3;
# the parser recurses once per level, and 100,000 levels ran it out of stack (a 500).
MAX_JSON_DEPTH = 32
# A JSON string, escapes included (unrolled, so a long string is one linear scan).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def _nests_deeper_than(text: str, limit: int) -> bool:
    """Whether the brackets outside strings nest deeper than `limit`: read before parsing."""
    outside = _JSON_STRING.sub("", text)
    if outside.count("[") + outside.count("{") <= limit:  # most bodies: a handful
        return False
    depth = 0
    for bracket in _BRACKETS.findall(outside):
        depth += 1 if bracket in "[{" else -1
        if depth > limit:
            return True
    return False


def json_body() -> dict[str, Any]:
    """The request's JSON object, or a 415/400/422 problem saying what is wrong with it."""
    if not request.is_json:
        raise ApiProblem(415)
    try:
        text = request.get_data(cache=True).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApiProblem(400, f"The body is not valid UTF-8: {error}") from None
    if _nests_deeper_than(text, MAX_JSON_DEPTH):
        raise ApiProblem(400, f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(text or "")
    except ValueError as error:
        raise ApiProblem(400, f"The body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise validation_problem([field_error("", "Send a JSON object.")])
    return data


class Reader:
    """Takes typed values out of a JSON object, collecting a message per bad field."""

    def __init__(self, data: dict[str, Any], allowed: set[str]) -> None:
        self.data = data
        self.errors: list[dict[str, str]] = []
        for key in sorted(set(data) - allowed):
            self.errors.append(field_error(key, "Unknown field."))

    def fail(self, field: str, message: str) -> None:
        self.errors.append(field_error(field, message))

    def check(self) -> None:
        if self.errors:
            raise validation_problem(self.errors)

    def _get(self, field: str, required: bool) -> Any:
        value = self.data.get(field, _MISSING)
        if value is _MISSING or (value is None and required):
            if required:
                self.fail(field, "This field is required.")
            return None
        return value

    def id(self, field: str, *, required: bool = True) -> int | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            self.fail(field, "Give a whole number.")
            return None
        if not 0 < value <= MAX_ID:
            self.fail(field, "There is no record with this id.")
            return None
        return value

    def _parsed(
        self, field: str, parse: Callable[[str], T], message: str, *, required: bool
    ) -> T | None:
        """A string field read by `parse`; anything it refuses gets `message`."""
        value = self._get(field, required)
        if value is None:
            return None
        try:
            if not isinstance(value, str):
                raise ValueError
            return parse(value)
        except (ValueError, OverflowError):
            self.fail(field, message)
            return None

    def uuid(self, field: str) -> uuid.UUID | None:
        return self._parsed(
            field,
            uuid.UUID,
            "Give a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e.",
            required=True,
        )

    def date(self, field: str) -> date | None:
        return self._parsed(field, date.fromisoformat, "Give a date as YYYY-MM-DD.", required=False)

    def text(self, field: str, *, max_length: int, required: bool = False) -> str | None:
        value = self._get(field, required)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(field, "Give text or null.")
            return None
        refusal = text_refusal(value)
        if refusal is not None:
            self.fail(field, f"This text {refusal}")
            return None
        if len(value) > max_length:
            self.fail(field, f"Too long: at most {max_length} characters.")
            return None
        if required and not value.strip():
            self.fail(field, "This field is required.")
            return None
        return value

    def choice(self, field: str, cls: type[E], *, required: bool = True) -> E | None:
        message = "Choose one of: " + ", ".join(m.value for m in cls) + "."
        return self._parsed(field, cls, message, required=required)

    def choices(self, field: str, cls: type[E]) -> list[E]:
        value = self._get(field, False)
        if value is None:
            return []
        if not isinstance(value, list):
            self.fail(field, "Give a list.")
            return []
        result: list[E] = []
        for item in value:
            try:
                if not isinstance(item, str):
                    raise ValueError
                result.append(cls(item))
            except ValueError:
                self.fail(field, "Each must be one of: " + ", ".join(m.value for m in cls) + ".")
                return []
        return result

    def ids(self, field: str, *, max_items: int = 50) -> list[int] | None:
        value = self._get(field, False)
        if value is None:
            return None
        if not isinstance(value, list) or len(value) > max_items:
            self.fail(field, f"Give a list of at most {max_items} user ids.")
            return None
        if not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in value
        ):
            self.fail(field, "Each must be a user id (a positive whole number).")
            return None
        return list(dict.fromkeys(value))

    def number(self, field: str) -> float | None:
        value = self._get(field, False)
        if value is None:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            self.fail(field, "Give a number or null.")
            return None
        number = float(value)
        if not math.isfinite(number):
            self.fail(field, "Give a finite number.")
            return None
        return number

    def moment(self, field: str, *, required: bool = False) -> datetime | None:
        moment = self._parsed(
            field,
            datetime.fromisoformat,
            "Give an ISO 8601 date and time with its offset, e.g. 2026-03-14T15:30:00-04:00.",
            required=required,
        )
        if moment is None:
            return None
        if moment.tzinfo is None or moment.utcoffset() is None:
            self.fail(
                field, "Give the time's offset from UTC, e.g. 2026-03-14T15:30:00-04:00 or …Z."
            )
            return None
        return moment


CONTACT_FIELDS = {
    "id", "case_id", "type", "occurred_at", "outcome", "operational_note", "location",
    "latitude", "longitude", "participants", "others_present", "transport_destination",
    "next_contact_planned_at", "clinical_note", "risk_level", "risk_factors",
}  # fmt: skip


def contact_input(data: dict[str, Any]) -> tuple[int, list[int] | None, dict[str, Any]]:
    """(case id, participant ids or None, keyword arguments for contacts.services.log_contact)."""
    r = Reader(data, CONTACT_FIELDS)
    values: dict[str, Any] = {
        "uuid": r.uuid("id"),
        "type": r.choice("type", ContactType),
        "occurred_at": r.moment("occurred_at", required=True),
        "outcome": r.choice("outcome", ContactOutcome),
        "operational_note": r.text("operational_note", max_length=10000),
        "location": r.text("location", max_length=200),
        "latitude": r.number("latitude"),
        "longitude": r.number("longitude"),
        "others_present": r.text("others_present", max_length=200),
        "transport_destination": r.text("transport_destination", max_length=160),
        "next_contact_planned_at": r.moment("next_contact_planned_at"),
        "clinical_note": r.text("clinical_note", max_length=20000),
        "risk_level": r.choice("risk_level", RiskLevel, required=False),
        "risk_factors": r.choices("risk_factors", RiskFactor),
    }
    case_id = r.id("case_id")
    participants = r.ids("participants")
    r.check()
    assert case_id is not None  # noqa: S101  # nosec B101 (check() raised otherwise)
    return case_id, participants, values


def addendum_input(data: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for contacts.services.add_addendum."""
    r = Reader(data, {"operational_reason", "reason", "operational_text", "clinical_text"})
    values = {
        # At least one of the two reasons: the service says so with a 422 naming the field.
        "operational_reason": r.text("operational_reason", max_length=200),
        "reason": r.text("reason", max_length=200),
        "operational_text": r.text("operational_text", max_length=10000),
        "clinical_text": r.text("clinical_text", max_length=20000),
    }
    r.check()
    return values


def linkage_status_input(data: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for linkages.services.change_linkage_status."""
    r = Reader(data, {"to_status", "note", "appointment_at", "verified_on",
                      "verification_method", "verified_by", "not_connected_reason", "version"})  # fmt: skip
    values = {
        "to_status": r.choice("to_status", LinkageStatus),
        "note": r.text("note", max_length=10000),
        "appointment_at": r.moment("appointment_at"),
        "verified_on": r.date("verified_on"),
        "verification_method": r.choice("verification_method", VerificationMethod, required=False),
        "verified_by": r.text("verified_by", max_length=160),
        "not_connected_reason": r.text("not_connected_reason", max_length=10000),
        "expected_version": r.id("version", required=False),
    }
    r.check()
    return values


PERSON_FIELDS = {
    "first_name", "last_name", "middle_name", "preferred_name", "date_of_birth",
    "approximate_age", "gender", "aliases", "languages", "needs_interpreter", "phone", "address",
}  # fmt: skip
ADDRESS_FIELDS = {"line1", "line2", "city", "state", "postal_code"}
REFERRAL_FIELDS = {
    "person_id", "person", "source", "received_at", "reason", "source_detail", "referrer_name",
    "referrer_phone", "referrer_email", "referrer_organization", "risk_indicators",
}  # fmt: skip


def _strings(r: Reader, field: str, *, max_items: int, max_length: int) -> list[str]:
    value = r._get(field, False)
    if value is None:
        return []
    if (
        not isinstance(value, list)
        or len(value) > max_items
        or not all(isinstance(v, str) and len(v) <= max_length for v in value)
    ):
        r.fail(field, f"Give a list of at most {max_items} texts of up to {max_length} characters.")
        return []
    for item in value:
        refusal = text_refusal(item)
        if refusal is not None:
            r.fail(field, f"A text {refusal}")
            return []
    return value


def _person(r: Reader, data: Any) -> PersonDetails | None:
    if not isinstance(data, dict):
        r.fail("person", "Give the person as an object.")
        return None
    p = Reader(data, PERSON_FIELDS)
    age = p.id("approximate_age", required=False)
    needs_interpreter = p._get("needs_interpreter", False)
    if needs_interpreter is not None and not isinstance(needs_interpreter, bool):
        p.fail("needs_interpreter", "Give true or false.")
    address = None
    raw_address = p._get("address", False)
    if raw_address is not None:
        if not isinstance(raw_address, dict):
            p.fail("address", "Give the address as an object.")
        else:
            a = Reader(raw_address, ADDRESS_FIELDS)
            values = {
                "line1": a.text("line1", max_length=200, required=True),
                "line2": a.text("line2", max_length=200),
                "city": a.text("city", max_length=80) or "New York",
                "state": a.text("state", max_length=2) or "NY",
                "postal_code": a.text("postal_code", max_length=10),
            }
            p.errors += [field_error(f"address.{e['field']}", e["message"]) for e in a.errors]
            if not a.errors:
                address = AddressDetails(**values)
    details = PersonDetails(
        first_name=p.text("first_name", max_length=80, required=True) or "",
        last_name=p.text("last_name", max_length=80, required=True) or "",
        middle_name=p.text("middle_name", max_length=80),
        preferred_name=p.text("preferred_name", max_length=80),
        date_of_birth=p.date("date_of_birth"),
        approximate_age=age,
        gender=p.text("gender", max_length=40),
        aliases=_strings(p, "aliases", max_items=20, max_length=160),
        languages=_strings(p, "languages", max_items=10, max_length=60),
        needs_interpreter=bool(needs_interpreter),
        phone=p.text("phone", max_length=40),
        address=address,
    )
    r.errors += [field_error(f"person.{e['field']}", e["message"]) for e in p.errors]
    return None if p.errors else details


def referral_input(
    data: dict[str, Any],
) -> tuple[int | None, PersonDetails | None, ReferralDetails]:
    """(an existing person's id, or a new person's details) and the referral's details."""
    r = Reader(data, REFERRAL_FIELDS)
    person_id = r.id("person_id", required=False)
    person = None
    if "person" in data and data["person"] is not None:
        person = _person(r, data["person"])
    if (person_id is None) == ("person" not in data or data["person"] is None) and not r.errors:
        r.fail("person_id", "Give either person_id (someone on record) or person (someone new).")
    source = r.choice("source", ReferralSource)
    received_at = r.moment("received_at", required=True)
    reason = r.text("reason", max_length=10000, required=True)
    details = ReferralDetails(
        source=source,  # type: ignore[arg-type]
        received_at=received_at,  # type: ignore[arg-type]
        reason=reason or "",
        source_detail=r.text("source_detail", max_length=160),
        referrer_name=r.text("referrer_name", max_length=160),
        referrer_phone=r.text("referrer_phone", max_length=40),
        referrer_email=r.text("referrer_email", max_length=254),
        referrer_organization=r.text("referrer_organization", max_length=160),
        risk_indicators=r.choices("risk_indicators", RiskIndicator),
    )
    r.check()
    return person_id, person, details

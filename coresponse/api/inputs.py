"""What the API accepts: request bodies and query strings, as Pydantic models.

These models are the contract: the OpenAPI document is generated from them (openapi.py)
and every request is validated by them, each refused field named with a message a
person can act on. Domain rules (a contact's time after the referral, an attempt's
outcome...) stay in the services; this only turns JSON into the services' arguments.
"""

from __future__ import annotations

import enum
import re
from typing import Annotated, Any, TypeVar

from flask import json, request
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from coresponse.api.fields import ClientUuid, DayIn, Flag, Id, MomentIn, Number, text, whole
from coresponse.api.problems import ApiProblem, field_error, validation_problem
from coresponse.contacts import limits as contact_limits
from coresponse.contacts.models import ContactOutcome, ContactType, RiskFactor, RiskLevel
from coresponse.linkages import limits as linkage_limits
from coresponse.linkages.models import LinkageStatus, VerificationMethod
from coresponse.pagination import BAD_CURSOR
from coresponse.people import limits as people_limits
from coresponse.people.details import lone_answer_refusal
from coresponse.people.models import Gender, RaceEthnicity
from coresponse.people.services import AddressDetails, PersonDetails
from coresponse.people.timeline import KINDS
from coresponse.referrals import limits as referral_limits
from coresponse.referrals.models import ReferralSource, RiskIndicator
from coresponse.referrals.services import ReferralDetails
from coresponse.reports.definitions import GroupBy
from coresponse.text import text_refusal

M = TypeVar("M", bound=BaseModel)

# How deep a JSON body may nest (the body itself is level 1). No input here goes past 3;
# the parser recurses once per level, and 100,000 levels ran it out of stack (a 500).
MAX_JSON_DEPTH = 32
DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# A JSON string, escapes included (unrolled, so a long string is one linear scan).
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
FOR_THE_TEAM = "Read by the whole team, police included."
CLINICIANS_ONLY = "Clinical: sent by clinicians and clinical supervisors only (else 422)."


def lone_answers_schema(enum_cls: type[RaceEthnicity] | type[Gender]) -> dict[str, Any]:
    """The schema's word for people.details.lone_answer_refusal: a list holding a null
    answer holds nothing else."""
    # Constants, not an inline enum: the enum itself is one component (tests/api/test_openapi.py).
    nulls = [{"const": member.value} for member in enum_cls if member.is_null_answer]
    return {"if": {"contains": {"anyOf": nulls}}, "then": {"maxItems": 1}}


HMIS_ANSWERS = (
    "The person's answers (HUD HMIS FY2024; several may be given). client_doesnt_know, "
    "client_prefers_not_to_answer and data_not_collected each stand alone (else 422). "
    "None given: none recorded, which reports count as data_not_collected."
)


class Body(BaseModel):
    """A request body: every key known; numbers, booleans and text never stand in for each other."""

    model_config = ConfigDict(extra="forbid")


class Query(BaseModel):
    """A query string: unknown parameters are ignored, as by any web page."""

    model_config = ConfigDict(extra="ignore")


# --- Contacts ---------------------------------------------------------------------------


class ContactInput(Body):
    """A contact logged on a tablet; a retry with the same `id` is stored once."""

    id: ClientUuid = Field(
        description="Made by the client (a UUID4); a retry with the same id is stored once."
    )
    case_id: Id
    type: ContactType
    occurred_at: MomentIn = Field(description="ISO 8601 with its offset.")
    outcome: ContactOutcome
    operational_note: Annotated[StrictStr, text(contact_limits.OPERATIONAL_NOTE_MAX)] | None = (
        Field(None, description=FOR_THE_TEAM)
    )
    location: Annotated[StrictStr, text(contact_limits.LOCATION_MAX)] | None = None
    latitude: Annotated[Number, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[Number, Field(ge=-180, le=180)] | None = None
    participants: list[Id] = Field(
        default_factory=list,
        max_length=contact_limits.PARTICIPANTS_MAX,
        description="Team members present (user ids); the caller is always included.",
    )
    others_present: Annotated[StrictStr, text(contact_limits.OTHERS_PRESENT_MAX)] | None = None
    transport_destination: Annotated[StrictStr, text(contact_limits.DESTINATION_MAX)] | None = None
    next_contact_planned_at: MomentIn | None = None
    clinical_note: Annotated[StrictStr, text(contact_limits.CLINICAL_NOTE_MAX)] | None = Field(
        None, description=CLINICIANS_ONLY
    )
    risk_level: RiskLevel | None = Field(None, description=CLINICIANS_ONLY)
    risk_factors: list[RiskFactor] = Field(default_factory=list, description=CLINICIANS_ONLY)

    def for_service(self) -> dict[str, Any]:
        """Keyword arguments for contacts.services.log_contact (without the participants)."""
        values = self.model_dump(exclude={"id", "case_id", "participants"})
        return {"uuid": self.id, **values}


class AddendumInput(Body):
    """A correction or addition to a contact: give at least one of the two reasons (else 422)."""

    operational_reason: Annotated[StrictStr, text(contact_limits.ADDENDUM_REASON_MAX)] | None = (
        Field(None, description=FOR_THE_TEAM)
    )
    reason: Annotated[StrictStr, text(contact_limits.ADDENDUM_REASON_MAX)] | None = Field(
        None, description=CLINICIANS_ONLY
    )
    operational_text: (
        Annotated[StrictStr, text(contact_limits.ADDENDUM_OPERATIONAL_TEXT_MAX)] | None
    ) = None
    clinical_text: Annotated[StrictStr, text(contact_limits.ADDENDUM_CLINICAL_TEXT_MAX)] | None = (
        Field(None, description=CLINICIANS_ONLY)
    )


# --- Connections to care ----------------------------------------------------------------


class LinkageStatusInput(Body):
    """One step along a connection's path."""

    to_status: LinkageStatus
    note: Annotated[StrictStr, text(linkage_limits.NOTE_MAX)] | None = None
    appointment_at: MomentIn | None = None
    verified_on: DayIn | None = None
    verification_method: VerificationMethod | None = None
    verified_by: Annotated[StrictStr, text(linkage_limits.VERIFIED_BY_MAX)] | None = None
    not_connected_reason: Annotated[StrictStr, text(linkage_limits.NOTE_MAX)] | None = None
    version: Id | None = Field(None, description="The `version` you read; a newer one answers 409.")

    def for_service(self) -> dict[str, Any]:
        """Keyword arguments for linkages.services.change_linkage_status."""
        values = self.model_dump(exclude={"version"})
        return {**values, "expected_version": self.version}


# --- Referrals --------------------------------------------------------------------------


class AddressInput(Body):
    """Where the person lives or is found; the city and state default to New York, NY."""

    line1: Annotated[StrictStr, text(people_limits.ADDRESS_LINE_MAX, filled=True)]
    line2: Annotated[StrictStr, text(people_limits.ADDRESS_LINE_MAX)] | None = None
    city: Annotated[StrictStr, text(people_limits.CITY_MAX)] | None = None
    state: Annotated[StrictStr, text(people_limits.STATE_MAX)] | None = None
    postal_code: Annotated[StrictStr, text(people_limits.POSTAL_CODE_MAX)] | None = None


class LocationInput(Body):
    """Where the person is now: a point typed, placed on a map or sent by a tablet."""

    latitude: Annotated[Number, Field(ge=-90, le=90)] = Field(
        description="WGS84, e.g. 40.71234; the point must be inside an NYC police precinct."
    )
    longitude: Annotated[Number, Field(ge=-180, le=180)] = Field(
        description="WGS84, e.g. -74.00123 (negative: west of Greenwich)."
    )
    description: Annotated[StrictStr, text(people_limits.WHEREABOUTS_MAX)] | None = Field(
        None,
        description='Where to look, in words ("last seen under the bridge"). '
        f"{FOR_THE_TEAM} Left out: the note on record is kept.",
    )

    def for_service(self) -> dict[str, Any]:
        """Keyword arguments for people.services.correct_location."""
        return {
            "latitude": self.latitude,
            "longitude": self.longitude,
            "whereabouts_note": self.description,
        }


class PersonInput(Body):
    """Someone new to the program."""

    first_name: Annotated[StrictStr, text(people_limits.NAME_MAX, filled=True)]
    last_name: Annotated[StrictStr, text(people_limits.NAME_MAX, filled=True)]
    middle_name: Annotated[StrictStr, text(people_limits.NAME_MAX)] | None = None
    preferred_name: Annotated[StrictStr, text(people_limits.NAME_MAX)] | None = None
    date_of_birth: DayIn | None = None
    approximate_age: (
        Annotated[
            StrictInt,
            Field(ge=people_limits.APPROXIMATE_AGE_MIN, le=people_limits.APPROXIMATE_AGE_MAX),
            BeforeValidator(whole),
        ]
        | None
    ) = None
    race_ethnicity: list[RaceEthnicity] = Field(
        default_factory=list,
        max_length=len(RaceEthnicity),
        description=HMIS_ANSWERS,
        json_schema_extra=lone_answers_schema(RaceEthnicity),
    )
    gender: list[Gender] = Field(
        default_factory=list, max_length=len(Gender), description=HMIS_ANSWERS,
        json_schema_extra=lone_answers_schema(Gender),
    )  # fmt: skip
    gender_description: Annotated[StrictStr, text(people_limits.GENDER_MAX)] | None = Field(
        None, description="Gender in the person's own words (a different identity, say)."
    )
    aliases: list[Annotated[StrictStr, text(people_limits.ALIAS_MAX)]] = Field(
        default_factory=list, max_length=people_limits.ALIASES_MAX_ITEMS
    )
    languages: list[Annotated[StrictStr, text(people_limits.LANGUAGE_MAX)]] = Field(
        default_factory=list, max_length=people_limits.LANGUAGES_MAX_ITEMS
    )
    needs_interpreter: Flag = False
    phone: Annotated[StrictStr, text(people_limits.PHONE_MAX)] | None = None
    address: AddressInput | None = None

    @field_validator("race_ethnicity", "gender")
    @classmethod
    def _lone_answers(cls, answers: list[Any], info: ValidationInfo) -> list[Any]:
        what = "race and ethnicity" if info.field_name == "race_ethnicity" else "gender"
        refusal = lone_answer_refusal(answers, what)
        if refusal is not None:
            raise PydanticCustomError("lone_answer", refusal)
        return answers

    def details(self) -> PersonDetails:
        address = None
        if self.address is not None:
            a = self.address
            address = AddressDetails(
                line1=a.line1,
                line2=a.line2,
                city=a.city or "New York",
                state=a.state or "NY",
                postal_code=a.postal_code,
            )
        return PersonDetails(**self.model_dump(exclude={"address"}), address=address)


class ReferralInput(Body):
    """A referral of someone on record (`person_id`) or someone new (`person`): exactly one."""

    # Exactly one of the two is given and not null (the other absent or null). Said with
    # if/then/else rather than oneOf, which client generators read as a union of types.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {"required": ["person_id"], "properties": {"person_id": {"type": "integer"}}},
            "then": {"properties": {"person": {"type": "null"}}},
            "else": {"required": ["person"], "properties": {"person": {"type": "object"}}},
        }
    )

    person_id: Id | None = Field(
        None,
        description=(
            "Someone on record whom the caller may see; or give `person`. Any other id, on "
            "record or not, is refused alike (422 on `person_id`)."
        ),
    )
    person: PersonInput | None = Field(None, description="Someone new; or give `person_id`.")
    source: ReferralSource
    received_at: MomentIn
    reason: Annotated[StrictStr, text(referral_limits.REASON_MAX, filled=True)] = Field(
        description="Why the person is at risk. Clinical: officers never read it."
    )
    source_detail: Annotated[StrictStr, text(referral_limits.SOURCE_DETAIL_MAX)] | None = None
    referrer_name: Annotated[StrictStr, text(referral_limits.REFERRER_NAME_MAX)] | None = None
    referrer_phone: Annotated[StrictStr, text(referral_limits.REFERRER_PHONE_MAX)] | None = None
    referrer_email: Annotated[StrictStr, text(referral_limits.REFERRER_EMAIL_MAX)] | None = None
    referrer_organization: (
        Annotated[StrictStr, text(referral_limits.REFERRER_ORGANIZATION_MAX)] | None
    ) = None
    risk_indicators: list[RiskIndicator] = Field(default_factory=list)

    def details(self) -> ReferralDetails:
        return ReferralDetails(**self.model_dump(exclude={"person_id", "person"}))


# --- Query strings ----------------------------------------------------------------------


def _given(value: Any) -> Any:
    """`?before=` with nothing after it is a mistake (a lost value), not "no filter"."""
    if value == "":
        raise PydanticCustomError("empty", "Give a value, or leave the parameter out.")
    return value


def _digits(value: Any) -> Any:
    """A page size as plain ASCII digits, as a link would carry it."""
    if isinstance(value, str) and not (value.isascii() and value.isdigit()):
        raise PydanticCustomError("int_parsing", "Give a whole number.")
    return value


Given = BeforeValidator(_given)
# A page link is base64url, as coresponse/pagination.py writes it.
PAGE_LINK = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _page_link(value: Any) -> Any:
    if isinstance(value, str) and value and not PAGE_LINK.match(value):
        raise PydanticCustomError("page_link", BAD_CURSOR)
    return value


class CaseListQuery(Query):
    # (None: left out. The document drops null from query parameters: openapi._not_null.)
    cursor: (
        Annotated[
            str, Field(min_length=1, pattern=PAGE_LINK.pattern), BeforeValidator(_page_link), Given
        ]
        | None
    ) = Field(default=None, description="The `next` of the previous page.")
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT), BeforeValidator(_digits), Given] = Field(
        DEFAULT_LIMIT, description=f"Page size (default {DEFAULT_LIMIT})."
    )


class OutcomeQuery(Query):
    """The range of New York days (both included; the last twelve months when left out)
    and the grouping of an outcome report."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    first: Annotated[DayIn, Given] | None = Field(
        default=None, alias="from", description="The first New York day (YYYY-MM-DD)."
    )
    last: Annotated[DayIn, Given] | None = Field(
        default=None, alias="to", description="The last New York day (YYYY-MM-DD), included."
    )
    group_by: Annotated[GroupBy, Given] = Field(
        GroupBy.NONE, description="How the columns split the program."
    )


# (type: ignore: mypy reads only literal members; these are people.timeline's KINDS.)
TimelineKind = enum.StrEnum("TimelineKind", {kind.upper(): kind for kind in KINDS})  # type: ignore[misc]
TimelineKind.__doc__ = "The kinds of entries a timeline can be narrowed to."


class TimelineQuery(Query):
    before: Annotated[MomentIn, Given] | None = Field(
        default=None, description="The `next` of the previous page."
    )
    kind: Annotated[TimelineKind, Given] | None = Field(
        default=None, description="Only entries of this kind."
    )


# --- Reading a request ------------------------------------------------------------------


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
        raw = request.get_data(cache=True).decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ApiProblem(400, f"The body is not valid UTF-8: {error}") from None
    if _nests_deeper_than(raw, MAX_JSON_DEPTH):
        raise ApiProblem(400, f"The body nests deeper than {MAX_JSON_DEPTH} levels.")
    try:
        data = json.loads(raw or "")
    except ValueError as error:
        raise ApiProblem(400, f"The body is not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise validation_problem([field_error("", "Send a JSON object.")])
    return data


def body(model: type[M]) -> M:
    """The request's JSON body read by `model`, or a problem naming each refused field."""
    return load(model, json_body())


def query(model: type[M]) -> M:
    """The query string read by `model` (a repeated parameter counts once, the first)."""
    return load(model, request.args.to_dict())


def load(model: type[M], data: dict[str, Any]) -> M:
    """`data` validated by `model`; a 422 with one message per refused field otherwise."""
    errors: dict[str, str] = {}
    kept = _keepable(data, "", errors)
    try:
        result = model.model_validate(kept)
    except ValidationError as error:
        for item in error.errors(include_url=False, include_input=False):
            errors.setdefault(_field(item["loc"]), _message(item))
    if errors:
        raise validation_problem([field_error(f, m) for f, m in errors.items()])
    return result


_DROPPED = object()


def _keepable(value: Any, path: str, errors: dict[str, str]) -> Any:
    """`value` without the text no record may hold, each refusal noted on its field.

    Checked before validation: a lone surrogate in any string (JSON "\\ud800") stops
    Pydantic reading the whole object, so it could not say which field held it.
    """
    if isinstance(value, str):
        refusal = text_refusal(value)
        if refusal is not None:
            errors.setdefault(path, f"This text {refusal}")
            return _DROPPED
        return value
    if isinstance(value, list):
        items = [_keepable(item, path, errors) for item in value]
        return _DROPPED if any(item is _DROPPED for item in items) else items
    if isinstance(value, dict):
        kept: dict[str, Any] = {}
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if text_refusal(key) is not None:
                errors.setdefault(where, "Unknown field.")
                continue
            item = _keepable(item, where, errors)
            if item is not _DROPPED:
                kept[key] = item
        return kept
    return value


def _field(loc: tuple[int | str, ...]) -> str:
    """`person.address.line1`: the path to the field, list positions left out."""
    return ".".join(str(part) for part in loc if not isinstance(part, int))


_MESSAGES = {
    "missing": "This field is required.",
    "extra_forbidden": "Unknown field.",
    "string_type": "Give text.",
    "string_too_short": "This field is required.",
    "string_pattern_mismatch": "This field is required.",
    "int_type": "Give a whole number.",
    "int_from_float": "Give a whole number.",
    "int_parsing": "Give a whole number.",
    "float_type": "Give a number.",
    "finite_number": "Give a finite number.",
    "bool_type": "Give true or false.",
    "list_type": "Give a list.",
    "model_type": "Give an object.",
    "uuid_type": "Give a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e.",
    "uuid_parsing": "Give a UUID, e.g. 0f8fad5b-d9cb-469f-a165-70867728950e.",
    "timezone_aware": "Give the time's offset from UTC, e.g. 2026-03-14T15:30:00-04:00 or …Z.",
    "date_type": "Give a date as YYYY-MM-DD.",
    "date_parsing": "Give a date as YYYY-MM-DD.",
    "date_from_datetime_parsing": "Give a date as YYYY-MM-DD.",
    "date_from_datetime_inexact": "Give a date as YYYY-MM-DD.",
}


def _bound(value: Any) -> Any:
    """A limit as a person writes it: 90, not 90.0."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _message(error: Any) -> str:
    """The message for one Pydantic error, in the words the pages use."""
    kind: str = error["type"]
    ctx = error.get("ctx") or {}
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    if kind == "string_too_long":
        return f"Too long: at most {ctx['max_length']} characters."
    if kind == "too_long":
        return f"Give at most {ctx['max_length']} items."
    if kind == "enum":
        return f"Choose one of: {str(ctx['expected']).replace(chr(39), '')}."
    if kind == "greater_than_equal":
        return f"Give {_bound(ctx['ge'])} or more."
    if kind == "less_than_equal":
        return f"Give {_bound(ctx['le'])} or less."
    if kind.startswith("datetime"):
        return "Give an ISO 8601 date and time with its offset, e.g. 2026-03-14T15:30:00-04:00."
    return str(error["msg"])

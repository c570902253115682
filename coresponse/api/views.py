"""The JSON API's endpoints: thin, like the pages: services decide, policy allows.

Every endpoint asks the same policy functions and read paths as the HTML pages, and
every read of a person's record goes on the audit trail the same way.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC
from typing import Any

from flask import Response, current_app, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select
from sqlalchemy.orm import joinedload, selectinload

from coresponse import unit_of_work
from coresponse.api import bp, outputs, serializers
from coresponse.api.auth import authenticate, is_session_auth
from coresponse.api.inputs import (
    AddendumInput,
    CaseListQuery,
    ContactInput,
    LinkageStatusInput,
    LocationInput,
    OutcomeQuery,
    ReferralInput,
    TimelineQuery,
    body,
    query,
)
from coresponse.api.openapi import operation
from coresponse.api.problems import (
    ApiProblem,
    field_error,
    from_domain_error,
    problem_response,
    validation_problem,
)
from coresponse.api.serializers import reply
from coresponse.audit.categories import DataCategory
from coresponse.audit.services import record_view
from coresponse.auth.models import User
from coresponse.cases import services as case_services
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.queries import get_visible_case
from coresponse.contacts import queries as contact_queries
from coresponse.contacts import services as contact_services
from coresponse.contacts.models import Contact
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.linkages import queries as linkage_queries
from coresponse.linkages import services as linkage_services
from coresponse.pagination import BadCursor, keyset_page
from coresponse.people import queries as people_queries
from coresponse.people import services as people_services
from coresponse.people.brief import Latest, latest_by_case
from coresponse.people.models import Person
from coresponse.people.timeline import person_timeline as timeline
from coresponse.people.timeline import visible_cases
from coresponse.privacy import policy
from coresponse.privacy.loading import withheld
from coresponse.privacy.routes import allow, permission_of, require
from coresponse.referrals import services as referral_services
from coresponse.referrals.models import Referral, RiskIndicator
from coresponse.reports import queries as report_queries
from coresponse.reports.definitions import INDICATORS
from coresponse.reports.suppression import suppress, suppress_funnel
from coresponse.reports.tables import tables as report_tables
from coresponse.teams.models import Team
from coresponse.web import request_info

# The case shows its newest contacts, as the case page does; the timeline pages the rest.
CASE_CONTACTS = 25


@bp.before_request
def _authenticate() -> None:
    declared = permission_of(current_app, request.endpoint) if request.endpoint else None
    if declared is None or not declared.public:
        authenticate()


@bp.errorhandler(ApiProblem)
def _problem(error: ApiProblem) -> Response:
    unit_of_work.discard()
    return problem_response(error)


@bp.errorhandler(DomainError)
def _refused(error: DomainError) -> Response:
    unit_of_work.undo_refused(error)
    return problem_response(from_domain_error(error))


# --- Who am I -------------------------------------------------------------------------


@operation("account", {200: ("The caller.", outputs.Me)})
@bp.get("/me")
@allow(policy.is_signed_in)
def me() -> ResponseReturnValue:
    """The caller: role, team and its current members, and what they may read."""
    user: User = current_user
    team_id = policy.current_team_id(user)
    team = None
    if team_id is not None:
        row = db.session.get(Team, team_id)
        members = contact_queries.team_members(team_id)
        team = outputs.MeTeam(
            id=team_id,
            name=row.name if row else None,
            members=[serializers.member(u) for u in members],
        )
    data: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "team_id": team_id,
        "can_read_clinical": policy.can_read_clinical(user),
        "team": team,
    }
    if is_session_auth():
        # The offline app sends it back as X-CSRFToken when it syncs.
        data["csrf_token"] = generate_csrf()
    return reply(outputs.Me.model_validate(data))


# --- Cases ----------------------------------------------------------------------------


@operation("cases", {200: ("One page of cases.", outputs.CaseList)}, query=CaseListQuery)
@bp.get("/cases")
@allow(policy.has_caseload, detail="Only team members and supervisors have a list of cases.")
def list_cases() -> ResponseReturnValue:
    """The caller's open cases (a field member's team's; every open case for supervisors), by id."""
    user: User = current_user
    asked = query(CaseListQuery)
    stmt = (
        select(Case)
        .where(Case.status == CaseStatus.OPEN, policy.case_visibility(user))
        .options(
            joinedload(Case.person).options(
                selectinload(Person.addresses), selectinload(Person.languages)
            ),
            # The referral's indicators for the brief, none of its other columns.
            joinedload(Case.referral).load_only(Referral.id).selectinload(Referral.risk_indicators),
            *withheld(Case, clinical=False),  # a list shows no clinical column
        )
    )
    if policy.is_field_member(user):
        # A field member's list is their team's caseload, not records opened by break-glass.
        stmt = stmt.where(Case.team_id == policy.current_team_id(user))
    try:
        page = keyset_page(stmt, [Case.id], cursor=asked.cursor, size=asked.limit)
    except BadCursor as error:
        raise validation_problem([field_error("cursor", str(error))]) from None
    clinical = policy.can_read_clinical(user)
    latest = latest_by_case([c.id for c in page.items], user)
    items = [
        serializers.case_with_brief(c, *latest.get(c.id, (Latest(), 0)), clinical=clinical)
        for c in page.items
    ]
    response = reply(outputs.CaseList(items=items, next=page.next_cursor))
    # One audit event for the page, however many people it names (up to MAX_LIMIT).
    case_services.record_case_list_view(
        page.items, by=user, what="API: open cases", record_type="case_list",
        request_info=request_info(),
    )  # fmt: skip
    return response


def _record_view(person_id: int, *, record_type: str, record_id: object, clinical: bool) -> None:
    """Audit a read of a person's record exactly as the pages do: last, once the answer
    is made (coresponse/unit_of_work.py)."""
    record_view(
        person_id, by=current_user, record_type=record_type, record_id=record_id,
        category=DataCategory.CLINICAL if clinical else DataCategory.OPERATIONAL,
        request_info=request_info(),
    )  # fmt: skip


@operation("cases", {200: ("The case.", outputs.CaseDetail)})
@bp.get("/cases/<int:case_id>")
@allow(policy.is_signed_in, per_record=policy.case_visibility)
def get_case(case_id: int) -> ResponseReturnValue:
    """A case: dates, team and its newest contacts, as on the case page."""
    case = get_visible_case(current_user, case_id)
    clinical = policy.can_read_clinical(current_user)
    contacts = contact_queries.case_contacts(case.id, current_user, limit=CASE_CONTACTS)
    body = serializers.case_detail(
        case, contacts=contacts, contact_count=contact_queries.count_case_contacts(case.id),
        clinical=clinical,
    )  # fmt: skip
    response = reply(body)
    _record_view(case.person_id, record_type="case", record_id=case.id, clinical=clinical)
    return response


@operation("cases", {200: ("The connections, newest first.", outputs.LinkageList)})
@bp.get("/cases/<int:case_id>/linkages")
@allow(policy.can_view_linkages, hidden=True, per_record=policy.case_visibility)
def case_linkages(case_id: int) -> ResponseReturnValue:
    """A case's connections to care, newest first (clinical readers only; others get 404)."""
    case = get_visible_case(current_user, case_id, with_person=False)
    response = reply(
        outputs.LinkageList(
            items=[serializers.linkage(link) for link in linkage_queries.case_linkages(case.id)]
        )
    )
    _record_view(case.person_id, record_type="case", record_id=case.id, clinical=True)
    return response


# --- People ---------------------------------------------------------------------------


def _visible_person(person_id: int) -> tuple[Person, list[RiskIndicator]]:
    """The person's card and safety flags, or 404 (break-glass grants count, as on the
    pages; no prompt here)."""
    if not policy.can_view_person(current_user, person_id):
        raise ApiProblem(404)
    person, flags = people_queries.person_card_and_flags(person_id)
    if person is None:
        raise ApiProblem(404)
    return person, flags


@operation("people", {200: ("The person.", outputs.Person)})
@bp.get("/people/<int:person_id>")
@allow(policy.is_signed_in, per_record=policy.can_view_person)
def get_person(person_id: int) -> ResponseReturnValue:
    """A person's card: names, address, phones, languages, safety flags and visible cases."""
    person, flags = _visible_person(person_id)
    clinical = policy.can_read_clinical(current_user)
    response = reply(
        serializers.person(
            person, cases=visible_cases(current_user, person.id), flags=flags, clinical=clinical
        )
    )
    _record_view(person.id, record_type="person", record_id=person.id, clinical=clinical)
    return response


@operation(
    "people", {200: ("One page of the timeline.", outputs.TimelinePage)}, query=TimelineQuery
)
@bp.get("/people/<int:person_id>/timeline")
@allow(policy.is_signed_in, per_record=policy.can_view_person)
def person_timeline(person_id: int) -> ResponseReturnValue:
    """Everything the caller may see of the person's history, newest first, a page at a time."""
    person, _flags = _visible_person(person_id)
    asked = query(TimelineQuery)
    before = asked.before.astimezone(UTC) if asked.before is not None else None
    kind = asked.kind.value if asked.kind is not None else None
    page = timeline(current_user, person.id, kind=kind, before=before)
    clinical = policy.can_read_clinical(current_user)
    response = reply(
        outputs.TimelinePage(
            items=[serializers.timeline_entry(e, clinical=clinical) for e in page.entries],
            next=page.older_than,
        )
    )
    _record_view(person.id, record_type="person", record_id=person.id, clinical=clinical)
    return response


@operation(
    "people",
    {200: ("The point on record now, its precinct and borough.", outputs.PersonLocation)},
    body=LocationInput,
)
@bp.put("/people/<int:person_id>/location")
@allow(policy.is_signed_in, per_record=policy.can_edit_person)
def set_person_location(person_id: int) -> ResponseReturnValue:
    """Place the person's current address at a point, as the location page does (a 422
    for a point outside every NYC police precinct, nothing changed)."""
    person, _flags = _visible_person(person_id)
    # Reading through break-glass is read-only, as on the pages.
    require(policy.can_edit_person(current_user, person.id),
            "Only the person's team and supervisors change their location.")  # fmt: skip
    address = person.current_address
    if address is None:
        raise ApiProblem(
            422,
            "The person has no current address to place: add one on their page first.",
            type="urn:coresponse:problem:validation",
        )
    sent = body(LocationInput)
    area = people_services.correct_location(
        address, by=current_user, request_info=request_info(), **sent.for_service()
    )
    return reply(serializers.person_location(address, area=people_services.area_words(area)))


# --- Contacts -------------------------------------------------------------------------


@contextmanager
def _inserted(model: type) -> Iterator[list[Any]]:
    """Collect the objects of `model` this session inserts inside the block."""
    session = db.session()
    found: list[Any] = []

    def listener(_session: Any, instance: Any) -> None:
        if isinstance(instance, model):
            found.append(instance)

    event.listen(session, "pending_to_persistent", listener)
    try:
        yield found
    finally:
        event.remove(session, "pending_to_persistent", listener)


def _participants(ids: list[int], caller: User) -> list[User]:
    wanted = [i for i in ids if i != caller.id]
    if not wanted:
        return []
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))}
    missing = [i for i in wanted if i not in users]
    if missing:
        raise validation_problem(
            [field_error("participants", f"No user with id {i}.") for i in missing]
        )
    return [users[i] for i in wanted]


def _log(case_id: int, participants: list[User], values: dict[str, Any]) -> Contact:
    case = get_visible_case(current_user, case_id, with_person=False)
    require(policy.can_log_contact(current_user, case),
            "Only the case's team members can log contacts on it.")  # fmt: skip
    return contact_services.log_contact(
        case, by=current_user, participants=participants, request_info=request_info(), **values
    )


@operation(
    "contacts",
    {
        201: ("Stored now.", outputs.Contact),
        200: ("Already stored with the same content: nothing new was stored.", outputs.Contact),
    },
    (404, 409),
    body=ContactInput,
    location=True,
)
@bp.post("/contacts")
@allow(
    policy.is_field_member,
    per_record=policy.can_log_contact,
    detail="Contacts are logged by the officers and clinicians of the case's team.",
)
def create_contact() -> ResponseReturnValue:
    """Log a contact made on a tablet; the client's id makes a retry store it once."""
    sent = body(ContactInput)
    case_id, values = sent.case_id, sent.for_service()
    participants = _participants(list(dict.fromkeys(sent.participants)), current_user)
    with _inserted(Contact) as created:
        contact = unit_of_work.store_once(
            lambda: _log(case_id, participants, values),
            stored=lambda: contact_queries.contact_exists(values["uuid"]),
        )
        if contact is None:
            # A copy of this request stored it first: answered as a retry is, with the
            # stored contact (same content) or a 409 (different).
            created.clear()
            contact = _log(case_id, participants, values)
    clinical = policy.can_read_clinical(current_user)
    if created:
        users = {u.id: u for u in (current_user, *participants)}
        response = reply(serializers.contact(contact, clinical=clinical, users=users), 201)
        response.headers["Location"] = url_for("api.get_contact", contact_uuid=str(contact.uuid))
        return response
    # Already stored with this content: the stored contact, shown (and audited) as on a page.
    return _show_contact(contact.id, detail="already saved: a retried API call")


def _show_contact(contact_id: int, *, detail: str | None = None) -> Response:
    contact = contact_queries.get_visible_contact(current_user, contact_id)
    clinical = policy.can_read_clinical(current_user)
    response = reply(serializers.contact(contact, clinical=clinical))
    contact_services.record_contact_view(
        contact, by=current_user, detail=detail, request_info=request_info(),
        clinical=clinical and contact_services.has_clinical_content(contact),
    )  # fmt: skip
    return response


def _contact_id(contact_uuid: str) -> int:
    """The id of the contact saved under this uuid; 404 for a malformed or unknown one."""
    try:
        parsed = uuid_module.UUID(contact_uuid)
    except ValueError:
        raise ApiProblem(404, "There is no contact with this id.") from None
    found = db.session.scalar(select(Contact.id).where(Contact.uuid == parsed))
    if found is None:
        raise ApiProblem(404, "There is no contact with this id.")
    return found


@operation("contacts", {200: ("The contact.", outputs.Contact)})
@bp.get("/contacts/<contact_uuid>")
@allow(policy.is_signed_in, per_record=policy.case_visibility)
def get_contact(contact_uuid: str) -> ResponseReturnValue:
    """One contact by the id its client gave it, with addenda; clinical parts for clinical readers."""
    return _show_contact(_contact_id(contact_uuid))


@operation(
    "contacts", {201: ("The addendum.", outputs.Addendum)}, body=AddendumInput, location=True
)
@bp.post("/contacts/<contact_uuid>/addenda")
@allow(policy.is_signed_in, per_record=policy.may_add_addendum)
def create_addendum(contact_uuid: str) -> ResponseReturnValue:
    """Add a correction or addition to a saved contact (who, when, why); the contact stays."""
    contact = contact_queries.get_visible_contact(current_user, _contact_id(contact_uuid))
    require(policy.may_add_addendum(current_user, contact.case),
            "Only the case's team members and supervisors can add addenda.")  # fmt: skip
    values = body(AddendumInput).model_dump()
    item = contact_services.add_addendum(
        contact, by=current_user, request_info=request_info(), **values
    )
    response = reply(
        serializers.addendum(
            item, clinical=policy.can_read_clinical(current_user), author=current_user
        ),
        201,
    )
    response.headers["Location"] = url_for("api.get_contact", contact_uuid=contact_uuid)
    return response


# --- Connections to care (clinical) ---------------------------------------------------


@operation("linkages", {200: ("The connection.", outputs.Linkage)})
@bp.get("/linkages/<int:linkage_id>")
@allow(policy.can_view_linkages, hidden=True, per_record=policy.case_visibility)
def get_linkage(linkage_id: int) -> ResponseReturnValue:
    """A connection, its path and the steps it may take next (clinical readers only)."""
    linkage = linkage_queries.get_visible_linkage(current_user, linkage_id)
    response = reply(serializers.linkage(linkage))
    linkage_services.record_linkage_view(linkage, by=current_user, request_info=request_info())
    return response


@operation(
    "linkages",
    {200: ("The connection as it now stands.", outputs.Linkage)},
    (409,),
    body=LinkageStatusInput,
)
@bp.route("/linkages/<int:linkage_id>/status", methods=["PATCH", "POST"])
@allow(policy.can_view_linkages, hidden=True, per_record=policy.can_manage_linkages)
def change_linkage_status(linkage_id: int) -> ResponseReturnValue:
    """Move a connection one step along its path; `version` refuses a stale change (409)."""
    linkage = linkage_queries.get_visible_linkage(current_user, linkage_id)
    case = (
        get_visible_case(current_user, linkage.case_id, with_person=False)
        if linkage.case_id is not None
        else None
    )
    require(case is not None and policy.can_manage_linkages(current_user, case),
            "Only the team's clinician or a clinical supervisor updates connections.")  # fmt: skip
    values = body(LinkageStatusInput).for_service()
    linkage_services.change_linkage_status(
        linkage, by=current_user, request_info=request_info(), **values
    )
    db.session.expire(linkage)
    return reply(serializers.linkage(linkage_queries.get_visible_linkage(current_user, linkage_id)))


# --- Referrals ------------------------------------------------------------------------


@operation(
    "referrals",
    {201: ("The referral, waiting for triage.", outputs.Referral)},
    (409,),
    body=ReferralInput,
)
@bp.post("/referrals")
@allow(policy.can_take_referrals, detail="Supervisors and clinicians take referrals.")
def create_referral() -> ResponseReturnValue:
    """Record a referral of someone on record (`person_id`) or someone new (`person`)."""
    sent = body(ReferralInput)
    if (sent.person_id is None) == (sent.person is None):
        raise validation_problem(
            [
                field_error(
                    "person_id",
                    "Give either person_id (someone on record) or person (someone new).",
                )
            ]
        )
    person_id = sent.person_id
    info = request_info()
    if person_id is not None:
        # Only someone the caller may see (the API offers no duplicate check): any other
        # id, on record or not, gets the same answer, so ids cannot be probed.
        person: Person | None = None
        if policy.can_link_referral(current_user, person_id):
            person = people_queries.get_person_card(person_id)
        if person is None:
            raise validation_problem([field_error("person_id", "There is no person with this id.")])
    else:
        assert sent.person is not None  # exactly one of the two, checked above  # noqa: S101  # nosec B101
        person = people_services.create_person(
            sent.person.details(), by=current_user, request_info=info
        )
    referral = referral_services.create_referral(
        person, sent.details(), by=current_user, request_info=info
    )
    return reply(
        serializers.referral(referral, clinical=policy.can_read_clinical(current_user)), 201
    )


@operation(
    "reports", {200: ("Every indicator, small cells suppressed.", outputs.OutcomeReport)},
    query=OutcomeQuery,
)  # fmt: skip
@bp.get("/reports/outcomes")
@allow(
    policy.can_view_reports, detail="Only supervisors, analysts and administrators read reports."
)
def outcome_report() -> ResponseReturnValue:
    """The outcome indicators for a range of New York days by a grouping, as on the
    Outcomes page: a count from 1 to 10 (or one a total would give away) is null with
    `suppressed` true; police supervisors get no indicator about connections."""
    asked = query(OutcomeQuery)
    default_first, default_last = report_queries.default_range()
    first, last = asked.first or default_first, asked.last or default_last
    # The police get no connections, even counted (policy.can_see_treatment_outcomes).
    treatment = policy.can_see_treatment_outcomes(current_user)
    try:
        report = suppress(report_queries.outcomes(first, last, asked.group_by, treatment=treatment))
        stages = suppress_funnel(report_queries.funnel(first, last, treatment=treatment))
    except DomainError as error:
        raise from_domain_error(error) from None
    return reply(serializers.outcome_report(report, report_tables(report, INDICATORS), stages))


# The API's description and the token settings page attach their routes too.
from coresponse.api import openapi, settings  # noqa: E402, F401

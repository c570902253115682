"""The JSON API's endpoints: thin, like the pages: services decide, policy allows.

Every endpoint asks the same policy functions and read paths as the HTML pages, and
every read of a person's record goes on the audit trail the same way.
"""

from __future__ import annotations

import uuid as uuid_module
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import jsonify, request, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from coresponse.api import bp, serializers
from coresponse.api.auth import authenticate, is_session_auth
from coresponse.api.problems import (
    ApiProblem,
    field_error,
    from_domain_error,
    problem_response,
    validation_problem,
)
from coresponse.api.schemas import addendum_input, contact_input, json_body
from coresponse.auth.models import User
from coresponse.cases.models import Case, CaseStatus
from coresponse.cases.queries import get_visible_case
from coresponse.contacts import queries as contact_queries
from coresponse.contacts import services as contact_services
from coresponse.contacts.models import Contact
from coresponse.errors import DomainError
from coresponse.extensions import db
from coresponse.pagination import BadCursor, keyset_page
from coresponse.people.models import Person
from coresponse.privacy import policy
from coresponse.teams.models import Team
from coresponse.web import request_info

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
# Endpoints open without a login: the API's own description.
PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.before_request
def _authenticate() -> None:
    if request.endpoint not in PUBLIC_ENDPOINTS:
        authenticate()


@bp.errorhandler(ApiProblem)
def _problem(error: ApiProblem):  # type: ignore[no-untyped-def]
    db.session.rollback()
    return problem_response(error)


@bp.errorhandler(DomainError)
def _refused(error: DomainError):  # type: ignore[no-untyped-def]
    db.session.rollback()
    return problem_response(from_domain_error(error))


def require(allowed: bool, detail: str | None = None) -> None:
    if not allowed:
        raise ApiProblem(403, detail)


# --- Who am I -------------------------------------------------------------------------


@bp.get("/me")
def me():
    """The caller: role, team and its current members, and what they may read."""
    user: User = current_user
    team_id = policy.current_team_id(user)
    team = None
    if team_id is not None:
        row = db.session.get(Team, team_id)
        members = contact_queries.team_members(team_id)
        team = {
            "id": team_id,
            "name": row.name if row else None,
            "members": [serializers.member(u) for u in members],
        }
    data: dict[str, Any] = {
        "id": user.id,
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role.value,
        "team_id": team_id,
        "can_read_clinical": policy.can_read_clinical(user),
        "team": team,
    }
    if is_session_auth():
        # The offline app sends it back as X-CSRFToken when it syncs.
        data["csrf_token"] = generate_csrf()
    return jsonify(data)


# --- Cases ----------------------------------------------------------------------------


def _limit() -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise validation_problem(
            [field_error("limit", f"Give a whole number from 1 to {MAX_LIMIT}.")]
        )
    return int(raw)


@bp.get("/cases")
def list_cases():
    """The caller's open cases (a field member's team's; every open case for supervisors), by id."""
    user: User = current_user
    require(policy.is_field_member(user) or policy.sees_all_cases(user),
            "Only team members and supervisors have a list of cases.")  # fmt: skip
    limit = _limit()
    stmt = (
        select(Case)
        .where(Case.status == CaseStatus.OPEN, policy.case_visibility(user))
        .options(joinedload(Case.person).selectinload(Person.addresses))
    )
    if policy.is_field_member(user):
        # A field member's list is their team's caseload, not records opened by break-glass.
        stmt = stmt.where(Case.team_id == policy.current_team_id(user))
    try:
        page = keyset_page(stmt, [Case.id], cursor=request.args.get("cursor") or None, size=limit)
    except BadCursor as error:
        raise validation_problem([field_error("cursor", str(error))]) from None
    return jsonify(
        {"items": [serializers.case_summary(c) for c in page.items], "next": page.next_cursor}
    )


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


def _participants(ids: list[int] | None, caller: User) -> list[User]:
    wanted = [i for i in ids or [] if i != caller.id]
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


@bp.post("/contacts")
def create_contact():
    """Log a contact made on a tablet; the client's id makes a retry store it once."""
    require(policy.is_field_member(current_user),
            "Contacts are logged by the officers and clinicians of the case's team.")  # fmt: skip
    case_id, participant_ids, values = contact_input(json_body())
    participants = _participants(participant_ids, current_user)
    with _inserted(Contact) as created:
        try:
            contact = _log(case_id, participants, values)
        except IntegrityError:
            # A copy of this request won the race to the unique uuid; answer as a retry.
            db.session.rollback()
            created.clear()
            if not contact_queries.contact_exists(values["uuid"]):
                raise
            contact = _log(case_id, participants, values)
    clinical = policy.can_read_clinical(current_user)
    if created:
        users = {u.id: u for u in (current_user, *participants)}
        body = serializers.contact(contact, clinical=clinical, users=users)
        db.session.commit()
        response = jsonify(body)
        response.status_code = 201
        response.headers["Location"] = url_for("api.get_contact", contact_uuid=str(contact.uuid))
        return response
    # Already stored with this content: the stored contact, shown (and audited) as on a page.
    contact_id = contact.id
    db.session.commit()
    return jsonify(_show_contact(contact_id, detail="already saved: a retried API call"))


def _show_contact(contact_id: int, *, detail: str | None = None) -> dict[str, Any]:
    contact = contact_queries.get_visible_contact(current_user, contact_id)
    clinical = policy.can_read_clinical(current_user)
    contact_services.record_contact_view(
        contact, by=current_user, detail=detail, request_info=request_info(),
        clinical=clinical and contact_services.has_clinical_content(contact),
    )  # fmt: skip
    body = serializers.contact(contact, clinical=clinical)
    db.session.commit()
    return body


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


@bp.get("/contacts/<contact_uuid>")
def get_contact(contact_uuid: str):
    """One contact by the id its client gave it, with addenda; clinical parts for clinical readers."""
    return jsonify(_show_contact(_contact_id(contact_uuid)))


@bp.post("/contacts/<contact_uuid>/addenda")
def create_addendum(contact_uuid: str):
    """Add a correction or addition to a saved contact (who, when, why); the contact stays."""
    contact = contact_queries.get_visible_contact(current_user, _contact_id(contact_uuid))
    require(contact_services.may_add_addendum(current_user, contact.case),
            "Only the case's team members and supervisors can add addenda.")  # fmt: skip
    values = addendum_input(json_body())
    item = contact_services.add_addendum(
        contact, by=current_user, request_info=request_info(), **values
    )
    body = serializers.addendum(
        item, clinical=policy.can_read_clinical(current_user), author=current_user
    )
    db.session.commit()
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_contact", contact_uuid=contact_uuid)
    return response

"""Read paths for contacts, filtered by what the viewer may see.

Viewers who may not read clinical content get contacts whose clinical columns are
never selected, and touching them raises: a template slip fails loudly instead of
leaking (the clinical note is not even in the Python object to leak).
"""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime
from functools import cache
from typing import Any

from flask import abort
from sqlalchemy import Select, and_, bindparam, func, inspect, or_, select
from sqlalchemy.orm import joinedload, raiseload

from coresponse import request_state
from coresponse.auth.models import Role, User
from coresponse.cases.models import Case
from coresponse.contacts.models import Addendum, Contact, ContactParticipant
from coresponse.extensions import db
from coresponse.privacy import policy
from coresponse.privacy.loading import clinical_attributes, withheld
from coresponse.teams.models import Team, TeamMembership


def contact_loads(viewer: User, *, cards: bool = False) -> tuple[Any, ...]:
    """Loader options for showing contacts to `viewer`: everything a card needs, in one query.

    A contact has a few participants, rarely an addendum and at most eight risk factors,
    so joining all three multiplies its rows by a small number while a page of contacts
    stays one statement, however long the history.

    `cards`: only what the contact cards show (templates/contacts/_macros.html), for a
    caller that already holds the contacts' cases in the session (the case page, the
    person's timeline): each contact's case is found there instead of being joined and
    read again for every row, and of the people only their names are read.
    """
    return _contact_loads(policy.can_read_clinical(viewer), cards)


@cache
def _contact_loads(clinical: bool, cards: bool) -> tuple[Any, ...]:
    """contact_loads for a clinical reader or not, built once each: loader options are
    immutable, and rebuilding these chains on every page showed in its profile."""
    addenda = joinedload(Contact.addenda)
    recorded_by = joinedload(Contact.recorded_by)
    participant = joinedload(Contact.participants).joinedload(ContactParticipant.user)
    author = joinedload(Addendum.author)
    if cards:
        recorded_by, participant, author = (
            loader.load_only(User.full_name) for loader in (recorded_by, participant, author)
        )
    options: list[Any] = [recorded_by, participant]
    if not cards:
        options.append(joinedload(Contact.case).options(*withheld(Case, clinical=clinical)))
    if clinical:
        options += [
            addenda.options(author),
            joinedload(Contact.risk_factors),
        ]
    else:
        options += [
            addenda.options(author, *withheld(Addendum, clinical=False)),
            *withheld(Contact, clinical=False),
            raiseload(Contact.risk_factors),
        ]
    return tuple(options)


# Beside the clinical columns the register names: a contact's risk factors (rows).
_CLINICAL_RELATIONSHIPS: dict[type, tuple[str, ...]] = {Contact: ("risk_factors",), Addendum: ()}


def _forget_clinical() -> None:
    """Expire contacts this session already holds with clinical values loaded.

    One loaded earlier in the request (say by a service, with every column) would
    otherwise come back from the query below as is; expired, it is loaded afresh
    under this viewer's options, which leave the clinical columns out.
    """
    for obj in list(db.session.identity_map.values()):
        kind: type = type(obj)  # (mypy takes type[object] for unhashable)
        if kind not in _CLINICAL_RELATIONSHIPS:
            continue
        names = clinical_attributes(kind) + _CLINICAL_RELATIONSHIPS[kind]
        loaded = inspect(obj).dict
        if any(name in loaded for name in names) and obj not in db.session.dirty:
            db.session.expire(obj)


def _visible_contacts(viewer: User, *, cards: bool = False) -> Select[Contact]:
    if not policy.can_read_clinical(viewer):
        _forget_clinical()
    return (
        select(Contact)
        .join(Case, Case.id == Contact.case_id)
        .where(policy.case_visibility(viewer))
        .options(*contact_loads(viewer, cards=cards))
    )


def case_contacts(case_id: int, viewer: User, *, limit: int | None = None) -> list[Contact]:
    """A case's contacts, newest first, loaded for `viewer` (none if the case is not visible).

    With `limit`, only the newest ones: the full history is paged on the person's timeline.
    """
    stmt = (
        _visible_contacts(viewer)
        .where(Contact.case_id == case_id)
        .order_by(Contact.occurred_at.desc(), Contact.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique())


def case_contacts_and_count(
    case_id: int, viewer: User, *, limit: int | None = None
) -> tuple[list[Contact], int]:
    """The newest `limit` contacts of a case (as case_contacts) and how many it has in all,
    in one query: the count is a window over the rows before the LIMIT. For the contact
    cards of a page that has the case loaded (contact_loads with `cards`)."""
    stmt = (
        _visible_contacts(viewer, cards=True)
        .add_columns(func.count().over().label("total"))
        .where(Contact.case_id == case_id)
        .order_by(Contact.occurred_at.desc(), Contact.id.desc())
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = db.session.execute(stmt).unique().all()
    return [contact for contact, _ in rows], (rows[0][1] if rows else 0)


def count_case_contacts(case_id: int) -> int:
    """How many contacts a case has (for "showing 20 of 312")."""
    return db.session.execute(
        select(func.count()).select_from(Contact).where(Contact.case_id == case_id)
    ).scalar_one()


def person_contacts(
    person_id: int,
    viewer: User,
    *,
    before: datetime | None = None,
    limit: int | None = None,
) -> list[Contact]:
    """A person's contacts on every case the viewer may see, newest first (for the timeline).

    `before` and `limit` page through a long history by time (keyset), never by offset.
    For the contact cards of the timeline, which has the person's visible cases loaded
    (timeline.visible_cases; contact_loads with `cards`).
    """
    stmt = (
        _visible_contacts(viewer, cards=True)
        .where(Contact.person_id == person_id)
        .order_by(Contact.occurred_at.desc(), Contact.id.desc())
    )
    if before is not None:
        stmt = stmt.where(Contact.occurred_at < before)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique())


def person_addenda(
    person_id: int, viewer: User, *, before: datetime | None = None, limit: int | None = None
) -> list[Addendum]:
    """Addenda to a person's visible contacts, newest first, clinical text only for clinical readers."""
    stmt = (
        select(Addendum)
        .join(Contact, Contact.id == Addendum.contact_id)
        .join(Case, Case.id == Contact.case_id)
        .where(Contact.person_id == person_id, policy.case_visibility(viewer))
        .options(joinedload(Addendum.author))
        .order_by(Addendum.created_at.desc(), Addendum.id.desc())
    )
    if not policy.can_read_clinical(viewer):
        _forget_clinical()
        stmt = stmt.options(*withheld(Addendum, clinical=False))
    if before is not None:
        stmt = stmt.where(Addendum.created_at < before)
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt))


def get_visible_contact(viewer: User, contact_id: int) -> Contact:
    """One contact with its case and person, loaded for `viewer`; 404 if its case is hidden."""
    stmt = (
        _visible_contacts(viewer)
        .where(Contact.id == contact_id)
        .options(joinedload(Contact.case).joinedload(Case.person))
    )
    contact = db.session.scalars(stmt).unique().one_or_none()
    if contact is None:
        abort(404)
    return contact


def contact_exists(contact_uuid: uuid_module.UUID) -> bool:
    """Whether a contact was already saved under this uuid."""
    return db.session.scalar(select(Contact.id).where(Contact.uuid == contact_uuid)) is not None


def team_members(team_id: int | None) -> list[User]:
    """The team's current members, officers then clinicians, by name (for "who was present")."""
    if team_id is None:
        return []
    stmt = (
        select(User)
        .join(TeamMembership, TeamMembership.user_id == User.id)
        .where(TeamMembership.team_id == team_id, TeamMembership.left_at.is_(None))
        .order_by(User.role != Role.OFFICER, User.full_name)
    )
    members = list(db.session.scalars(stmt))
    _remember_member_ids(team_id, members)
    return members


def members_of(team: Team | None) -> list[User]:
    """As team_members, from a team loaded with its memberships and their users."""
    if team is None:
        return []
    members = sorted(
        (m.user for m in team.memberships if m.left_at is None),
        key=lambda u: (u.role is not Role.OFFICER, u.full_name),
    )
    _remember_member_ids(team.id, members)
    return members


def current_member_ids(team_id: int | None) -> set[int]:
    """Ids of the team's current members (reusing what this request already loaded)."""
    if team_id is None:
        return set()
    ids: frozenset[int] = request_state.kept(
        lambda s: s.member_ids,
        team_id,
        lambda: frozenset(
            db.session.scalars(
                select(TeamMembership.user_id).where(
                    TeamMembership.team_id == team_id, TeamMembership.left_at.is_(None)
                )
            )
        ),
    )
    return set(ids)


def _remember_member_ids(team_id: int, members: list[User]) -> None:
    request_state.keep(lambda s: s.member_ids, team_id, frozenset(u.id for u in members))


def contact_by_uuid(contact_uuid: uuid_module.UUID) -> Contact | None:
    """The contact saved under this uuid, with participants and risk factors, or None.

    The answer is kept for the rest of the transaction (a form's check and the service
    then ask once); after a rollback (say, a concurrent copy won the insert) it is asked
    again.
    """
    state = request_state.current()
    if state is not None and contact_uuid in state.contact_by_uuid:
        transaction, contact = state.contact_by_uuid[contact_uuid]
        if transaction is db.session().get_transaction():
            return contact
    contact = (
        db.session.scalars(_contact_by_uuid_statement(), {"uuid": contact_uuid})
        .unique()
        .one_or_none()
    )
    remember_contact_uuid(contact_uuid, contact)
    return contact


def contact_by_uuid_and_recent(
    contact_uuid: uuid_module.UUID | None,
    *,
    case_id: int,
    recorded_by_id: int,
    occurred_at: datetime,
    since: datetime,
) -> tuple[Contact | None, list[Contact]]:
    """In one query (the contact form's save has none to spare): the contact saved under
    this uuid, as contact_by_uuid finds it (and kept for the transaction likewise), and
    the contacts this user saved on this case, for the same time, since `since`. The
    second half is one entry of the (case_id, occurred_at) index."""
    recent = and_(
        Contact.case_id == case_id,
        Contact.occurred_at == occurred_at,
        Contact.recorded_by_id == recorded_by_id,
        Contact.recorded_at >= since,
    )
    found = (
        db.session.scalars(
            select(Contact)
            .options(joinedload(Contact.participants), joinedload(Contact.risk_factors))
            .where(recent if contact_uuid is None else or_(Contact.uuid == contact_uuid, recent))
            .order_by(Contact.recorded_at.desc(), Contact.id.desc())
        )
        .unique()
        .all()
    )
    saved = next((c for c in found if c.uuid == contact_uuid), None)
    if contact_uuid is not None:
        remember_contact_uuid(contact_uuid, saved)
    return saved, [c for c in found if c is not saved]


def _contact_by_uuid_statement() -> Select[Contact]:
    """contact_by_uuid's statement; the uuid is the parameter `uuid` (0.2 ms to build,
    once per save: not worth keeping)."""
    return (
        select(Contact)
        .options(joinedload(Contact.participants), joinedload(Contact.risk_factors))
        .where(Contact.uuid == bindparam("uuid", type_=Contact.__table__.c.uuid.type))
    )


def remember_contact_uuid(contact_uuid: uuid_module.UUID, contact: Contact | None) -> None:
    """Note what contact_by_uuid would now find, for the current transaction."""
    request_state.keep(
        lambda s: s.contact_by_uuid, contact_uuid, (db.session().get_transaction(), contact)
    )

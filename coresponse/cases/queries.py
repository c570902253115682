"""Read paths for cases, always filtered by what the user may see."""

from __future__ import annotations

from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from coresponse.auth.models import User
from coresponse.cases.models import Case
from coresponse.extensions import db
from coresponse.people.models import Person
from coresponse.privacy.policy import case_visibility


def get_visible_case(user: User, case_id: int, *, with_person: bool = True) -> Case:
    """The case with its person (addresses, phones, languages) and team, or a 404.

    A case the user may not see is indistinguishable from one that does not exist.
    """
    stmt = select(Case).where(Case.id == case_id, case_visibility(user))
    stmt = stmt.options(joinedload(Case.team))
    if with_person:
        stmt = stmt.options(
            joinedload(Case.person).options(
                selectinload(Person.addresses),
                selectinload(Person.phones),
                selectinload(Person.languages),
                selectinload(Person.aliases),
            )
        )
    case = db.session.scalar(stmt)
    if case is None:
        abort(404)
    return case

"""Field mode's case cards: the list of open cases carries what to know before a visit,
the clinical part for clinical readers only."""

from __future__ import annotations

from sqlalchemy import select

from coresponse.auth.tokens import create_token
from coresponse.extensions import db
from coresponse.people.models import PersonLanguage
from tests.api.conftest import ApiClient
from tests.people.test_brief import build_brief_world


def _cases(app, user) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    _, token = create_token(user, name="brief", by=user)
    db.session.commit()
    return ApiClient(app.test_client(), token).get("/api/v1/cases").get_json()["items"]


def test_the_clinician_gets_the_brief_with_risk_and_connections(app) -> None:  # type: ignore[no-untyped-def]
    person, case, _officer, clinician = build_brief_world()
    (item,) = (i for i in _cases(app, clinician) if i["id"] == case.id)
    brief = item["brief"]
    assert set(brief["safety_flags"]) == {"harm_to_self", "weapons_access"}
    assert brief["whereabouts"] == "Often at the bodega on the corner after 6 pm."
    assert brief["languages"] == list(
        db.session.scalars(
            select(PersonLanguage.language)
            .where(PersonLanguage.person_id == person.id)
            .order_by(PersonLanguage.position)
        )
    )
    assert brief["last_contact"]["type"] == "in_person_home"
    assert brief["last_contact"]["outcome"] == "not_found"
    assert brief["next_contact_planned_at"] is not None
    assert brief["latest_risk"] == "high"
    assert brief["connections_in_progress"] == 1


def test_the_officer_gets_the_operational_brief(app) -> None:  # type: ignore[no-untyped-def]
    _person, case, officer, _clinician = build_brief_world()
    (item,) = (i for i in _cases(app, officer) if i["id"] == case.id)
    brief = item["brief"]
    assert brief["safety_flags"] == ["weapons_access"]  # harm to self is clinical
    assert brief["last_contact"]["outcome"] == "not_found"
    assert "latest_risk" not in brief and "connections_in_progress" not in brief

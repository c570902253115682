"""Referrals through the API link only to people the caller may see."""

from __future__ import annotations

from sqlalchemy import func, select

from coresponse.clock import utcnow
from coresponse.extensions import db
from coresponse.referrals.models import Referral
from tests.api.helpers import assert_documented
from tests.factories import current_contact_details


def _referrals() -> int:
    return db.session.scalar(select(func.count()).select_from(Referral))


def test_another_teams_person_is_refused_like_an_unknown_id(app, world, api) -> None:  # type: ignore[no-untyped-def]
    theirs = world.other_case.person_id
    body = {"source": "hospital", "received_at": utcnow().isoformat(), "reason": "ER discharge"}
    before, referrals = current_contact_details(theirs), _referrals()
    client = api(world.clinician)
    refused = client.post("/api/v1/referrals", json={**body, "person_id": theirs})
    assert refused.status_code == 422
    assert_documented(app, refused, "/api/v1/referrals", "POST")
    assert refused.get_json()["errors"] == [
        {"field": "person_id", "message": "There is no person with this id."}
    ]
    unknown = client.post("/api/v1/referrals", json={**body, "person_id": theirs + 1000})
    assert (unknown.status_code, unknown.get_json()) == (422, refused.get_json())
    assert _referrals() == referrals
    db.session.expire_all()
    assert current_contact_details(theirs) == before
    # The team's own person is linked as before.
    ours = client.post("/api/v1/referrals", json={**body, "person_id": world.case.person_id})
    assert ours.status_code == 201 and ours.get_json()["person_id"] == world.case.person_id


def test_a_phone_with_too_many_digits_is_refused_not_a_server_error(app, world, api) -> None:  # type: ignore[no-untyped-def]
    """Found by schemathesis on PostgreSQL: 39 digits passed the text limit (40) and broke
    the 20-character column of digits kept for matching (a 500)."""
    body = {
        "source": "hospital", "received_at": utcnow().isoformat(), "reason": "ER discharge",
        "person": {"first_name": "Ana", "last_name": "Reyes", "phone": "0" * 39},
    }  # fmt: skip
    referrals = _referrals()
    refused = api(world.clinician).post("/api/v1/referrals", json=body)
    assert refused.status_code == 422
    assert_documented(app, refused, "/api/v1/referrals", "POST")
    assert "more than 15 digits" in refused.get_json()["detail"]
    assert _referrals() == referrals

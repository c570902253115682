"""The API's hot paths stay within the statement budget of the pages (issue 6): at most 8."""

from __future__ import annotations

from coresponse.auth.tokens import create_token
from coresponse.extensions import db
from tests.api.conftest import ApiClient
from tests.api.helpers import contact_body
from tests.factories import make_case

BUDGET = 8
# A save also keeps the outcome tallies (reports/tallies.py): its turn on the person
# (one UPDATE that changes nothing), the person's cells before and after the flush, one
# statement each, and one upsert of the difference.
TALLY_UPKEEP = 4


def _client(app, user) -> ApiClient:  # type: ignore[no-untyped-def]
    _, token = create_token(user, name="budget", by=user)
    db.session.commit()
    client = ApiClient(app.test_client(), token)
    client.get("/api/v1/me")  # the token's once-a-minute last-use write happens here
    return client


def test_listing_cases_is_within_budget_whatever_the_page_size(app, world, statements) -> None:  # type: ignore[no-untyped-def]
    client = _client(app, world.officer)
    for _ in range(6):
        make_case(world.team)
    db.session.commit()
    with statements() as small:
        assert len(client.get("/api/v1/cases?limit=2").get_json()["items"]) == 2
    with statements() as large:
        assert len(client.get("/api/v1/cases?limit=50").get_json()["items"]) == 7
    assert len(small) == len(large) <= BUDGET, large


def test_posting_a_contact_is_within_budget(app, world, statements) -> None:  # type: ignore[no-untyped-def]
    """The usual tablet save: the recorder alone, notes and a risk level."""
    client = _client(app, world.clinician)
    body = contact_body(world.case, clinical_note="Calm.", risk_level="low")
    with statements() as new:
        assert client.post("/api/v1/contacts", json=body).status_code == 201
    assert len(new) <= BUDGET + TALLY_UPKEEP, "\n".join(new)
    assert sum("outcome_tally" in s for s in new) == 1  # one upsert of every cell
    with statements() as retry:
        assert client.post("/api/v1/contacts", json=body).status_code == 200
    # The retry also reads the contact back, and stores nothing: no tally is touched.
    assert len(retry) <= BUDGET + 4, "\n".join(retry)
    assert not [s for s in retry if "outcome_tally" in s]


def test_the_token_query_also_reads_the_users_team_and_grants(app, world, statements) -> None:  # type: ignore[no-untyped-def]
    """As the login session's does: no request of a token asks for the team again, and
    case visibility needs no break-glass subquery."""
    client = _client(app, world.clinician)
    with statements() as sent:
        assert client.get("/api/v1/cases").status_code == 200
        assert client.post("/api/v1/contacts", json=contact_body(world.case)).status_code == 201
    for table in ("team_membership", "break_glass_access"):
        assert not [s for s in sent if f"FROM {table}" in s and "api_token" not in s], sent

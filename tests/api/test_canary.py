"""Through the API too, non-clinical roles never receive clinical content or clinical keys.

The world of tests/test_privacy_canary.py (canary strings in every clinical place) is
read with a token through every GET endpoint of the API.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from coresponse.auth.models import Discipline, Role
from coresponse.auth.tokens import create_token
from coresponse.extensions import db
from tests.api.conftest import ApiClient
from tests.factories import make_user
from tests.test_privacy_canary import CANARIES, world  # noqa: F401  (the canary world fixture)

CLINICAL_KEYS = {"clinical_note", "risk_level", "risk_factors", "clinical_text"}
# Values only clinical readers may receive (a risk factor, a clinical referral indicator).
CLINICAL_VALUES = (
    "suicidal_ideation", "substance_use", "substance_use_program", "connected_to_care",
)  # fmt: skip


# The outcome reports: aggregates, about no one (see the last test).
AGGREGATES = "/api/v1/reports/"


def api_get_urls(app: Flask, ids: dict[str, Any]) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api.") or "GET" not in rule.methods:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", str(ids[arg])).replace(f"<{arg}>", str(ids[arg]))
        urls.append(url)
    person, closed = ids["person_id"], ids["closed_case_id"]
    return [
        *urls,
        f"/api/v1/cases/{closed}",
        f"/api/v1/people/{ids['closed_person_id']}/timeline",
        *(f"/api/v1/people/{person}/timeline?kind={kind}"
          for kind in ("referral", "case", "contact", "addendum", "linkage")),
    ]  # fmt: skip


def keys(value: Any) -> set[str]:
    """Every key anywhere in a JSON document."""
    if isinstance(value, dict):
        return set(value) | set().union(*(keys(v) for v in value.values()))
    if isinstance(value, list):
        return set().union(*(keys(v) for v in value)) if value else set()
    return set()


def fetch_all(app: Flask, user, ids) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    _, token = create_token(user, name="canary", by=user)
    db.session.commit()
    client = ApiClient(app.test_client(), token)
    bodies = {}
    for url in api_get_urls(app, ids):
        if url.endswith("/openapi.json"):
            continue  # the description of the API names every field; it is about no one
        response = client.get(url)
        assert response.status_code < 500, url
        bodies[url] = (response.status_code, response.get_data(as_text=True), response.get_json())
    return bodies


def test_a_clinician_on_the_team_receives_the_clinical_content(app: Flask, world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    bodies = fetch_all(app, world["clinician"], world["ids"])
    seen = "".join(text for _, text, _ in bodies.values())
    for name in ("clinical_note", "addendum", "linkage", "provider", "reason", "triage_note",
                 "closing_note", "reopening_note", "addendum_reason", "other_closing_note"):  # fmt: skip
        assert CANARIES[name] in seen, name  # so the test below can fail
    assert set().union(*(keys(data) for _, _, data in bodies.values())) >= CLINICAL_KEYS


@pytest.mark.parametrize("who", ["officer", "police_supervisor", "analyst", "admin"])
def test_no_canary_or_clinical_key_reaches_non_clinical_roles(app: Flask, world, who: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    user = {
        "officer": world["officer"],
        "police_supervisor": make_user(Role.SUPERVISOR, discipline=Discipline.POLICE),
        "analyst": make_user(Role.ANALYST),
        "admin": make_user(Role.ADMIN),
    }[who]
    bodies = fetch_all(app, user, world["ids"])
    ok = [url for url, (status, _, _) in bodies.items() if status == 200]
    if who in ("officer", "police_supervisor"):
        assert len(ok) >= 6, ok  # they do read the case, person, timeline and contact
    for url, (_status, text, data) in bodies.items():
        for name, canary in CANARIES.items():
            assert canary not in text, (who, url, name)
        assert not CLINICAL_KEYS & keys(data), (who, url, CLINICAL_KEYS & keys(data))
        if url.startswith(AGGREGATES):
            # Counts of no one: "aggregates leave the clinical team only with small cells
            # suppressed" (DOMAIN.md), so the reports name closure reasons and kinds of
            # connection as rows; tests/api/test_reports.py holds them to the small-cell rule.
            continue
        for value in CLINICAL_VALUES:
            assert f'"{value}"' not in text, (who, url, value)

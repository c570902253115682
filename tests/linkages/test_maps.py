"""The provider directory's map, and the nearest providers' map on the connection form."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from sqlalchemy import func, select

from coresponse.audit.models import AuditEvent
from coresponse.auth.models import Role
from coresponse.extensions import db
from coresponse.linkages.models import LinkageKind
from tests.factories import make_case, make_staffed_team, make_user
from tests.linkages.helpers import make_provider


@pytest.fixture
def directory(app: Flask) -> dict[str, object]:
    clinic = make_provider(name="Eastern Parkway Clinic", latitude=40.669, longitude=-73.94)
    full = make_provider(name="Full Clinic", accepting_referrals=False)
    unplaced = make_provider(name="Nowhere Clinic", latitude=None, longitude=None)
    housing = make_provider(LinkageKind.HOUSING, name="Atlantic Housing")
    retired = make_provider(name="Retired Clinic", active=False)
    db.session.commit()
    return {"clinic": clinic, "full": full, "unplaced": unplaced, "housing": housing,
            "retired": retired}  # fmt: skip


def _names(client, query: str = "") -> list[str]:  # type: ignore[no-untyped-def]
    response = client.get(f"/providers/map.json{query}")
    assert response.status_code == 200
    return [p["name"] for p in response.get_json()["providers"]]


def test_the_map_shows_what_the_directory_filter_finds_with_a_point(directory, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.OFFICER))
    before = db.session.scalar(select(func.max(AuditEvent.id))) or 0
    assert _names(client) == ["Atlantic Housing", "Eastern Parkway Clinic", "Full Clinic"]
    assert _names(client, "?kind=housing") == ["Atlantic Housing"]
    assert _names(client, "?accepting=1") == ["Atlantic Housing", "Eastern Parkway Clinic"]
    # Retired providers only for those who keep the directory, as on the page.
    assert "Retired Clinic" not in _names(client, "?inactive=1")
    (clinic,) = client.get("/providers/map.json?kind=outpatient_clinic&accepting=1").get_json()[
        "providers"
    ]
    assert clinic == {
        "id": directory["clinic"].id, "rank": None, "name": "Eastern Parkway Clinic",
        "kind": "Outpatient clinic", "address": directory["clinic"].address,
        "phone": "(718) 555-0100", "languages": "English, Spanish", "accepting": True,
        "active": True, "point": [40.669, -73.94], "distance": None,
    }  # fmt: skip
    # A provider is no one's personal data: nothing to audit.
    db.session.expire_all()
    assert (db.session.scalar(select(func.max(AuditEvent.id))) or 0) == before


def test_those_who_keep_the_directory_may_map_retired_providers(directory, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.CLINICIAN))
    assert "Retired Clinic" in _names(client, "?inactive=1")


def test_the_directory_page_points_its_map_at_the_same_filter(directory, login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.OFFICER))
    html = client.get("/providers/?kind=housing&accepting=1").get_data(as_text=True)
    element = BeautifulSoup(html, "html.parser").select_one('[data-map="providers"]')
    assert element["data-url"] == "/providers/map.json?kind=housing&accepting=1"


@pytest.mark.parametrize("kind", ["nonsense", "family%00"])
def test_an_unknown_kind_is_a_400(directory, login, kind) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.OFFICER))
    assert client.get(f"/providers/map.json?kind={kind}").status_code == 400


def test_the_connection_form_maps_the_nearest_providers_numbered_as_listed(app, login) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    case = make_case(team)  # the person lives at 40.6705, -73.894
    near = make_provider(name="Near Clinic", latitude=40.672, longitude=-73.90)
    far = make_provider(name="Far Clinic", latitude=40.75, longitude=-73.99)
    db.session.commit()
    client = login(clinician)
    html = client.get(f"/cases/{case.id}/linkages/new?kind=outpatient_clinic").get_data(
        as_text=True
    )
    page = BeautifulSoup(html, "html.parser")
    data = json.loads(page.select_one("#nearest-map-data").get_text())
    assert data["home"]["point"] == [40.6705, -73.894]
    assert [(p["rank"], p["name"]) for p in data["providers"]] == [
        (1, "Near Clinic"), (2, "Far Clinic")
    ]  # fmt: skip
    assert data["providers"][0]["distance"].endswith(" mi")
    listed = [
        li.select_one("strong").get_text(" ", strip=True) for li in page.select("ol.nearest li")
    ]
    assert listed == ["1. Near Clinic", "2. Far Clinic"]
    assert near.id != far.id

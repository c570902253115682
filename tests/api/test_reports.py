"""GET /api/v1/reports/outcomes: the Outcomes page's cells, small counts null and flagged."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from coresponse.auth.models import Discipline, Role, User
from coresponse.extensions import db
from tests.api.conftest import ApiClient
from tests.factories import make_user
from tests.reports import program

Api = Callable[[User | None], ApiClient]
RANGE = {"from": "2025-10-01", "to": "2025-11-30"}


@pytest.fixture
def crowded(app: object) -> None:
    program.build_crowded()
    db.session.commit()


def counts(body: dict[str, Any]) -> Iterator[tuple[int | None, bool]]:
    """Every count in the answer, as (value, suppressed)."""
    for indicator in body["indicators"]:
        for row in indicator["rows"]:
            for cell in row["cells"]:
                if indicator["kind"] == "counts" or (
                    indicator["kind"] == "durations" and row["key"] == "n"
                ):
                    yield cell["value"], cell["suppressed"]
                for part in (cell["numerator"], cell["denominator"]):
                    if part is not None:
                        yield part["value"], part["suppressed"]
    for stage in body["funnel"]:
        yield stage["count"]["value"], stage["count"]["suppressed"]


@pytest.mark.usefixtures("crowded")
@pytest.mark.parametrize(
    "group_by",
    [
        "none",
        "month",
        "team",
        "borough",
        "precinct",
        "language",
        "age_band",
        "gender",
        "race_ethnicity",
    ],
)
def test_no_count_from_1_to_10_is_in_the_answer(api: Api, group_by: str) -> None:
    response = api(make_user(Role.ANALYST)).get(
        "/api/v1/reports/outcomes", query_string={**RANGE, "group_by": group_by}
    )
    assert response.status_code == 200, response.json
    seen = list(counts(response.json))
    assert any(suppressed for _, suppressed in seen)
    for value, suppressed in seen:
        assert (value is None) if suppressed else not (value is not None and 0 < value < 11)


@pytest.mark.usefixtures("crowded")
def test_the_answer_matches_the_page(api: Api) -> None:
    body = (
        api(make_user(Role.SUPERVISOR, discipline=Discipline.CLINICAL))
        .get("/api/v1/reports/outcomes", query_string={**RANGE, "group_by": "borough"})
        .json
    )
    assert body["first_day"] == "2025-10-01" and body["group_by"] == "borough"
    assert [g["key"] for g in body["groups"]][:3] == ["MN", "BX", "BK"]
    headline = next(i for i in body["indicators"] if i["id"] == "closed_with_verified_connection")
    assert headline["headline"] and "verified" in headline["definition"]
    cells = {c["column"]: c for c in headline["rows"][0]["cells"]}
    assert cells["BK"]["value"] == 100.0
    assert cells["BK"]["numerator"] == {"value": 16, "suppressed": False}
    assert cells["BX"] == {"column": "BX", "value": None, "suppressed": True,
                           "numerator": {"value": 0, "suppressed": False},
                           "denominator": {"value": None, "suppressed": True}}  # fmt: skip
    assert body["funnel"][0] == {"key": "referred", "label": "Referred",
                                 "count": {"value": 41, "suppressed": False}}  # fmt: skip


@pytest.mark.parametrize(
    ("args", "field", "message"),
    [
        ({"from": "2025-11-30", "to": "2025-10-01"}, "to", "swap the dates"),
        ({"from": "2015-01-01", "to": "2025-10-01"}, "from", "at most 5 years"),
        ({"from": "1999-12-31", "to": "2000-01-02"}, "from", "from 2000 to 2099"),
        ({"from": "10/01/2025"}, "from", "YYYY-MM-DD"),
        ({"from": ""}, "from", "Give a value"),
        ({"group_by": "zodiac"}, "group_by", ""),
    ],
)
def test_bad_input_is_a_422_naming_the_parameter(
    api: Api, args: dict[str, str], field: str, message: str
) -> None:
    response = api(make_user(Role.ANALYST)).get("/api/v1/reports/outcomes", query_string=args)
    assert response.status_code == 422, response.json
    errors = {e["field"]: e["message"] for e in response.json["errors"]}
    assert field in errors and message in errors[field]


@pytest.mark.parametrize("role", [Role.CLINICIAN, Role.OFFICER])
def test_field_roles_get_a_403(api: Api, role: Role) -> None:
    assert api(make_user(role)).get("/api/v1/reports/outcomes").status_code == 403

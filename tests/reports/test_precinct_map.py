"""The outcomes by precinct on a map: drawn from a table of suppressed cells only."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from coresponse.auth.models import Discipline, Role
from coresponse.extensions import db
from tests.factories import make_user
from tests.reports import program
from tests.reports.test_pages import RANGE, small_counts


@pytest.fixture
def crowded(app: object) -> None:
    program.build_crowded()
    db.session.commit()


def _page(client, group_by: str) -> BeautifulSoup:  # type: ignore[no-untyped-def]
    response = client.get("/reports/", query_string={**RANGE, "group_by": group_by})
    assert response.status_code == 200
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


@pytest.mark.usefixtures("crowded")
def test_the_map_reads_the_same_suppressed_cells_as_the_bars(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ANALYST))
    page = _page(client, "precinct")
    table = page.select_one("#precinct-map-table")
    assert page.select_one('[data-map="choropleth"]')["data-table"] == "precinct-map-table"
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert headers == ["Precinct", "Referrals received", "People served",
                       "% first contact within 24 h", "% of closed cases connected"]  # fmt: skip
    rows = {
        tr["data-precinct"]: [td.get_text(strip=True) for td in tr.select("td")]
        for tr in table.select("tbody tr")
    }
    # The bars' table by precinct (the first group chart) holds the same cells.
    bars = page.select("figure.chart-hbar table")[0]
    by_label = {
        tr.select_one("th").get_text(strip=True): [
            td.get_text(strip=True) for td in tr.select("td")
        ]
        for tr in bars.select("tbody tr")
    }
    assert rows["75"][:2] == by_label["Precinct 75"]
    assert rows["105"][:2] == by_label["Precinct 105"]
    # A hidden cell carries no value for the map to colour, only the flag.
    hidden = table.select("td[data-suppressed]")
    assert hidden and all(td["data-value"] == "" and td.get_text() == "<11" for td in hidden)
    assert small_counts(str(table)) == []


@pytest.mark.usefixtures("crowded")
def test_the_police_map_has_no_connections(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR, discipline=Discipline.POLICE))
    table = _page(client, "precinct").select_one("#precinct-map-table")
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert "% of closed cases connected" not in headers


@pytest.mark.usefixtures("crowded")
@pytest.mark.parametrize("group_by", ["borough", "team", "month", "none"])
def test_only_the_report_by_precinct_has_a_map(login, group_by: str) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.ANALYST))
    page = _page(client, group_by)
    assert page.select_one('[data-map="choropleth"]') is None
    assert not page.select('link[href*="leaflet"]')

"""The maps' settings: no tile server by default, and the CSP allows a configured one's origin."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from coresponse.auth.models import Role
from coresponse.maps import MapSettingsError, tile_origin
from coresponse.security import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD, make_case, make_staffed_team, make_user


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("", None),
        (None, None),
        ("https://tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}{r}.png", "https://*.tile.example.org"),
        ("http://10.0.0.5:8080/osm/{z}/{x}/{y}.png?key=abc", "http://10.0.0.5:8080"),
    ],
)
def test_the_csp_source_of_a_tile_server_is_its_origin(url, origin) -> None:  # type: ignore[no-untyped-def]
    assert tile_origin(url) == origin


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tiles.example.org/{z}/{x}/{y}.png",
        "//tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org/tiles.png",  # no {z}/{x}/{y}
        "https://user:secret@tiles.example.org/{z}/{x}/{y}.png",
        "https://tiles.{s}.example.org/{z}/{x}/{y}.png",
        "https://tiles.example.org; script-src *; /{z}/{x}/{y}.png",
        "https://tiles.example.org:http/{z}/{x}/{y}.png",
        "https://*.example.org/{z}/{x}/{y}.png",
        "https://[::1]/{z}/{x}/{y}.png",
    ],
)
def test_a_tile_url_the_csp_cannot_hold_is_refused(url) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MapSettingsError):
        tile_origin(url)


def test_without_a_tile_server_maps_draw_the_precincts_and_images_come_from_here(login) -> None:  # type: ignore[no-untyped-def]
    person_id = make_case(make_staffed_team()[0]).person_id
    client = login(make_user(Role.SUPERVISOR))
    response = client.get(f"/people/{person_id}/location")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "img-src 'self' data:;" in CONTENT_SECURITY_POLICY
    element = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(".map")
    assert element["data-boundaries"] == "/static/geo/precincts.geojson"
    assert not element.has_attr("data-tiles")


def test_a_tile_server_is_drawn_and_allowed_by_the_csp(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(
        MAP_TILE_URL="https://{s}.tiles.example.org/{z}/{x}/{y}.png",
        MAP_ATTRIBUTION="© Example <contributors>",
    )
    with app.app_context():
        person_id = make_case(make_staffed_team()[0]).person_id
        user = make_user(Role.SUPERVISOR)
        client = app.test_client()
        client.post("/login", data={"username": user.username, "password": PASSWORD})
        map_page = f"/people/{person_id}/location"
        for url in (map_page, "/login", "/teams/"):
            csp = client.get(url).headers["Content-Security-Policy"]
            assert "img-src 'self' data: https://*.tiles.example.org;" in csp, url
            # Only images: scripts, styles and connections stay this site's alone.
            assert "script-src 'self';" in csp and "connect-src 'self';" in csp
        html = client.get(map_page).get_data(as_text=True)
        element = BeautifulSoup(html, "html.parser").select_one(".map")
        assert element["data-tiles"] == "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
        assert element["data-attribution"] == "© Example <contributors>"
        assert "<contributors>" not in html  # escaped in the attribute; the script shows it as text


def test_a_tile_url_the_csp_cannot_hold_stops_the_app_from_starting(make_app) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RuntimeError, match="MAP_TILE_URL"):
        make_app(MAP_TILE_URL="https://tiles.example.org/tiles.png")

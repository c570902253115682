"""Field mode's server side: who gets the shells, what they hold, the worker and manifest."""

from __future__ import annotations

import json

from flask import Flask

from coresponse.auth.models import Role
from coresponse.offline.assets import STATIC_FILES
from tests.factories import make_case, make_person, make_staffed_team, make_user


def test_anonymous_users_are_sent_to_login(client) -> None:  # type: ignore[no-untyped-def]
    for url in ("/field/", "/field/contact"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.headers["Location"]


def test_only_team_members_open_field_mode(login) -> None:  # type: ignore[no-untyped-def]
    client = login(make_user(Role.SUPERVISOR))
    assert client.get("/field/").status_code == 403
    assert client.get("/field/contact").status_code == 403


def test_the_shells_hold_no_person_data_and_nothing_about_the_user(login) -> None:  # type: ignore[no-untyped-def]
    team, _, _, clinician = make_staffed_team()
    person = make_person(first_name="Zenobia", last_name="Quartermaine")
    make_case(team, person)
    client = login(clinician)
    for url in ("/field/", "/field/contact?case=1"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        for private in (
            "Zenobia",
            "Quartermaine",
            "Pennsylvania",
            clinician.full_name,
            clinician.username,
        ):
            assert private not in html, (url, private)
        # The worker may keep the page, so it must not carry a session's CSRF token either.
        assert 'name="csrf_token" value=""' in html
        assert response.headers["Cache-Control"] == "no-store"


def test_the_contact_shell_offers_every_type_and_outcome(login) -> None:  # type: ignore[no-untyped-def]
    _, officer, _, _ = make_staffed_team()
    html = login(officer).get("/field/contact").get_data(as_text=True)
    for value in (
        "in_person_home",
        "phone",
        "attempt",
        "engaged",
        "not_found",
        "crisis_transport_voluntary",
    ):
        assert f'value="{value}"' in html
    assert (
        'data-transport-outcomes=\'["crisis_transport_voluntary", "crisis_transport_involuntary"]\''
        in html
    )
    assert "Clinical note" not in html and "Risk level" not in html


def test_clinicians_get_the_clinical_fields(login) -> None:  # type: ignore[no-untyped-def]
    _, _, _, clinician = make_staffed_team()
    html = login(clinician).get("/field/contact").get_data(as_text=True)
    assert "Clinical note" in html and "Suicidal ideation" in html


def test_the_service_worker_is_served_from_the_root_and_revalidated(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    script = response.get_data(as_text=True)
    first_line, _, source = script.partition("\n")
    assert first_line.startswith("self.FIELD_CONFIG = ") and first_line.endswith(";")
    config = json.loads(first_line.removeprefix("self.FIELD_CONFIG = ").removesuffix(";"))
    assert config["shells"] == ["/field/", "/field/contact"]
    assert config["manifest"] == "/manifest.webmanifest"
    # Only the shells and static files are kept: nothing under /api/, no other page.
    assert all(url.startswith("/static/") for url in config["assets"])
    assert "startsWith('/api/')" in source
    assert len(config["version"]) == 16


def test_every_file_the_worker_keeps_exists(client) -> None:  # type: ignore[no-untyped-def]
    for name in STATIC_FILES:
        response = client.get(f"/static/{name}")
        assert response.status_code == 200, name
        response.close()


def test_the_manifest_describes_an_installable_app(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    assert response.headers["Cache-Control"] == "no-cache"
    manifest = response.get_json(force=True)
    assert manifest["start_url"] == "/field/"
    assert manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        icon_response = client.get(icon["src"])
        assert icon_response.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            data = icon_response.get_data()
            assert data.startswith(b"\x89PNG\r\n\x1a\n")
            width = int.from_bytes(data[16:20], "big")
            assert f"{width}x{width}" == icon["sizes"]
        icon_response.close()


def test_the_cache_version_follows_the_files(app: Flask, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from coresponse.offline import assets

    before = assets.cache_version(app)
    app.extensions.pop("offline_cache_version")
    real = assets._static_path

    def changed(app_: Flask, name: str):  # type: ignore[no-untyped-def]
        if name == "css/field.css":
            copy = tmp_path / "field.css"
            copy.write_bytes(real(app_, name).read_bytes() + b"\n/* changed */\n")
            return copy
        return real(app_, name)

    monkeypatch.setattr(assets, "_static_path", changed)
    assert assets.cache_version(app) != before


def test_field_members_get_the_nav_link_and_every_page_the_logout_guard(login) -> None:  # type: ignore[no-untyped-def]
    _, officer, _, _ = make_staffed_team()
    html = login(officer).get("/").get_data(as_text=True)
    assert 'href="/field/">Field mode</a>' in html
    assert "js/offline/nav.js" in html
    assert "data-logout-form" in html
    assert "data-outbox-badge hidden" in html


def test_others_get_the_badge_but_no_field_mode_link(login) -> None:  # type: ignore[no-untyped-def]
    html = login(make_user(Role.SUPERVISOR)).get("/").get_data(as_text=True)
    assert "Field mode" not in html
    assert "data-outbox-badge hidden" in html
    assert "js/offline/nav.js" in html

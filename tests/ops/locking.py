"""Helpers for optimistic-locking tests: two people with the same form open."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient

from coresponse.auth.models import User
from coresponse.extensions import db
from tests.factories import PASSWORD


def logged_in(app: Flask, user: User) -> FlaskClient:
    """A browser of its own, logged in as `user` through the real form."""
    db.session.commit()
    client = app.test_client()
    response = client.post("/login", data={"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def form_version(html: str, name: str = "version") -> str:
    """The version a rendered form carries in its hidden field."""
    match = re.search(rf'name="{re.escape(name)}" type="hidden" value="(\d+)"', html)
    assert match, f"no hidden {name} field on the page"
    return match.group(1)


def assert_conflict_page(html: str, *shown: str) -> None:
    """A 409 page that says nothing was saved and shows every value in `shown`."""
    assert "Nothing you entered was saved" in html
    assert "You submitted" in html and "Stored now" in html
    for text in shown:
        assert text in html, f"{text!r} is not on the conflict page"

"""Template filters and globals: local times, navigation permissions.

The app factory registers them; the formatting itself is coresponse/formatting.py, which
services and views use too, below the permission rules this module reads.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Flask, url_for
from flask_login import current_user

from coresponse import request_state
from coresponse.clock import program_today, utcnow, zone_named
from coresponse.formatting import date_text, datetime_text, due_text, format_time
from coresponse.geo.nyc import precinct_label
from coresponse.people.models import Borough
from coresponse.privacy import policy

# Stands in for the id while a route is built once (any id the URL converters accept).
_ID_MARK = 987654321


def id_url(endpoint: str, **values: int) -> str:
    """url_for(endpoint, <name>=<id>) for a route with one integer id, as list rows need it.

    The route is built once per request and endpoint, and each row's id put in its place,
    instead of matching the URL map again for every row.
    """
    ((name, value),) = values.items()

    def split() -> tuple[str, str] | None:
        # (Any: url_for's typed keywords are its own options, not a route's values.)
        marked: dict[str, Any] = {name: _ID_MARK}
        head, mark, tail = url_for(endpoint, **marked).rpartition(str(_ID_MARK))
        return (head, tail) if mark else None

    parts = request_state.kept(lambda s: s.id_urls, (endpoint, name), split)
    if parts is None:
        given: dict[str, Any] = values
        return url_for(endpoint, **given)
    return f"{parts[0]}{int(value)}{parts[1]}"


def init_app(app: Flask) -> None:
    """Register filters and the globals the layout needs."""
    # The filters hold the app's time zone rather than look it up on every call.
    zone = zone_named(app.config["TIMEZONE"])

    def datetime_filter(dt: datetime | None, missing: str = "—") -> str:
        return missing if dt is None else datetime_text(dt.astimezone(zone))

    def date_filter(dt: datetime | None, missing: str = "—") -> str:
        return missing if dt is None else date_text(dt.astimezone(zone))

    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["due_text"] = due_text
    app.jinja_env.globals["borough_label"] = lambda code: Borough(code).label
    app.jinja_env.globals["precinct_label"] = precinct_label
    app.jinja_env.globals["program_today"] = program_today
    app.jinja_env.globals["now_utc"] = utcnow
    app.jinja_env.globals["day"] = timedelta(days=1)
    # Templates ask the same access rules the views enforce, never their own.
    app.jinja_env.globals["policy"] = policy

    @app.context_processor
    def navigation() -> dict[str, object]:
        signed_in = current_user.is_authenticated
        return {
            "program_name": app.config["PROGRAM_NAME"],
            "nav_users": signed_in and policy.can_manage_users(current_user),
            "nav_manage_teams": signed_in and policy.can_manage_teams(current_user),
            "nav_audit": signed_in and policy.can_view_audit_report(current_user),
        }

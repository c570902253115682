"""Template filters and globals: local times, navigation permissions."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any, overload

from flask import Flask, url_for
from flask_login import current_user

from coresponse import request_state
from coresponse.clock import program_today, program_zone, utcnow, zone_named
from coresponse.people.models import Borough
from coresponse.privacy import policy

# English names, as strftime's %a and %b give them in the C locale the app runs in;
# looked up instead of formatted, since a list page formats hundreds of times.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@overload
def local(dt: datetime) -> datetime: ...
@overload
def local(dt: None) -> None: ...
def local(dt: datetime | None) -> datetime | None:
    """A UTC timestamp in the program's time zone."""
    if dt is None:
        return None
    return dt.astimezone(program_zone())


def _datetime_text(value: datetime) -> str:
    return (
        f"{_DAYS[value.weekday()]} {value.day} {_MONTHS[value.month - 1]} {value.year}, "
        f"{value.hour:02d}:{value.minute:02d}"
    )


def _date_text(value: datetime) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def format_datetime(dt: datetime | None, missing: str = "—") -> str:
    """'Mon 3 Nov 2026, 14:05' in the program's time zone."""
    value = local(dt)
    return missing if value is None else _datetime_text(value)


def format_date(dt: datetime | None, missing: str = "—") -> str:
    """'3 Nov 2026' in the program's time zone."""
    value = local(dt)
    return missing if value is None else _date_text(value)


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


def format_time(value: time | None, missing: str = "—") -> str:
    return missing if value is None else f"{value:%H:%M}"


def init_app(app: Flask) -> None:
    """Register filters and the globals the layout needs."""
    # The filters hold the app's time zone rather than look it up on every call.
    zone = zone_named(app.config["TIMEZONE"])

    def datetime_filter(dt: datetime | None, missing: str = "—") -> str:
        return missing if dt is None else _datetime_text(dt.astimezone(zone))

    def date_filter(dt: datetime | None, missing: str = "—") -> str:
        return missing if dt is None else _date_text(dt.astimezone(zone))

    app.jinja_env.filters["datetime"] = datetime_filter
    app.jinja_env.filters["date"] = date_filter
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["borough_label"] = lambda code: Borough(code).label
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

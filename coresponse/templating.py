"""Template filters and globals: local times, navigation permissions."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Flask, current_app
from flask_login import current_user

from coresponse.audit.permissions import can_view_audit_report
from coresponse.auth.permissions import can_manage_users
from coresponse.db_types import utcnow
from coresponse.people.models import Borough
from coresponse.privacy import policy
from coresponse.teams.permissions import can_manage_teams


def local(dt: datetime | None) -> datetime | None:
    """A UTC timestamp in the program's time zone."""
    if dt is None:
        return None
    return dt.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def format_datetime(dt: datetime | None, missing: str = "—") -> str:
    """'Mon 3 Nov 2026, 14:05' in the program's time zone."""
    value = local(dt)
    if value is None:
        return missing
    return f"{value:%a} {value.day} {value:%b %Y, %H:%M}"


def format_date(dt: datetime | None, missing: str = "—") -> str:
    value = local(dt)
    if value is None:
        return missing
    return f"{value.day} {value:%b %Y}"


def format_time(value: time | None, missing: str = "—") -> str:
    return missing if value is None else f"{value:%H:%M}"


def init_app(app: Flask) -> None:
    """Register filters and the globals the layout needs."""
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["time"] = format_time
    app.jinja_env.globals["borough_label"] = lambda code: Borough(code).label
    app.jinja_env.globals["now_local"] = lambda: local(utcnow())
    app.jinja_env.globals["now_utc"] = utcnow
    app.jinja_env.globals["day"] = timedelta(days=1)
    # Templates ask the same access rules the views enforce, never their own.
    app.jinja_env.globals["policy"] = policy

    @app.context_processor
    def navigation() -> dict[str, object]:
        signed_in = current_user.is_authenticated
        return {
            "program_name": app.config["PROGRAM_NAME"],
            "nav_users": signed_in and can_manage_users(current_user),
            "nav_manage_teams": signed_in and can_manage_teams(current_user),
            "nav_audit": signed_in and can_view_audit_report(current_user),
        }

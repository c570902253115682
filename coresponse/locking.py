"""Optimistic locking: an edited record carries the version it was read at.

Person, Case, Linkage and Team have an integer `version` column that SQLAlchemy
checks and increments on every UPDATE (`version_id_col`). A form carries the version
it was rendered with; a service given `expected_version` refuses a stale one with
StaleRecord (409). When two saves race past that check, the ORM's own check turns the
second UPDATE into StaleDataError, which becomes the same 409: never a silent overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError
from wtforms import IntegerField
from wtforms.validators import NumberRange, Optional
from wtforms.widgets import HiddenInput

from coresponse import unit_of_work
from coresponse.audit.models import AuditAction, AuditEvent
from coresponse.auth.models import User
from coresponse.errors import Conflict
from coresponse.extensions import db
from coresponse.formatting import format_datetime

STALE_FORM = "This form is out of date; reload the page and try again."


class StaleRecord(Conflict):
    """Someone saved the record after this change was prepared from it."""

    def __init__(
        self, what: str, *, expected_version: int | None, current_version: int | None
    ) -> None:
        super().__init__(
            f"{what} was changed by someone else after you opened it. "
            "Nothing you entered was saved: look at the current record and start again.",
            field="version",
        )
        self.what = what
        self.expected_version = expected_version
        self.current_version = current_version


def check_version(record: Any, expected_version: int | None, what: str) -> None:
    """Refuse a change prepared from an older version of `record` (None: not checked)."""
    if expected_version is not None and expected_version != record.version:
        raise StaleRecord(what, expected_version=expected_version, current_version=record.version)


def flush_or_conflict(what: str, expected_version: int | None = None) -> None:
    """Flush; a concurrent save that won the race (the ORM's version check) is a StaleRecord."""
    try:
        db.session.flush()
    except StaleDataError as error:
        raise StaleRecord(what, expected_version=expected_version, current_version=None) from error


class VersionField(IntegerField):
    """The version a form was rendered with, sent back in a hidden input."""

    widget = HiddenInput()

    def __init__(self, **kwargs: Any) -> None:
        # Optional so an older page without it still saves; the ORM check still holds.
        kwargs.setdefault(
            "validators", [Optional(), NumberRange(min=1, max=2**31 - 1, message=STALE_FORM)]
        )
        super().__init__(**kwargs)

    def process_formdata(self, valuelist: list[Any]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(STALE_FORM) from error


def stamp(form: Any, record: Any) -> Any:
    """Put the record's version in a form being shown (a re-shown form keeps the sent one)."""
    if form.version.data is None:
        form.version.data = record.version
    return form


# --- The conflict page -------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    label: str
    submitted: str
    stored: str

    @property
    def differs(self) -> bool:
        return self.submitted != self.stored


@dataclass(frozen=True)
class LastChange:
    by: str | None
    at: datetime
    what: str | None = None


@dataclass
class ConflictPage:
    """What a stale save shows: what the user sent beside what is stored now."""

    what: str
    restart_url: str
    restart_label: str
    rows: list[Difference] = field(default_factory=list)
    last_change: LastChange | None = None
    note: str | None = None

    def add(self, label: str, submitted: object, stored: object) -> ConflictPage:
        self.rows.append(Difference(label, _shown(submitted), _shown(stored)))
        return self

    def render(self) -> tuple[str, int]:
        return render_template("errors/conflict.html", page=self), 409


def _shown(value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list | tuple):
        return ", ".join(_shown(v) for v in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def last_audited_change(
    record_type: str, record_id: object, *, person_id: int | None = None
) -> LastChange | None:
    """Who last created or changed this record, and when, from the audit trail."""
    stmt = (
        select(AuditEvent.at, AuditEvent.username, User.full_name, AuditEvent.detail)
        .outerjoin(User, User.id == AuditEvent.user_id)
        .where(
            AuditEvent.record_type == record_type,
            AuditEvent.record_id == str(record_id),
            AuditEvent.action.in_((AuditAction.CREATE, AuditAction.UPDATE)),
        )
        # Newest first by id: a conflicting change is recent, so this stops early.
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if person_id is not None:
        stmt = stmt.where(AuditEvent.person_id == person_id)
    row = db.session.execute(stmt).first()
    if row is None:
        return None
    return LastChange(by=row.full_name or row.username, at=row.at, what=row.detail)


# --- A race lost inside the ORM is a 409 too -------------------------------------------

_RACE_TITLE = "Someone else changed this record"
_RACE_DETAIL = (
    "Another person saved this record while you were saving. Nothing you entered was "
    "saved. Go back, reload the page to see the current record, and make your change again."
)


def init_app(app: Flask) -> None:
    """Answer StaleDataError (a save that lost the race) with a 409, never a 500."""

    @app.errorhandler(StaleDataError)
    def stale_data(error: StaleDataError) -> tuple[Response | str, int]:
        unit_of_work.discard()
        if request.path.startswith("/api/"):
            response = jsonify(
                type="urn:coresponse:problem:conflict",
                title=_RACE_TITLE,
                status=409,
                detail=_RACE_DETAIL,
            )
            response.content_type = "application/problem+json"
            return response, 409
        page = ConflictPage(
            what="this record",
            restart_url=request.referrer if _same_site(request.referrer) else "/",
            restart_label="Go back and reload",
            note=_RACE_DETAIL,
        )
        return page.render()


def _same_site(url: str | None) -> bool:
    from urllib.parse import urlsplit

    if not url:
        return False
    parts = urlsplit(url)
    return parts.netloc == request.host and parts.scheme in ("http", "https")

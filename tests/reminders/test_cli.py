"""`flask reminders run`: the e-mail digest over a real SMTP server (aiosmtpd, in this
process), an unreachable server, users without e-mail, and bad thresholds."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from sqlalchemy import select

from coresponse.auth.models import Discipline, Role
from coresponse.extensions import db
from coresponse.reminders.models import Notification
from tests.factories import make_case, make_person, make_staffed_team, make_user
from tests.reminders.helpers import cli


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Inbox:
    """An aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # aiosmtpd's hook name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def start_smtp(port: int) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, inbox


@pytest.fixture
def smtp(app: Flask) -> Iterator[Inbox]:
    port = free_port()
    controller, inbox = start_smtp(port)
    app.config.update(REMINDER_EMAIL=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=port,
                      BASE_URL="https://coresponse.example.org")  # fmt: skip
    yield inbox
    controller.stop()


@pytest.fixture
def overdue(app: Flask):  # type: ignore[no-untyped-def]
    """A case past its first-contact deadline, for a team whose second officer has no
    e-mail address, and a police supervisor."""
    team, officer_a, officer_b, clinician = make_staffed_team()
    officer_a.email = "officer.a@example.org"
    clinician.email = "clinician@example.org"
    officer_b.email = None
    sup = make_user(Role.SUPERVISOR, discipline=Discipline.POLICE, email="sgt@example.org")
    person = make_person(first_name="Zebediah", last_name="Quillfeather")
    case = make_case(team, person)
    db.session.commit()
    return {"case": case, "person": person, "officer_b": officer_b, "sup": sup,
            "staff": [officer_a, officer_b, clinician, sup]}  # fmt: skip


def test_the_digest_counts_and_links_and_names_no_one(app: Flask, smtp: Inbox, overdue) -> None:  # type: ignore[no-untyped-def]
    result = cli(app)
    assert result.exit_code == 0, result.output
    assert "4 new notifications (4 first contact overdue)" in result.output
    assert "E-mail digests: 3 sent." in result.output
    assert (
        f"No e-mail address, digest not sent (in-app notifications only): {overdue['officer_b'].username}."
        in result.output
    )
    assert sorted(m["To"] for m in smtp.messages) == [
        "clinician@example.org", "officer.a@example.org", "sgt@example.org",
    ]  # fmt: skip
    message = smtp.messages[0]
    assert message["Subject"] == "1 item needs you in CoResponse"
    text = message.as_string()
    assert "https://coresponse.example.org/notifications/" in text
    for name in ("Zebediah", "Quillfeather", *(u.full_name for u in overdue["staff"])):
        assert name not in text
    assert f"#{overdue['case'].id}" not in text  # not even the case number

    # Every minute from cron: nothing new, no e-mail again.
    again = cli(app)
    assert "0 new notifications" in again.output and "E-mail digests: 0 sent." in again.output
    assert len(smtp.messages) == 3


def test_an_unreachable_server_keeps_the_digests_pending(app: Flask, overdue) -> None:  # type: ignore[no-untyped-def]
    port = free_port()  # nothing listens there
    app.config.update(REMINDER_EMAIL=True, MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
    result = cli(app)
    assert result.exit_code == 0, result.output
    assert "4 new notifications" in result.output
    assert f"Mail server 127.0.0.1:{port} unreachable" in result.output
    assert "digests stay pending for the next run" in result.output
    pending = db.session.scalars(select(Notification.emailed_at)).all()
    assert pending == [None] * 4  # the in-app notifications are there, their e-mail pending

    controller, inbox = start_smtp(port)
    try:
        result = cli(app)
    finally:
        controller.stop()
    assert "0 new notifications" in result.output and "E-mail digests: 3 sent." in result.output
    assert len(inbox.messages) == 3
    assert None in db.session.scalars(select(Notification.emailed_at)).all()  # no e-mail: officer_b


def test_email_is_off_by_default(app: Flask, overdue) -> None:  # type: ignore[no-untyped-def]
    result = cli(app)
    assert result.exit_code == 0
    assert "E-mail digests are off (CORESPONSE_REMINDER_EMAIL)." in result.output


@pytest.mark.parametrize("value", [0, -3])
def test_a_threshold_of_zero_or_less_is_refused(
    app: Flask, client, login, overdue, value: int
) -> None:  # type: ignore[no-untyped-def]
    app.config["REMINDER_CONSENT_EXPIRY_DAYS"] = value
    result = cli(app)
    assert result.exit_code == 1
    assert (
        f"Reminders not run: CORESPONSE_REMINDER_CONSENT_EXPIRY_DAYS must be at least 1, got {value}."
        in result.output
    )
    assert db.session.scalars(select(Notification)).all() == []
    # The app itself carries on.
    assert login(overdue["sup"]).get("/notifications/").status_code == 200

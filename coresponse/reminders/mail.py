"""The e-mail digest: a count and a link, over SMTP (stdlib smtplib).

E-mail is not a safe channel for people's records: the digest names no one and says
nothing clinical, only how many items wait and where to read them.
"""

from __future__ import annotations

import contextlib
import smtplib
from email.message import EmailMessage
from typing import Any


def digest_message(*, to: str, count: int, link: str, sender: str, program: str) -> EmailMessage:
    """'3 items need you in CoResponse' with a link to the notifications page."""
    items = "1 item needs" if count == 1 else f"{count} items need"
    message = EmailMessage()
    message["Subject"] = f"{items} you in CoResponse"
    message["From"] = sender
    message["To"] = to
    message.set_content(
        f"{items} you in CoResponse ({program}).\n\n"
        f"Read them after signing in: {link}\n\n"
        "This e-mail names no one on purpose; the details are in CoResponse.\n"
    )
    return message


class Mailer:
    """One SMTP connection for a run, opened at the first message."""

    def __init__(self, config: Any) -> None:
        self.config = config
        self._smtp: smtplib.SMTP | None = None

    def send(self, message: EmailMessage) -> None:
        """Send one message; raises OSError or smtplib.SMTPException when it cannot."""
        if self._smtp is None:
            c = self.config
            smtp = smtplib.SMTP(
                c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=c["MAIL_TIMEOUT_SECONDS"]
            )
            if c.get("MAIL_USE_TLS"):
                smtp.starttls()
            if c.get("MAIL_USERNAME"):
                smtp.login(c["MAIL_USERNAME"], c.get("MAIL_PASSWORD") or "")
            self._smtp = smtp
        self._smtp.send_message(message)

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None

"""Who hands a message to the world: an SMTP server, or the console when there is none."""

from __future__ import annotations

import smtplib
import ssl
import sys
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any, Protocol

from flask import Flask


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str  # the plain-text part (every message has one)
    html: str | None = None  # the HTML part, when there is one
    headers: dict[str, str] = field(default_factory=dict)  # List-Unsubscribe and the like


class MailSender(Protocol):
    def send(self, message: Message) -> None: ...


CONSOLE_RULE = "-" * 72


def console_text(message: Message) -> str:
    """The whole message as the console shows it: headers, then the text part, framed by rules."""
    extra = [f"{name}: {value}" for name, value in message.headers.items()]
    return "\n".join((
        CONSOLE_RULE,
        "Mail not sent (no FORUM_MAIL_SERVER configured); printed here instead:",
        f"To: {message.to}",
        f"Subject: {message.subject}",
        *extra,
        "",
        message.body.rstrip("\n"),
        *(["", "(an HTML version of this message was also written)"] if message.html else []),
        CONSOLE_RULE,
        "",
    ))


class ConsoleMailSender:
    """Prints each message to standard output; keeps the last ones in ``outbox`` (tests).

    One ``write`` per message, flushed at once, so a message is never interleaved with the
    request log and shows up even when the output is a pipe (gunicorn under systemd).
    """

    def __init__(self, stream: Any = None) -> None:
        self.outbox: list[Message] = []
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        with self._lock:
            self.outbox.append(message)
            del self.outbox[:-200]
            stream = self._stream or sys.stdout
            stream.write(console_text(message))
            stream.flush()


class SMTPMailSender:
    def __init__(self, app: Flask) -> None:
        self.config = app.config

    def send(self, message: Message) -> None:
        c = self.config
        email = EmailMessage()
        email["From"] = c["MAIL_DEFAULT_SENDER"]
        email["To"] = message.to
        email["Subject"] = message.subject
        email["Date"] = formatdate(localtime=False)
        email["Message-ID"] = make_msgid()
        for name, value in message.headers.items():
            email[name] = value
        email.set_content(message.body)
        if message.html:
            email.add_alternative(message.html, subtype="html")
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (smtplib.SMTP_SSL(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=20, context=context)
                              if c["MAIL_USE_SSL"] else smtplib.SMTP(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=20))
        with smtp:
            if c["MAIL_USE_TLS"] and not c["MAIL_USE_SSL"]:
                smtp.starttls(context=context)
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
            smtp.send_message(email)

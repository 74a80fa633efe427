"""Who hands a message to the world: an SMTP server, or the console when there is none."""

from __future__ import annotations

import smtplib
import ssl
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
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


def console_text(message: Message, html_path: str | None = None) -> str:
    """The whole message as the console shows it: headers, then the text part, framed by rules;
    where its HTML part was saved, to open in a browser."""
    extra = [f"{name}: {value}" for name, value in message.headers.items()]
    return "\n".join((
        CONSOLE_RULE,
        "Mail not sent (no FORUM_MAIL_SERVER configured); printed here instead:",
        f"To: {message.to}",
        f"Subject: {message.subject}",
        *extra,
        "",
        message.body.rstrip("\n"),
        *(["", f"HTML version (open it in a browser): {html_path}"] if html_path else []),
        CONSOLE_RULE,
        "",
    ))


class ConsoleMailSender:
    """Prints each message to standard output; keeps the last ones in ``outbox`` (tests).

    One ``write`` per message, flushed at once, so a message is never interleaved with the
    request log and shows up even when the output is a pipe (gunicorn under systemd). With
    ``html_dir``, the HTML part is saved there (the newest :data:`KEEP_HTML` files) and the
    console names the file, so the branded mail can be looked at without a mail server.
    """

    KEEP_HTML = 50

    def __init__(self, stream: Any = None, html_dir: str | None = None) -> None:
        self.outbox: list[Message] = []
        self._stream = stream
        self._html_dir = Path(html_dir) if html_dir else None
        self._lock = threading.Lock()

    def send(self, message: Message) -> None:
        with self._lock:
            self.outbox.append(message)
            del self.outbox[:-200]
            stream = self._stream or sys.stdout
            stream.write(console_text(message, self._save_html(message)))
            stream.flush()

    def _save_html(self, message: Message) -> str | None:
        if not message.html or self._html_dir is None:
            return None
        try:
            self._html_dir.mkdir(parents=True, exist_ok=True)
            path = self._html_dir / f"{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:8]}.html"
            path.write_text(message.html, encoding="utf-8")
            for old in sorted(self._html_dir.glob("*.html"))[:-self.KEEP_HTML]:
                old.unlink(missing_ok=True)
        except OSError:  # a read-only folder: the text part was still printed
            return None
        return str(path)


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

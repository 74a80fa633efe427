"""Outgoing mail behind one small interface: a real SMTP sender and a log sender.

The log sender is the default (and keeps an outbox in tests), so a fresh install never
needs a mail server to show a verification link.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Protocol

from flask import Flask, current_app

log = logging.getLogger("forum.mail")


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class MailSender(Protocol):
    def send(self, message: Message) -> None: ...


class LogMailSender:
    """Writes mail to the log; keeps the last messages in ``outbox`` (tests read it)."""

    def __init__(self) -> None:
        self.outbox: list[Message] = []

    def send(self, message: Message) -> None:
        self.outbox.append(message)
        del self.outbox[:-200]
        log.info("mail to %s: %s\n%s", message.to, message.subject, message.body)


class SMTPMailSender:
    def __init__(self, app: Flask) -> None:
        self.config = app.config

    def send(self, message: Message) -> None:
        c = self.config
        email = EmailMessage()
        email["From"] = c["MAIL_DEFAULT_SENDER"]
        email["To"] = message.to
        email["Subject"] = message.subject
        email.set_content(message.body)
        context = ssl.create_default_context()
        smtp: smtplib.SMTP = (smtplib.SMTP_SSL(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=20, context=context)
                              if c["MAIL_USE_SSL"] else smtplib.SMTP(c["MAIL_SERVER"], int(c["MAIL_PORT"]), timeout=20))
        with smtp:
            if c["MAIL_USE_TLS"] and not c["MAIL_USE_SSL"]:
                smtp.starttls(context=context)
            if c["MAIL_USERNAME"]:
                smtp.login(c["MAIL_USERNAME"], c["MAIL_PASSWORD"] or "")
            smtp.send_message(email)


def init_app(app: Flask) -> None:
    sender: MailSender = SMTPMailSender(app) if app.config.get("MAIL_SERVER") else LogMailSender()
    app.extensions["forum.mail"] = sender


def send_mail(to: str, subject: str, body: str) -> None:
    """Send now. Failures are logged, never shown to the visitor (no user enumeration)."""
    try:
        current_app.extensions["forum.mail"].send(Message(to=to, subject=subject, body=body))
    except Exception:
        log.exception("could not send mail to %s", to)


def outbox() -> list[Message]:
    sender = current_app.extensions["forum.mail"]
    return sender.outbox if isinstance(sender, LogMailSender) else []

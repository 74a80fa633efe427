"""Outgoing mail behind one small interface: a real SMTP sender and a console sender.

The console sender is the default: with no ``MAIL_SERVER`` every message is printed in full
to the server's standard output (``flask run``'s terminal, gunicorn's console or journal),
each link on a line of its own, so a newcomer running the Quickstart can follow the
verification link. No web page ever shows outgoing mail: it carries reset links. The sender
also keeps the last messages in ``outbox`` (tests read it).

Delivery policy: mail never leaves inside the request that asked for it. ``send_mail`` during a
request stages the message; when the answer is ready (and only if it is not a server error, so
a failed write mails nobody) the staged messages go to the delivery: with ``MAIL_DELIVERY =
"background"`` one daemon thread per process talks to the mail server, so no page waits on SMTP
and answer times say nothing about which accounts exist. ``"inline"`` (tests) and any mail
outside a request (CLI, jobs) are sent at once. The job queue of the notifications
work replaces the thread with retries that survive a restart.
"""

from __future__ import annotations

import atexit
import logging
import queue
import smtplib
import ssl
import sys
import threading
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from flask import Flask, Response, current_app, g, has_request_context

from .models import MailMessage, MailState  # noqa: F401 - the outbox table is part of the schema

log = logging.getLogger("forum.mail")


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


class MailSender(Protocol):
    def send(self, message: Message) -> None: ...


CONSOLE_RULE = "-" * 72


def console_text(message: Message) -> str:
    """The whole message as the console shows it: headers, then the body, framed by rules."""
    return "\n".join((
        CONSOLE_RULE,
        "Mail not sent (no FORUM_MAIL_SERVER configured); printed here instead:",
        f"To: {message.to}",
        f"Subject: {message.subject}",
        "",
        message.body.rstrip("\n"),
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
        self.outbox.append(message)
        del self.outbox[:-200]
        stream = self._stream or sys.stdout
        with self._lock:
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


class BackgroundDelivery:
    """One daemon thread that sends what requests staged, started with the first message."""

    def __init__(self, sender: MailSender) -> None:
        self.sender = sender
        self._queue: queue.Queue[Message] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, messages: list[Message]) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="forum-mail", daemon=True)
                self._thread.start()
                atexit.register(self.drain, 10.0)
        for message in messages:
            self._queue.put(message)

    def drain(self, timeout: float) -> None:
        """Wait (at most ``timeout`` seconds) until everything submitted was handed to the server."""
        done = threading.Event()

        def wait_for_queue() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=wait_for_queue, daemon=True).start()
        done.wait(timeout)

    def _run(self) -> None:
        while True:
            message = self._queue.get()
            try:
                _deliver(self.sender, message)
            finally:
                self._queue.task_done()


def _deliver(sender: MailSender, message: Message) -> None:
    """Failures are logged, never shown to the visitor (no user enumeration)."""
    try:
        sender.send(message)
    except Exception:
        log.exception("could not send mail to %s", message.to)


_STAGED = "forum_staged_mail"


def init_app(app: Flask, previous: Flask | None = None) -> None:
    """``previous``: the app this one replaces in the same process; its sender and delivery
    thread carry over (one thread per process, mail it still holds is not lost)."""
    if previous is not None and "forum.mail" in previous.extensions:
        app.extensions["forum.mail"] = previous.extensions["forum.mail"]
        if "forum.mail_delivery" in previous.extensions:
            app.extensions["forum.mail_delivery"] = previous.extensions["forum.mail_delivery"]
    else:
        sender: MailSender = SMTPMailSender(app) if app.config.get("MAIL_SERVER") else ConsoleMailSender()
        app.extensions["forum.mail"] = sender
        if app.config.get("MAIL_DELIVERY", "background") == "background":
            app.extensions["forum.mail_delivery"] = BackgroundDelivery(sender)

    @app.after_request
    def _send_staged_mail(response: Response) -> Response:
        staged: list[Message] = g.pop(_STAGED, [])
        if staged and response.status_code < 500:
            app.extensions["forum.mail_delivery"].submit(staged)
        return response


def startup_notice(app: Flask) -> str | None:
    """The line the server prints at start-up when mail goes to the console (None otherwise)."""
    if app.config.get("MAIL_SERVER"):
        return None
    return (" * Mail: no FORUM_MAIL_SERVER is configured, so every message (verification and "
            "reset links included) is printed to this console.")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send after the current request's answer (see the module's policy), or now outside one."""
    message = Message(to=to, subject=subject, body=body)
    if has_request_context() and "forum.mail_delivery" in current_app.extensions:
        g.setdefault(_STAGED, []).append(message)
    else:
        _deliver(current_app.extensions["forum.mail"], message)


def drain_mail(timeout: float = 5.0) -> None:
    """Wait for the background delivery to hand over what was submitted (CLI, tests)."""
    delivery: BackgroundDelivery | None = current_app.extensions.get("forum.mail_delivery")
    if delivery is not None:
        delivery.drain(timeout)


def outbox() -> list[Message]:
    sender = current_app.extensions["forum.mail"]
    return sender.outbox if isinstance(sender, ConsoleMailSender) else []

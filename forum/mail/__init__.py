"""Outgoing mail: :func:`send_mail` is the one way to send it.

Where it goes: an SMTP server (``MAIL_SERVER``), or, with none configured, the server's console,
printed in full, each link on a line of its own, so a newcomer running the Quickstart can follow
the verification link (:mod:`forum.mail.senders`). No web page ever shows outgoing mail: it
carries reset links. The console sender keeps the last messages in ``outbox`` (tests read it).

When it leaves: never inside the request that asked for it. With ``MAIL_DELIVERY = "queue"``
(the default) :func:`send_mail` writes the message to the outbox in the caller's transaction and
the job queue sends it after the commit, at the provider's pace, never twice
(:mod:`forum.mail.delivery`): no page waits on SMTP, answer times say nothing about which accounts
exist, a failed write mails nobody, and a restart loses nothing. ``"inline"`` (the test suite)
sends at once.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app

from forum import jobs

from . import delivery as queued
from .models import MailMessage, MailState
from .senders import ConsoleMailSender, MailSender, Message, SMTPMailSender, console_text

__all__ = ["ConsoleMailSender", "MailMessage", "MailSender", "MailState", "Message", "SMTPMailSender",
           "console_text", "init_app", "outbox", "send_mail", "startup_notice"]

log = logging.getLogger("forum.mail")


def init_app(app: Flask, previous: Flask | None = None) -> None:
    """``previous``: the app this one replaces in the same process; its sender carries over (the
    console sender's outbox, one SMTP configuration per process)."""
    if previous is not None and "forum.mail" in previous.extensions:
        app.extensions["forum.mail"] = previous.extensions["forum.mail"]
    else:
        sender: MailSender = SMTPMailSender(app) if app.config.get("MAIL_SERVER") else ConsoleMailSender(
            html_dir=None if app.testing else str(Path(app.instance_path) / "mail"))
        app.extensions["forum.mail"] = sender
    # Before the domains, so the job exists when they queue mail.
    jobs.register_job(app, jobs.JobType(queued.SEND_JOB, queued.send_job, max_attempts=6, base_delay=60))
    jobs.register_job(app, jobs.JobType(queued.PRUNE_JOB, queued.prune_job, max_attempts=1))
    jobs.register_periodic(app, jobs.PeriodicJob(queued.PRUNE_JOB, {"minute": "17", "hour": "*"}))


def startup_notice(app: Flask) -> str | None:
    """The line the server prints at start-up when mail goes to the console (None otherwise)."""
    if app.config.get("MAIL_SERVER"):
        return None
    return (" * Mail: no FORUM_MAIL_SERVER is configured, so every message (verification and "
            "reset links included) is printed to this console.")


def send_mail(to: str, subject: str, body: str, *, html: str | None = None, headers: dict[str, str] | None = None,
              dedupe_key: str | None = None) -> None:
    """Send a message: text, optionally an HTML alternative and extra headers (List-Unsubscribe).

    Queued in the caller's transaction: **the caller commits** (see the module's policy). A
    ``dedupe_key`` ("notification:42") makes the same message go out once whatever retries."""
    message = Message(to=to, subject=subject, body=body, html=html, headers=dict(headers or {}))
    if current_app.config.get("MAIL_DELIVERY") == "inline":
        _deliver_now(message)
        return
    queued.stage(message, dedupe_key)


def _deliver_now(message: Message) -> None:
    """Failures are logged, never shown to the visitor (no user enumeration)."""
    try:
        current_app.extensions["forum.mail"].send(message)
    except Exception:
        log.exception("could not send mail to %s", message.to)


def outbox() -> list[Message]:
    sender = current_app.extensions["forum.mail"]
    return sender.outbox if isinstance(sender, ConsoleMailSender) else []

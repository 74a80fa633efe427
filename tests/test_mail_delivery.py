"""Mail through the outbox and the job queue, to a real SMTP server (aiosmtpd).

The SMTP sink below holds every message until the test lets it go: if a request sent mail
itself, it could not answer while the sink holds it. That is the timing leak the security test
found (7 ms for unknown accounts, 236 ms for real ones), checked without timing anything. The
rest runs the queue inline (the send job runs when the test says) to check the policy: the
provider's pace, never twice, a refusal retried, multipart with headers.
"""

from __future__ import annotations

import asyncio
import email
import socket
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from email import policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, update

from forum import jobs
from forum.db_types import utcnow
from forum.extensions import db
from forum.mail import MailMessage, MailState, send_mail
from forum.mail import delivery as mail_delivery
from tests.accounts.helpers import FAST_HASH
from tests.conftest import FormClient, make_app
from tests.factories import make_user


class HoldingSink:
    """Accepts mail only once ``release`` is set; records what it received. ``refuse`` makes
    it answer 554 (a refusal the sender hears)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.received: list[Any] = []
        self.arrived = threading.Event()
        self.refuse = False

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.arrived.set()
        if self.refuse:
            return "554 Transaction failed"
        # Waiting in a worker thread keeps aiosmtpd's event loop free for the next connection.
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 5)
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[HoldingSink]:
    handler = HoldingSink()
    with socket.socket() as probe:  # aiosmtpd's start() connects to its port, so it cannot be 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    handler.port = port  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def app_config(sink: HoldingSink) -> dict[str, Any]:
    # The queue's policy, run inline: the send job runs when run_pending() says so.
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink.port, "MAIL_USE_TLS": False,  # type: ignore[attr-defined]
            "MAIL_DELIVERY": "queue", "MAIL_RATE_PER_MINUTE": 2, **FAST_HASH}


def row(message_id: int) -> MailMessage:
    db.session.expire_all()
    found = db.session.get(MailMessage, message_id)
    assert found is not None
    return found


def messages() -> list[MailMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(MailMessage).order_by(MailMessage.id)))


# --- through the real queue: no request waits on SMTP -----------------------------------------

@pytest.mark.committing
def test_a_reset_for_a_real_account_answers_while_the_mail_server_is_still_busy(app, sink, database_url,
                                                                                 tmp_path: Path):
    served = make_app(database_url, tmp_path / "served", MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port,  # type: ignore[attr-defined]
                      MAIL_USE_TLS=False, MAIL_DELIVERY="queue", JOBS_MODE="queue",
                      QUEUE_URL="sqlite:///" + str(tmp_path / "queue.db"), QUEUE_NAME=uuid.uuid4().hex,
                      **FAST_HASH)
    served.test_client_class = FormClient
    consumer = jobs.transport(served).consumer(workers=1)
    consumer._set_signal_handlers = lambda: None
    consumer.start()
    try:
        make_user("mario", email="mario@example.com")
        db.session.commit()
        client = served.test_client()
        real = client.post_form("/password/reset", {"login": "mario"})
        unknown = client.post_form("/password/reset", {"login": "ghost"})
        assert real.status_code == unknown.status_code == 200
        # Both answers came back; the worker has the message with the sink, still unaccepted.
        assert sink.arrived.wait(15), "the reset mail never reached the SMTP server"
        assert sink.received == []
        sink.release.set()
        deadline = utcnow() + timedelta(seconds=15)
        with served.app_context():
            while not db.session.scalar(select(MailMessage.id).where(MailMessage.state == MailState.SENT)):
                assert utcnow() < deadline, "the message was never recorded as sent"
                db.session.remove()
        assert [e.rcpt_tos for e in sink.received] == [["mario@example.com"]]
        assert b"/password/reset/" in sink.received[0].original_content
    finally:
        consumer.stop(graceful=True)
        with served.app_context():
            db.engine.dispose()


def test_a_request_that_fails_sends_nothing(app, sink):
    from flask import abort

    @app.get("/_boom")
    def boom() -> Any:
        send_mail("someone@example.com", "half-done write", "should not leave")
        abort(500)

    assert app.test_client().get("/_boom").status_code == 500
    sink.release.set()
    assert jobs.run_pending() == 0
    assert messages() == [] and not sink.arrived.is_set()


# --- the policy, inline ------------------------------------------------------------------------

def test_multipart_with_its_headers_reaches_the_server(app, sink):
    sink.release.set()
    send_mail("anna@example.com", "Bruno replied", "Plain text, with a link:\nhttp://forum.test/t/1",
              html="<p>Bruno <strong>replied</strong></p>",
              headers={"List-Unsubscribe": "<http://forum.test/unsubscribe/x>",
                       "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    db.session.commit()
    jobs.run_pending()
    parsed = email.message_from_bytes(sink.received[0].original_content, policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = parsed.get_body(("html",)).get_content()
    text = parsed.get_body(("plain",)).get_content()
    assert "<strong>replied</strong>" in html and "http://forum.test/t/1" in text
    assert messages()[0].state == MailState.SENT


def test_no_more_mail_a_minute_than_the_provider_allows(app, sink):
    sink.release.set()
    for n in range(3):
        send_mail(f"member{n}@example.com", f"Message {n}", "Hello.")
    db.session.commit()
    jobs.run_pending()
    states = [m.state for m in messages()]
    assert states.count(MailState.SENT) == 2 and states.count(MailState.QUEUED) == 1  # MAIL_RATE_PER_MINUTE = 2
    assert len(sink.received) == 2
    waiting = db.session.scalar(select(jobs.Job).where(jobs.Job.state == jobs.JobState.QUEUED))
    assert waiting.attempts == 0 and waiting.run_at > utcnow() + timedelta(seconds=30)  # waits, does not fail


def test_workers_sending_together_keep_to_the_rate(app, sink, monkeypatch):
    """A message another worker is handing over counts at once; and two workers that passed the
    check together do not both send: the later claim steps back (MAIL_RATE_PER_MINUTE = 2)."""
    sink.release.set()
    for n in range(3):
        send_mail(f"member{n}@example.com", f"Message {n}", "Hello.")
    db.session.commit()
    first, second, third = messages()
    first.state, first.sent_at = MailState.SENT, utcnow()
    second.state, second.attempted_at = MailState.SENDING, utcnow()  # another worker, mid-send
    db.session.commit()
    job = next(j for j in db.session.scalars(select(jobs.Job).where(jobs.Job.name == "mail.send"))
               if j.payload == {"id": third.id})
    jobs.run(job.id)
    assert row(third.id).state == MailState.QUEUED and sink.received == []  # the check saw both
    monkeypatch.setattr(mail_delivery, "_wait_for_the_rate", lambda: None)  # as if it raced past it
    db.session.execute(update(jobs.Job).where(jobs.Job.id == job.id).values(run_at=utcnow()))
    db.session.commit()
    jobs.run(job.id)
    third_row = row(third.id)
    assert third_row.state == MailState.QUEUED and third_row.attempts == 0 and sink.received == []


def test_a_message_whose_worker_died_while_sending_is_never_sent_twice(app, sink):
    sink.release.set()
    send_mail("anna@example.com", "Reminder", "Your meetup starts soon.")
    db.session.commit()
    message = messages()[0]
    message.state = MailState.SENDING  # a worker handed it over, then died before recording it
    db.session.commit()
    job = db.session.scalar(select(jobs.Job).where(jobs.Job.name == "mail.send"))
    jobs.run(job.id)
    assert row(message.id).state == MailState.UNCERTAIN and sink.received == []
    # The admin decides: sent again, once.
    assert mail_delivery.send_again(message.id) is True
    jobs.run_pending()
    assert row(message.id).state == MailState.SENT and len(sink.received) == 1
    assert mail_delivery.send_again(message.id) is False


def test_a_refusal_is_recorded_and_retried_later(app, sink):
    sink.refuse = True
    send_mail("anna@example.com", "Welcome", "Hello.")
    db.session.commit()
    jobs.run_pending()
    message = messages()[0]
    assert message.state == MailState.FAILED and "554" in (message.last_error or "")
    job = db.session.scalar(select(jobs.Job).where(jobs.Job.name == "mail.send"))
    assert job.state == jobs.JobState.QUEUED and job.attempts == 1
    sink.refuse = False
    sink.release.set()
    job.run_at = utcnow()
    db.session.commit()
    jobs.run(job.id)
    assert row(message.id).state == MailState.SENT and len(sink.received) == 1


def test_one_key_one_message(app, sink):
    sink.release.set()
    for _ in range(2):
        send_mail("anna@example.com", "Bruno replied", "Once.", dedupe_key="notification:7")
    db.session.commit()
    jobs.run_pending()
    assert len(messages()) == 1 and len(sink.received) == 1


def test_the_accounts_mail_leaves_with_its_own_commit(app, client, sink):
    """The verification, reset and lock-notice mails queue themselves and commit (no write of the
    caller carries them)."""
    sink.release.set()
    from tests.accounts.helpers import register

    register(client)
    make_user("mario", email="mario@example.com")
    client.post_form("/password/reset", {"login": "mario"})
    jobs.run_pending()
    assert sorted(e.rcpt_tos[0] for e in sink.received) == ["giulia@example.org", "mario@example.com"]

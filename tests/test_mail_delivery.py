"""Mail leaves after the answer, through a real SMTP server (aiosmtpd), never inside the request.

The SMTP sink below holds every message until the test lets it go: if a request sent mail
itself, it could not answer while the sink holds it. That is the timing leak the security test
found (7 ms for unknown accounts, 236 ms for real ones), checked without timing anything.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from forum.mail import drain_mail
from tests.accounts.helpers import FAST_HASH
from tests.factories import make_user


class HoldingSink:
    """Accepts mail only once ``release`` is set; records what it received."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.received: list[Any] = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd calls it by this name
        self.arrived.set()
        # Waiting in a worker thread keeps aiosmtpd's event loop free for the next connection.
        await asyncio.get_running_loop().run_in_executor(None, self.release.wait, 5)
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def sink() -> Iterator[tuple[HoldingSink, int]]:
    handler = HoldingSink()
    with socket.socket() as probe:  # aiosmtpd's start() connects to its port, so it cannot be 0
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        handler.release.set()
        controller.stop()


@pytest.fixture
def app_config(sink: tuple[HoldingSink, int]) -> dict[str, Any]:
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": sink[1], "MAIL_USE_TLS": False,
            "MAIL_DELIVERY": "background", **FAST_HASH}


def test_a_reset_for_a_real_account_answers_while_the_mail_server_is_still_busy(app, client, sink):
    handler, _ = sink
    make_user("mario", email="mario@example.com")
    real = client.post_form("/password/reset", {"login": "mario"})
    unknown = client.post_form("/password/reset", {"login": "ghost"})
    assert real.status_code == unknown.status_code == 200
    # Both answers came back; the message is (or will be) with the sink, still unaccepted.
    assert handler.arrived.wait(10), "the reset mail never reached the SMTP server"
    assert handler.received == []
    handler.release.set()
    drain_mail(10)
    assert [e.rcpt_tos for e in handler.received] == [["mario@example.com"]]
    assert b"/password/reset/" in handler.received[0].original_content


def test_a_request_that_fails_sends_nothing(app, sink):
    handler, _ = sink
    from flask import abort

    from forum.mail import send_mail

    @app.get("/_boom")
    def boom() -> Any:
        send_mail("someone@example.com", "half-done write", "should not leave")
        abort(500)

    assert app.test_client().get("/_boom").status_code == 500
    handler.release.set()
    drain_mail(2)
    assert not handler.arrived.is_set() and handler.received == []

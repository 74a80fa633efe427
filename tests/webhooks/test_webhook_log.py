"""A failed delivery names its receiver in the server log and the delivery log by scheme, host
and port, never by its path (a chat webhook's path is its token)."""
from __future__ import annotations

import logging
import socket

from sqlalchemy import select

from forum.extensions import db
from forum.webhooks import services
from forum.webhooks.models import WebhookAttempt
from forum.webhooks.services import EndpointInput
from tests.factories import make_user
from tests.webhooks.conftest import run_deliveries


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_receivers_token_stays_out_of_the_server_log(app, caplog):
    admin = make_user("ada", role="admin")
    token = "T0KEN-xoxb-1234567890-SECRET"
    endpoint = services.create_endpoint(admin, EndpointInput(
        url=f"http://127.0.0.1:{_closed_port()}/services/{token}", description="", events=["post_created"],
        active=True, allow_internal=True))
    with app.test_request_context():
        services.send_ping(admin, endpoint)
    caplog.set_level(logging.WARNING)
    run_deliveries()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "connection" in logged  # the delivery did fail and was logged
    assert token not in logged, logged
    assert "http://127.0.0.1:" in logged
    attempts = [a.error for a in db.session.scalars(select(WebhookAttempt))]
    assert attempts and all(token not in (error or "") for error in attempts)

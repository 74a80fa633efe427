"""Connecting the brand end to end, as an integration would live it: a served forum (README's
``flask run``, with its in-process job queue), an admin API key and a webhook endpoint made the
way an admin makes them; the integration starts a topic over HTTP with its key, and a receiver
on loopback gets the signed ``topic_created`` delivery and checks it with the README's ten
lines. Nothing is called in-process once the server runs: HTTP in, HTTP out.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from forum.accounts.models import User
from forum.api import keys
from forum.app import create_app
from forum.extensions import db
from forum.webhooks import services as webhooks
from forum.webhooks.services import EndpointInput
from tests.factories import make_user
from tests.test_quickstart_server import ROOT, ServerConsole, free_port
from tests.webhooks.receiver import Receiver, running_receiver, verify_circolo

pytestmark = [pytest.mark.slow, pytest.mark.committing]

FLASK = str(Path(sys.executable).with_name("flask"))


def _environment(tmp_path: Path, base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORUM_", "FLASK_"))}
    env.update({
        "FORUM_SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "forum.db"),
        "FORUM_SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "FORUM_QUEUE_URL": "sqlite:///" + str(tmp_path / "queue.db"),
        "FORUM_SECRET_KEY": "integration-test-secret",
        "FORUM_PUBLIC_URL": base,
        "PYTHONUNBUFFERED": "1",
    })
    return env


def _prepare(env: dict[str, str], receiver_url: str) -> tuple[str, str]:
    """The admin's part, done once before the server starts: an admin, an integration key with
    the write scope acting as that admin, and an endpoint (an internal host, allowed by the
    admin) that hears of new topics. Returns (key secret, endpoint secret)."""
    subprocess.run([FLASK, "--app", "wsgi", "forum", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    app = create_app({key.removeprefix("FORUM_"): value for key, value in env.items() if key.startswith("FORUM_")})
    with app.test_request_context():
        admin: User = make_user("helpdesk_admin", role="admin")
        key = keys.create_admin_key(admin, "Helpdesk", ["read", "write"], acts_as=admin)
        endpoint = webhooks.create_endpoint(admin, EndpointInput(
            url=receiver_url, description="helpdesk", events=["topic_created"], active=True, allow_internal=True))
        db.session.commit()
        secrets = key.secret, endpoint.secret
        db.session.remove()
    return secrets


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Receiver, str, str]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = _environment(tmp_path, base)
    with running_receiver() as receiver:
        key_secret, endpoint_secret = _prepare(env, receiver.url("/circolo"))
        process = subprocess.Popen([FLASK, "--app", "wsgi", "run", "--port", str(port)], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        console = ServerConsole(process)
        try:
            console.wait_for(r"Running on")
            yield base, receiver, key_secret, endpoint_secret
        finally:
            process.terminate()
            process.wait(10)


def _api(base: str, key: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json", "Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=20) as response:
        return response.status, json.loads(response.read())


def test_an_integration_starts_a_topic_with_its_key_and_hears_of_it_signed(served):
    base, receiver, key, endpoint_secret = served
    _status, categories = _api(base, key, "GET", "/api/v1/categories")
    general = next(c for c in categories if c["slug"] == "general")

    status, created = _api(base, key, "POST", "/api/v1/topics", {
        "category_id": general["id"], "title": "Order 1042 arrived damaged",
        "body": "Opened from the helpdesk through the API."})
    assert status == 201 and created["held"] is False
    topic_id = created["topic"]["id"]

    # The in-process job queue delivers it after the request, on its own.
    assert receiver.hit.wait(30), "no webhook delivery reached the receiver"
    delivery = receiver.requests[0]
    assert delivery.path == "/circolo"
    headers = {k.lower(): v for k, v in delivery.headers.items()}
    assert headers["circolo-event"] == "topic_created"
    assert headers["user-agent"] == f"Circolo-Webhooks (+{base})"  # who is asking, from FORUM_PUBLIC_URL
    assert verify_circolo(endpoint_secret, delivery.body, headers["circolo-signature"])
    assert not verify_circolo("another-secret", delivery.body, headers["circolo-signature"])
    assert not verify_circolo(endpoint_secret, delivery.body + b" ", headers["circolo-signature"])

    payload = json.loads(delivery.body)
    assert payload["event"] == "topic_created"
    # The event's id stays the same if it is delivered again (receivers dedupe on it); the
    # Circolo-Delivery header names this one delivery.
    assert payload["id"].startswith("evt_") and headers["circolo-delivery"].startswith("dlv_")
    assert payload["data"]["topic"]["id"] == topic_id
    assert payload["data"]["topic"]["title"] == "Order 1042 arrived damaged"
    # Links point at the public address, never at whatever Host the request carried.
    assert payload["data"]["topic"]["url"].startswith(base + "/t/")
    # One delivery: the topic's opening post is not also announced as a reply.
    time.sleep(1.0)
    assert [r.headers.get("Circolo-Event") for r in receiver.requests] == ["topic_created"]

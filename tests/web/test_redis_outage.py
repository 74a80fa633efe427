"""Redis (the shared rate-limit storage) stops and comes back: no request fails meanwhile, limits
still hold (in each worker's memory), and counting goes back to Redis by itself.

Uses a redis-server of its own on a free port; the machine's Redis is never touched."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.accounts.helpers import FAST_HASH
from tests.factories import make_topic, make_user

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


class OwnRedis:
    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--save", "", "--appendonly", "no"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        for _ in range(100):
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except Exception:
                time.sleep(0.05)
        self.stop()  # never leave a server of ours behind
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process = None

    def keys(self) -> list[str]:
        import redis

        return [k.decode() for k in redis.Redis.from_url(self.url).scan_iter("*")]


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    pytest.importorskip("redis", reason="the redis package is not installed")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def app_config(own_redis: OwnRedis) -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": own_redis.url, "RATELIMIT_LOGIN": "5 per minute",
            **FAST_HASH}


def test_writes_login_and_search_survive_a_redis_outage_and_limits_return_to_redis(app, client, own_redis, caplog):
    caplog.set_level(logging.INFO, logger="flask-limiter")
    make_user("mario")
    topic = make_topic()
    assert client.login("mario").status_code == 302
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Before the outage."}).status_code == 302
    assert own_redis.keys(), "limits are counted in Redis while it runs"

    own_redis.stop()
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "During the outage."}).status_code == 302
    visitor = app.test_client()
    assert visitor.get("/search", query_string={"q": "outage"}).status_code < 500
    attempts = [app.test_client().login("mario", "wrong password").status_code for _ in range(6)]
    assert all(code < 500 for code in attempts)
    assert attempts[-1] == 429, "the login limit still holds, counted in memory"
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "falling back" in r.getMessage()]
    assert len(warnings) == 1, "one warning for the outage, not one per request"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "nothing failed, nothing swallowed"

    own_redis.start()  # empty: whatever is counted now was counted after it came back
    time.sleep(0.1)
    # Flask-Limiter retries the storage with a backoff (1, 2, 4 … 32 s): a loaded machine may
    # take a while; the loop ends as soon as a key appears.
    deadline = time.monotonic() + 40
    n = 0
    while not own_redis.keys() and time.monotonic() < deadline:
        n += 1
        assert visitor.get("/search", query_string={"q": f"back {n}"}).status_code < 500
        time.sleep(0.2)
    assert own_redis.keys(), "counting went back to Redis without a restart"
    assert any("recovered" in r.getMessage() for r in caplog.records)

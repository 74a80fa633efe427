"""Rate limits shared by several workers: FORUM_RATELIMIT_STORAGE_URI=redis://… (skipped without Redis)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.accounts.helpers import FAST_HASH
from tests.conftest import FormClient, make_app
from tests.factories import make_user

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_client() -> Iterator[Any]:
    redis = pytest.importorskip("redis", reason="the redis package is not installed")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); start one to run this test")
    yield client
    client.close()


@pytest.fixture
def ip(redis_client: Any) -> Iterator[str]:
    """A client address of our own, so parallel runs on one Redis never share counters."""
    value = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    yield value
    for key in redis_client.scan_iter(f"*/{value}/*"):
        redis_client.delete(key)


@pytest.fixture
def app_config(monkeypatch: pytest.MonkeyPatch, redis_client: Any) -> dict[str, Any]:
    # Configured the way an operator does it: through the environment.
    monkeypatch.setenv("FORUM_RATELIMIT_STORAGE_URI", REDIS_URL)
    return {"RATELIMIT_ENABLED": True, **FAST_HASH}


def test_the_environment_selects_redis_storage(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == REDIS_URL
    from forum.extensions import limiter

    assert limiter in app.extensions["limiter"]
    assert "redis" in type(limiter.storage).__name__.lower()


def failed_login(client: Any, token: str, ip: str) -> Any:
    return client.post("/login", data={"csrf_token": token, "login": "mario", "password": "bad guess!"},
                       environ_base={"REMOTE_ADDR": ip})


def test_login_attempts_are_counted_in_redis_and_shared_by_workers(client, app, redis_client, ip):
    make_user("mario")
    token = client.csrf_token()
    for _n in range(10):
        assert failed_login(client, token, ip).status_code == 400
    keys = [k.decode() for k in redis_client.scan_iter(f"*/{ip}/*")]
    assert any("accounts.login" in k for k in keys), keys

    # A second worker process (another app on the same Redis) sees the same counters: with memory
    # storage it would start from zero and answer 400.
    other_worker = make_app(app.config["SQLALCHEMY_DATABASE_URI"], Path(app.config["SEARCH_INDEX_DIR"]).parent,
                            RATELIMIT_ENABLED=True, **FAST_HASH)
    other_worker.test_client_class = FormClient
    with other_worker.app_context():
        other_client = other_worker.test_client()
        response = failed_login(other_client, other_client.csrf_token(), ip)
    assert response.status_code == 429

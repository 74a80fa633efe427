"""With FORUM_PUBLIC_URL set (production), only the public host is served, over HSTS."""

from __future__ import annotations

from typing import Any

import pytest

PUBLIC = "https://community.example.com"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"PUBLIC_URL": PUBLIC, "SERVER_NAME": None}


def test_the_public_host_is_served(client):
    response = client.get("/login", base_url=PUBLIC)
    assert response.status_code == 200


@pytest.mark.parametrize("host", ["attacker.example", "community.example.com.attacker.example", "localhost"])
def test_requests_for_other_hosts_are_refused(client, host):
    assert client.get("/login", base_url=f"https://{host}").status_code == 400
    assert client.get("/login", base_url=PUBLIC, headers={"Host": host}).status_code == 400


def test_https_public_url_turns_on_hsts(client):
    response = client.get("/login", base_url=PUBLIC)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")

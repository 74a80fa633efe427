"""API fixtures: keys made through forum.api.keys, and a JSON helper around the test client."""

from __future__ import annotations

from typing import Any

import pytest

from forum.api import keys


def make_key(user: Any, scopes: tuple[str, ...] = ("read", "write"), *, admin: Any = None,
             name: str = "test key") -> str:
    """A key's whole secret: a member's own key, or (``admin``) an admin key acting as ``user``."""
    if admin is not None:
        return keys.create_admin_key(admin, name, list(scopes), acts_as=user).secret
    return keys.create_user_key(user, name, list(scopes)).secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape, with the status (and code)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    assert body["error"]["message"]
    if code is not None:
        assert body["error"]["code"] == code
    return body["error"]  # type: ignore[no-any-return]


@pytest.fixture
def api_key() -> Any:
    return make_key

"""``"logout": "redirect"``: the logout goes straight to the provider and comes back with a message."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.sso.helpers import complete, local, query, sign_in, signed_in_as
from tests.sso.provider import OidcProvider, provider_config


@pytest.fixture
def app_config(oidc: OidcProvider) -> dict[str, Any]:
    return {"OIDC_PROVIDERS": [provider_config(oidc.issuer, logout="redirect")]}


def test_logout_goes_to_the_provider_and_back_with_a_message(client, oidc):
    oidc.set_account("rio")
    browser = requests.Session()
    sign_in(client, oidc, "rio", browser=browser)
    complete(client)
    response = client.post_form("/logout")
    assert response.status_code == 302 and signed_in_as(client) is None
    end_session = response.headers["Location"]
    assert end_session.startswith(f"{oidc.issuer}/session/end?")
    assert query(end_session)["post_logout_redirect_uri"] == "http://forum.test/sso/brand/signed-out"
    back = oidc.end_session(end_session, browser)
    returned = client.get(local(back))
    assert returned.status_code == 302 and returned.headers["Location"] == "/"
    assert "You are signed out of Brand ID too." in client.get("/").get_data(as_text=True)
    # Once: the same return again says nothing.
    client.get(local(back))
    assert "signed out of Brand ID" not in client.get("/").get_data(as_text=True)

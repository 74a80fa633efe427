"""One real OpenID Connect provider for the whole sso suite (tests/sso/provider.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.sso.provider import OidcProvider, account, provider_config, running_provider

GROUP_ROLES = {"forum-moderators": "moderator", "forum-admins": "admin"}
GROUP_STAFF = {"support-team": "Support", "dev-team": "Developers"}


@pytest.fixture(scope="session")
def oidc(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    accounts = {"alice": account("alice"), "bob": account("bob", email_verified=False)}
    with running_provider(tmp_path_factory.mktemp("oidc"), redirect_bases=["http://forum.test"],
                          accounts=accounts, client_ids=("circolo", "circolo-google")) as provider:
        yield provider


@pytest.fixture
def sso_providers(oidc: OidcProvider) -> list[dict[str, Any]]:
    return [provider_config(oidc.issuer, group_roles=GROUP_ROLES, group_staff_groups=GROUP_STAFF),
            provider_config(oidc.issuer, "google", client_id="circolo-google", logout="off")]


@pytest.fixture
def app_config(sso_providers: list[dict[str, Any]]) -> dict[str, Any]:
    return {"OIDC_PROVIDERS": sso_providers}


@pytest.fixture(autouse=True)
def _provider_mode_reset(oidc: OidcProvider) -> Iterator[None]:
    yield
    oidc.set_mode(tamper_id_token=False)

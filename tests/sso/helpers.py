"""Driving a sign-in: the forum through Flask's test client, the provider over real HTTP."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from forum.accounts.models import User
from forum.accounts.services import current_coc_version
from forum.extensions import db
from forum.sso.models import ExternalIdentity
from tests.sso.provider import OidcProvider

BASE = "http://forum.test"


def local(url: str) -> str:
    assert url.startswith(BASE), url
    return url[len(BASE):] or "/"


def start(client: Any, provider: str = "brand", next_url: str = "", action: str = "start") -> str:
    response = client.post_form(f"/sso/{provider}/{action}", {"next": next_url})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return str(response.headers["Location"])


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def callback_url(client: Any, oidc: OidcProvider, login: str, provider: str = "brand",
                 browser: requests.Session | None = None, action: str = "start", next_url: str = "") -> str:
    return oidc.sign_in(start(client, provider, next_url, action), login, browser)


def sign_in(client: Any, oidc: OidcProvider, login: str, provider: str = "brand",
            browser: requests.Session | None = None, action: str = "start", next_url: str = "") -> Any:
    """The forum's answer to the provider sending the browser back."""
    return client.get(local(callback_url(client, oidc, login, provider, browser, action, next_url)))


def complete(client: Any, provider: str = "brand", **fields: Any) -> Any:
    page = client.get(f"/sso/{provider}/complete")
    assert page.status_code == 200, page.get_data(as_text=True)[:500]
    html = page.get_data(as_text=True)
    username = re.search(r'name="username"[^>]*value="([^"]*)"', html)
    data = {"username": username.group(1) if username else "", "display_name": "",
            "coc_version": str(current_coc_version()), "coc_language": "en", "accept_coc": "y"}
    data.update(fields)
    return client.post_form(f"/sso/{provider}/complete", {k: v for k, v in data.items() if v is not None})


def signed_in_as(client: Any) -> str | None:
    response = client.get("/settings")
    if response.status_code != 200:
        return None
    match = re.search(r'name="display_name"[^>]*value="([^"]*)"', response.get_data(as_text=True))
    return match.group(1) if match else ""


def identity(provider: str, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.provider == provider,
                                                            ExternalIdentity.subject == subject))


def user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email_canonical == email.casefold()))

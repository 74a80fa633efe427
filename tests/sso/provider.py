"""A real OpenID Connect provider for the tests: Node's oidc-provider (tests/sso/oidc_provider.mjs)
started on loopback, and a `requests` session that signs in at it like a browser would.

Nothing here mocks the protocol: the forum talks HTTP to this provider through Authlib.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("oidc_provider.mjs")
CLIENT_SECRET = "circolo-test-secret-0123456789abcdef"
FORM_RE = re.compile(r'<form[^>]*action="([^"]+)"', re.I)
INPUT_RE = re.compile(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', re.I)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def account(sub: str, **claims: Any) -> dict[str, Any]:
    """A test account's claims (email verified unless said otherwise)."""
    base = {"email": f"{sub}@brand.example", "email_verified": True, "name": sub.title(),
            "preferred_username": sub, "locale": "en", "groups": []}
    return {**base, **claims}


@dataclass
class OidcProvider:
    issuer: str
    process: subprocess.Popen[str]

    def set_account(self, sub: str, **claims: Any) -> None:
        requests.post(f"{self.issuer}/_test/accounts/{sub}", json=account(sub, **claims), timeout=5).raise_for_status()

    def set_mode(self, **flags: Any) -> None:
        requests.post(f"{self.issuer}/_test/mode", json=flags, timeout=5).raise_for_status()

    def sign_in(self, authorize_url: str, login: str, browser: requests.Session | None = None) -> str:
        """Sign in as ``login`` at the provider (its devInteractions form) and return where it
        sends the browser back (the forum's callback URL with code and state), unfollowed."""
        browser = browser or requests.Session()
        url = authorize_url
        for _ in range(10):
            response = browser.get(url, allow_redirects=False, timeout=10)
            if response.status_code in (302, 303):
                location = urljoin(url, response.headers["Location"])
                if not location.startswith(self.issuer):
                    return location
                url = location
                continue
            assert response.status_code == 200, (response.status_code, response.text[:500])
            action = FORM_RE.search(response.text)
            assert action, response.text[:500]
            fields = {name: unescape(value) for name, value in INPUT_RE.findall(response.text)}
            if 'name="login"' in response.text:
                fields.update(login=login, password="any password")
            response = browser.post(urljoin(url, unescape(action.group(1))), data=fields, allow_redirects=False,
                                    timeout=10)
            assert response.status_code in (302, 303), (response.status_code, response.text[:500])
            url = urljoin(url, response.headers["Location"])
            if not url.startswith(self.issuer):
                return url
        raise AssertionError("the provider's sign-in did not come back")

    def end_session(self, url: str, browser: requests.Session) -> str:
        """Follow an RP-initiated logout URL, confirm on the provider's page; where it sends back."""
        response = browser.get(url, allow_redirects=False, timeout=10)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        action = FORM_RE.search(response.text)
        assert action
        fields = {name: unescape(value) for name, value in INPUT_RE.findall(response.text)}
        fields["logout"] = "yes"
        response = browser.post(urljoin(url, unescape(action.group(1))), data=fields, allow_redirects=False,
                                timeout=10)
        assert response.status_code in (302, 303), (response.status_code, response.text[:500])
        return str(response.headers["Location"])


@contextmanager
def running_provider(workdir: Path, *, redirect_bases: list[str], accounts: dict[str, Any],
                     client_ids: tuple[str, ...] = ("circolo",), port: int = 0) -> Iterator[OidcProvider]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "oidc-provider").exists():
        pytest.skip("Node and node_modules/oidc-provider are needed (npm ci)")
    clients = [{"client_id": client_id, "client_secret": CLIENT_SECRET,
                "redirect_uris": [f"{base}/sso/{pid}/callback" for base in redirect_bases
                                  for pid in ("brand", "google")],
                "post_logout_redirect_uris": [f"{base}/sso/{pid}/signed-out" for base in redirect_bases
                                              for pid in ("brand", "google")]} for client_id in client_ids]
    config = workdir / "oidc.json"
    config.write_text(json.dumps({"port": port, "clients": clients, "accounts": accounts}))
    process = subprocess.Popen([node, str(SCRIPT), str(config)], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening "):
            raise RuntimeError(f"oidc provider did not start: {line}{process.stderr.read() if process.stderr else ''}")
        issuer = line.split()[1]
        deadline = time.monotonic() + 15
        while True:
            try:
                if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("oidc provider did not answer its discovery document")
            time.sleep(0.1)
        yield OidcProvider(issuer=issuer, process=process)
    finally:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def provider_config(issuer: str, provider_id: str = "brand", client_id: str = "circolo",
                    **extra: Any) -> dict[str, Any]:
    return {"id": provider_id, "label": "Brand ID" if provider_id == "brand" else provider_id.title(),
            "issuer": issuer, "client_id": client_id, "client_secret": CLIENT_SECRET,
            "scopes": "openid email profile groups", **extra}

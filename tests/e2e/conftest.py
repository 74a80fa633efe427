"""Browser tests: the real app served over HTTP, driven by Playwright in Debian's chromium.

Run with the rest of the suite; they skip with a clear message when chromium or
Playwright is missing (``apt-get install -y chromium``; never a downloaded browser).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import make_app

CHROMIUM = os.environ.get("FORUM_CHROMIUM", "/usr/bin/chromium")
# Chromium's background services try to reach Google; this machine has no network.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


class LiveServer:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        # As in production: links in mail point at the served address, other hosts are refused.
        app.config["PUBLIC_URL"] = self.url
        app.config["TRUSTED_HOSTS"] = ["127.0.0.1"]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    @property
    def outbox(self) -> list[Any]:
        """Mail the served app sent (the log sender keeps it)."""
        return self.app.extensions["forum.mail"].outbox

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.thread.join(5)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.skip("Debian chromium is not installed (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_server(request: pytest.FixtureRequest, app: Any, database_url: str, tmp_path: Path,
                app_config: dict[str, Any]) -> Iterator[LiveServer]:
    """The app served on a free port, sharing the test's database (the ``app`` fixture made it).

    Its threads use connections of their own, so the test must see real commits."""
    if request.node.get_closest_marker("committing") is None:
        pytest.fail("a test using live_server must be marked @pytest.mark.committing")
    served = make_app(database_url, tmp_path, **{**app_config, "SERVER_NAME": None})
    with LiveServer(served) as server:
        yield server


@pytest.fixture
def page(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Rome")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors  # type: ignore[attr-defined]
    yield page
    context.close()


def login(page: Any, username: str, password: str = "correct horse battery") -> None:
    page.goto("/login")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/(?!login).*"))


def mail_link(outbox: list[Any], pattern: str) -> str:
    """The path of the last link in ``live_server.outbox`` matching ``pattern`` (e.g. "/verify/")."""
    for message in reversed(outbox):
        match = re.search(r"https?://[^/\s]+(" + pattern + r"\S*)", message.body)
        if match:
            return match.group(1)
    raise AssertionError(f"no mail with a link matching {pattern!r}")

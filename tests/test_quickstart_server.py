"""The Quickstart as a newcomer lives it: `flask run` with no mail server, register, find the
verification link in the server's console, follow it, post.

The server is the real one, started the way README's first command starts it (only the
database, index and secret live in a temporary folder, and the port is a free one, announced
through FORUM_PUBLIC_URL as an operator would). Nothing here reads an in-memory outbox: the
link must reach the console, where the person running the server is looking.
"""

from __future__ import annotations

import contextlib
import html
import http.cookiejar
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
FLASK = str(Path(sys.executable).with_name("flask"))
HIDDEN = re.compile(r'<input(?=[^>]*type="hidden")(?=[^>]*name="([^"]+)")(?=[^>]*value="([^"]*)")[^>]*>')
COC_VERSION = re.compile(r'name="coc_version"[^>]*value="(\d+)"')
PASSWORD = "lemon kettle orbit 7 walrus"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerConsole:
    """The server's standard output, line by line, read by a thread so the pipe never fills."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: list[str] = []
        self._new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)
            self._new.put(line)

    @property
    def text(self) -> str:
        return "".join(self.lines)

    def wait_for(self, pattern: str, timeout: float = 30.0) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.text)
            if match:
                return match
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"{pattern!r} never appeared in the server's console:\n{self.text}")
            with contextlib.suppress(queue.Empty):
                self._new.get(timeout=min(remaining, 0.5))


SERVERS = {
    # README's Quickstart
    "flask run": lambda port: [FLASK, "--app", "wsgi", "run", "--port", str(port)],
    # README's Production section (two workers: each prints its own mail)
    "gunicorn": lambda port: [str(Path(sys.executable).with_name("gunicorn")), "--workers", "2",
                              "--bind", f"127.0.0.1:{port}", "wsgi:app"],
}
READY = {"flask run": r"Running on", "gunicorn": r"Booting worker(?s:.*)Booting worker"}


@pytest.fixture(params=list(SERVERS))
def quickstart(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, ServerConsole]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FORUM_", "FLASK_"))}
    env.update({
        "FORUM_SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "forum.db"),
        "FORUM_SEARCH_INDEX_DIR": str(tmp_path / "search"),
        "FORUM_QUEUE_URL": "sqlite:///" + str(tmp_path / "queue.db"),  # the instance folder's stays alone
        "FORUM_SECRET_KEY": "quickstart-test-secret",
        "FORUM_PUBLIC_URL": base,
        "PYTHONUNBUFFERED": "1",
    })
    subprocess.run([FLASK, "--app", "wsgi", "forum", "init"], cwd=ROOT, env=env, check=True,
                   capture_output=True, timeout=120)
    process = subprocess.Popen(SERVERS[request.param](port), cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    console = ServerConsole(process)
    try:
        console.wait_for(READY[request.param])
        console.wait_for(r"Links in mail")
        yield base, console
    finally:
        process.terminate()
        process.wait(10)


class Browser:
    """Just enough of a browser: cookies, and forms sent with their hidden fields (the CSRF token,
    the spam guard's timer) after the few seconds a person takes to fill them in."""

    fill_seconds = 3.2  # the spam guard refuses forms sent back faster than 3 s

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> tuple[int, str, str]:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.status, response.geturl(), response.read().decode()

    def post(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        _status, _url, form_page = self.get(path)
        hidden = {name: html.unescape(value) for name, value in HIDDEN.findall(form_page)}
        assert "csrf_token" in hidden, f"no CSRF token on {path}"
        time.sleep(self.fill_seconds)
        data = urllib.parse.urlencode({**hidden, **fields}).encode()
        with self.opener.open(self.base + path, data=data, timeout=20) as response:
            return response.status, response.geturl(), response.read().decode()


@pytest.mark.committing
def test_a_newcomer_finds_the_verification_link_in_the_console_and_posts(quickstart):
    base, console = quickstart
    # The start-up banner says where mail goes, and where its links point.
    console.wait_for(r"Mail: no FORUM_MAIL_SERVER is configured")
    assert f"Links in mail and calendars point at {base}" in console.text

    browser = Browser(base)
    _status, _url, page = browser.get("/register")
    version = COC_VERSION.search(page)
    assert version
    _status, _url, page = browser.post("/register", {
        "username": "newcomer", "display_name": "New Comer", "email": "newcomer@example.org",
        "password": PASSWORD, "coc_version": version.group(1), "accept_coc": "y"})
    assert "Check your email" in page

    # The whole message is in the console, the link on a line of its own.
    mail = console.wait_for(r"To: newcomer@example\.org\nSubject: (.+)\n")
    assert "Confirm your email" in mail.group(1)
    link = console.wait_for(r"\n(" + re.escape(base) + r"/verify/\S+)\n").group(1)

    _status, _url, page = browser.post("/login", {"login": "newcomer", "password": PASSWORD})
    _status, _url, page = browser.get(link.removeprefix(base))
    assert "your email address is confirmed" in page

    _status, _url, page = browser.get("/new-topic")
    category = re.search(r'<option[^>]*value="(\d+)"[^>]*>\s*General', page)
    assert category, page
    _status, url, page = browser.post("/new-topic", {
        "category": category.group(1), "title": "Hello from the Quickstart",
        "body": "My first post, after following the link printed by the server."})
    assert "/t/hello-from-the-quickstart/" in url
    assert "My first post, after following the link printed by the server." in page

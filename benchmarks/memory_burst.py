"""Worker memory before and after a burst of large request bodies (reliability issue).

    PYTHONPATH=. .venv/bin/python benchmarks/memory_burst.py [--bodies 40] [--workers 2]

Serves a fresh embedded install with gunicorn (`pip install -e '.[prod]'`), reads the workers'
resident memory (VmRSS in /proc), sends bursts of 1 MB form bodies to /login (unauthenticated,
the cheapest way in) and 3 MB bodies (over MAX_CONTENT_LENGTH: refused with 413 before being
read), four at a time, then reads the memory again right after and after 5 s of rest. Prints
one table; numbers go to benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (ConnectionError, urllib.error.URLError):
        return 0  # the server closed a refused upload early: what we want for 413


def signed_in_opener(base: str, username: str, password: str) -> tuple[urllib.request.OpenerDirector, str]:
    """A cookie-keeping client signed in as ``username``, and a CSRF token of its session."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = opener.open(base + "/login", timeout=10).read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    opener.open(base + "/login", urllib.parse.urlencode({"csrf_token": token.group(1), "login": username,
                                                         "password": password}).encode(), timeout=10).read()
    return opener, token.group(1)


def post_with(opener: urllib.request.OpenerDirector, url: str, body: bytes) -> int:
    try:
        with opener.open(urllib.request.Request(url, data=body, method="POST"), timeout=60) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        # The expected refusal is the length check (the form comes back with the text kept),
        # not CSRF or a missing sign-in, which would measure nothing.
        assert b"Please keep it under" in error.read() or error.code != 400, "refused for another reason"
        return int(error.code)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bodies", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="circolo-memory-"))
    env = {**os.environ, "FORUM_SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'forum.db'}",
           "FORUM_SEARCH_INDEX_DIR": str(root / "search"), "FORUM_RATELIMIT_ENABLED": "false"}
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    subprocess.run([*flask, "forum", "init"], env=env, check=True, capture_output=True)
    subprocess.run([*flask, "forum", "create-user", "writer", "writer@example.org", "--password",
                    "a long enough passphrase"], env=env, check=True, capture_output=True)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-w", str(args.workers), "-b", f"127.0.0.1:{port}",
                               "wsgi:app"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        for _ in range(args.workers * 4):  # warm every worker (templates, URL map, first queries)
            urllib.request.urlopen(base + "/login", timeout=10).read()
        rows: list[tuple[str, float, str]] = []
        pids = worker_pids(server.pid)
        rows.append(("idle, after warm-up", sum(rss_mib(p) for p in pids), ""))
        # 900 KB stays under MAX_FORM_MEMORY_SIZE (1 MiB), so Werkzeug parses it in full.
        for label, size in (("900 KB bodies to /login", 900 * 1024), ("3 MB bodies to /login", 3 * 1024 * 1024)):
            login_body = b"login=someone&password=" + b"x" * size
            with ThreadPoolExecutor(4) as pool:
                statuses = list(pool.map(lambda _, b=login_body: post(base + "/login", b), range(args.bodies)))
            answers = ", ".join(f"{code}×{statuses.count(code)}" for code in sorted(set(statuses)))
            rows.append((f"right after {args.bodies} {label}", sum(rss_mib(p) for p in pids), answers))
        # A member posting 900 KB topics: refused at MAX_POST_LENGTH, the text kept in the form.
        opener, _ = signed_in_opener(base, "writer", "a long enough passphrase")
        form = opener.open(base + "/new-topic", timeout=10).read().decode()  # sign-in renewed the session
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form)
        category = re.search(r'<option[^>]*value="(\d+)"', form)
        assert token and category, "the member cannot open the new-topic form"
        body = urllib.parse.urlencode({"csrf_token": token.group(1), "category": category.group(1),
                                       "title": "A very long topic",
                                       "body": "words " * (150 * 1024)}).encode()
        with ThreadPoolExecutor(4) as pool:
            statuses = list(pool.map(lambda _: post_with(opener, base + "/new-topic", body), range(args.bodies)))
        answers = ", ".join(f"{code}×{statuses.count(code)}" for code in sorted(set(statuses)))
        rows.append((f"right after {args.bodies} 900 KB new topics (member)", sum(rss_mib(p) for p in pids), answers))
        time.sleep(5)
        rows.append(("after 5 s of rest", sum(rss_mib(p) for p in pids), ""))
        print(f"{args.workers} gunicorn workers, resident memory summed over workers (MiB)")
        print("| moment | RSS MiB | answers |\n| --- | --- | --- |")
        for label, mib, answers in rows:
            print(f"| {label} | {mib:.0f} | {answers} |")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()

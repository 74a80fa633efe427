"""A real HTTP receiver for webhook tests (http.server in a thread, on 127.0.0.1), and the
signature check of the README's example receiver (the same lines, kept identical)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


# --- the README's receiver (README.md, Webhooks, Verifying the signature: kept identical) -------
def verify_circolo(secret: str, body: bytes, header: str, tolerance: int = 300) -> bool:
    """True if ``header`` (Circolo-Signature) signs ``body`` with ``secret`` and is fresh."""
    fields = [item.strip().split("=", 1) for item in header.split(",") if "=" in item]
    stamps = [value for key, value in fields if key == "t"]
    signatures = [value.encode() for key, value in fields if key == "v1"]  # two during a rotation
    if len(stamps) != 1 or not (stamps[0].isascii() and stamps[0].isdigit()) \
            or abs(time.time() - int(stamps[0])) > tolerance:
        return False  # missing, or outside the replay window
    expected = hmac.new(secret.encode(), f"{stamps[0]}.".encode() + body, hashlib.sha256).hexdigest().encode()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)  # bytes: any input
# -------------------------------------------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    port: int = 0
    requests: list[Received] = field(default_factory=list)
    # Answers for the next requests (status, body), first used first; then 200 "ok".
    script: list[tuple[int, bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    hit: threading.Event = field(default_factory=threading.Event)

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self) -> list[bytes]:
        return [request.body for request in self.requests]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, {k: v for k, v in self.headers.items()}, body))
            receiver.hit.set()
            if self.path.startswith("/slow"):
                receiver.release.wait(5)
                return
            if self.path.startswith("/redirect"):
                self.send_response(302)
                self.send_header("Location", receiver.url("/hooks"))
                self.end_headers()
                return
            status, answer = receiver.script.pop(0) if receiver.script else (200, b"ok")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    return Handler


@contextmanager
def running_receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)

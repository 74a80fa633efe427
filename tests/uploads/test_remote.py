"""The SSRF-safe fetcher against real local HTTP(S) servers (no mocked HTTP), and its address rules."""

from __future__ import annotations

import contextlib
import gzip
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from ipaddress import ip_address
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from forum.outbound import (
    REFUSAL_CODES,
    Fetched,
    IPAddress,
    RemoteFetchRefused,
    address_is_public,
    fetch,
)

PAYLOAD = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
TINY_TIMEOUT = 0.3  # the slow endpoints outlast it; keeps the suite fast
SLOW_ENDPOINT_WAIT = 3.0  # how long /slow keeps a request hanging (released at teardown)
# Set by a dripping endpoint when the client hung up before the drip was over (a minute long).
DRIP_ABANDONED = threading.Event()


def _loopback_or_public(ip: IPAddress) -> bool:
    """The test server is on loopback; everything else must still pass the strict rules."""
    return ip.is_loopback or address_is_public(ip)


# --------------------------------------------------------------------------------------------
# A real local HTTP server
# --------------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"  # a body without Content-Length then simply ends at close
    release: threading.Event  # set at teardown so hanging endpoints let go

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        route = parts.path.strip("/").split("/")
        handler = getattr(self, "_route_" + route[0].replace("-", "_"), None)
        if handler is None:
            self._send(404, b"not found", content_type="text/plain")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the fetcher hung up on purpose
            handler(route[1:], query)

    def _send(self, status: int, body: bytes, *, content_type: str = "image/png", **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def _route_image(self, route: list[str], query: dict[str, str]) -> None:
        self._send(200, PAYLOAD, content_type=query.get("type", "image/png"))

    def _route_echo(self, route: list[str], query: dict[str, str]) -> None:
        seen = [self.headers.get(name, "") for name in ("Host", "User-Agent", "Accept-Encoding")]
        self._send(200, "\n".join(seen + [self.path]).encode(), content_type="text/plain")

    def _route_missing(self, route: list[str], query: dict[str, str]) -> None:
        self._send(404, b"gone", content_type="text/plain")

    def _route_redirect(self, route: list[str], query: dict[str, str]) -> None:
        self.send_response(int(query.get("status", "302")))
        if "location" in query:
            self.send_header("Location", query["location"])
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _route_self_redirect(self, route: list[str], query: dict[str, str]) -> None:
        self._route_redirect([], {"location": "/self-redirect"})

    def _route_chain(self, route: list[str], query: dict[str, str]) -> None:
        remaining = int(route[0])
        if remaining == 0:
            self._route_image([], {})
        else:
            self._route_redirect([], {"location": f"/chain/{remaining - 1}"})

    def _route_slow(self, route: list[str], query: dict[str, str]) -> None:
        self.release.wait(SLOW_ENDPOINT_WAIT)
        self._route_image([], {})

    def _route_drip_body(self, route: list[str], query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", "1000")
        self.end_headers()
        self._drip(b"x" * 1000)

    def _route_drip_headers(self, route: list[str], query: dict[str, str]) -> None:
        self._drip(b"HTTP/1.0 200 OK\r\n" + b"X-Filler: y\r\n" * 90)

    def _drip(self, data: bytes) -> None:
        # Each byte well within the per-read timeout: only the total deadline can stop this.
        try:
            for index in range(len(data)):
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
                if self.release.wait(TINY_TIMEOUT / 6):
                    return
        except (BrokenPipeError, ConnectionResetError):
            DRIP_ABANDONED.set()

    def _route_huge_length(self, route: list[str], query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(10**12))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def _route_unsized(self, route: list[str], query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()
        self.wfile.write(b"u" * int(query["n"]))

    def _route_short_body(self, route: list[str], query: dict[str, str]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(PAYLOAD) + 100))
        self.end_headers()
        self.wfile.write(PAYLOAD)

    def _route_chunked(self, route: list[str], query: dict[str, str]) -> None:
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for start in range(0, len(PAYLOAD), 1000):
            piece = PAYLOAD[start : start + 1000]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def _route_gzip(self, route: list[str], query: dict[str, str]) -> None:
        self._send(200, gzip.compress(PAYLOAD), Content_Encoding="gzip")

    def _route_te_gzip(self, route: list[str], query: dict[str, str]) -> None:
        self.protocol_version = "HTTP/1.1"
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Transfer-Encoding", "gzip")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(gzip.compress(PAYLOAD))


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # failed TLS handshakes and hung-up clients are what some tests do on purpose


def _serve(server: ThreadingHTTPServer) -> Iterator[int]:
    release = threading.Event()
    server.RequestHandlerClass = type("_BoundHandler", (_Handler,), {"release": release})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    yield from _serve(_QuietServer(("127.0.0.1", 0), _Handler))


def _local(port: int, path: str, **options: Any) -> Fetched:
    """Fetch from the local server, allowing its port and loopback (and nothing else)."""
    options.setdefault("allowed_ports", frozenset({port}))
    options.setdefault("address_allowed", _loopback_or_public)
    return fetch(f"http://127.0.0.1:{port}{path}", **options)


def _refusal(call: Callable[[], object]) -> RemoteFetchRefused:
    with pytest.raises(RemoteFetchRefused) as caught:
        call()
    assert caught.value.code in REFUSAL_CODES
    return caught.value


class _RecordingResolver:
    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        if host not in self.answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return self.answers[host]


# --------------------------------------------------------------------------------------------
# Fetching
# --------------------------------------------------------------------------------------------


def test_fetches_the_body_with_its_media_type_and_final_url(port: int) -> None:
    fetched = _local(port, "/image?type=IMAGE/PNG;%20charset=binary", accept_content_types=("image/",))
    assert fetched == Fetched(
        data=PAYLOAD,
        content_type="image/png",
        final_url=f"http://127.0.0.1:{port}/image?type=IMAGE/PNG;%20charset=binary",
    )


def test_permissive_policy_allows_loopback_on_an_allowed_port(port: int) -> None:
    fetched = fetch(f"http://127.0.0.1:{port}/image", address_allowed=lambda ip: True, allowed_ports=frozenset({port}))
    assert fetched.data == PAYLOAD


def test_connects_to_the_checked_address_and_names_the_original_host(port: int) -> None:
    # images.example exists only in this resolver: the fetch works only if the connection goes
    # to the address it checked instead of resolving the name again.
    resolver = _RecordingResolver({"images.example": ["127.0.0.1"]})
    fetched = fetch(
        f"http://images.example:{port}/echo/ünï%20cødé?q=ä&r=1#fragment",
        resolver=resolver,
        address_allowed=_loopback_or_public,
        allowed_ports=frozenset({port}),
        user_agent="Circolo test (+https://forum.example)",
    )
    host, user_agent, accept_encoding, path = fetched.data.decode().split("\n")
    assert host == f"images.example:{port}"
    assert user_agent == "Circolo test (+https://forum.example)"
    assert accept_encoding == "identity"
    assert path == "/echo/%C3%BCn%C3%AF%20c%C3%B8d%C3%A9?q=%C3%A4&r=1"
    assert resolver.calls == [("images.example", port)]


def test_body_without_content_length_and_chunked_bodies_are_read_whole(port: int) -> None:
    assert _local(port, "/unsized?n=1000", max_bytes=1000).data == b"u" * 1000
    assert _local(port, "/chunked").data == PAYLOAD


# --------------------------------------------------------------------------------------------
# Default policy, URL checks, DNS
# --------------------------------------------------------------------------------------------


def test_default_policy_refuses_the_local_server(port: int) -> None:
    assert _refusal(lambda: fetch(f"http://127.0.0.1:{port}/image")).code == "port"
    refused = _refusal(lambda: fetch(f"http://127.0.0.1:{port}/image", allowed_ports=frozenset({port})))
    assert refused.code == "address"
    # Port 80 passes the port rule; the address rule stops it before any connection is tried.
    assert _refusal(lambda: fetch("http://127.0.0.1/image")).code == "address"


@pytest.mark.parametrize("host", ["localhost", "2130706433", "127.1", "0x7f.1", "[::1]", "[::ffff:127.0.0.1]"])
def test_loopback_in_any_spelling_is_refused_by_its_resolved_address(host: str) -> None:
    assert _refusal(lambda: fetch(f"http://{host}/x.png")).code == "address"


@pytest.mark.parametrize(
    ("answers", "bad"),
    [
        (["93.184.215.14", "10.0.0.1"], "10.0.0.1"),
        (["10.0.0.1", "93.184.215.14"], "10.0.0.1"),
        (["2606:2800:21f:cb07:6820:80da:af6b:8b2c", "::1"], "::1"),
    ],
)
def test_one_non_public_address_among_the_answers_refuses(answers: list[str], bad: str) -> None:
    resolver = _RecordingResolver({"mixed.example": answers})
    refused = _refusal(lambda: fetch("https://mixed.example/x.png", resolver=resolver))
    assert (refused.code, f"resolves to {bad}," in refused.detail) == ("address", True)


@pytest.mark.parametrize(
    ("answers", "why"),
    [([], "no answer"), (["not-an-address"], "garbage"), (None, "resolver error")],
)
def test_unresolvable_names_are_refused_as_dns(answers: list[str] | None, why: str) -> None:
    resolver = _RecordingResolver({} if answers is None else {"img.example": answers})
    assert _refusal(lambda: fetch("http://img.example/x.png", resolver=resolver)).code == "dns", why


def test_host_names_are_idna_encoded_before_resolving() -> None:
    resolver = _RecordingResolver({"xn--bcher-kva.example": ["10.0.0.1"]})
    assert _refusal(lambda: fetch("https://Bücher.example/x.png", resolver=resolver)).code == "address"
    assert resolver.calls == [("xn--bcher-kva.example", 443)]


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/x.png", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("gopher://127.0.0.1:70/_", "scheme"),
        ("//example.com/x.png", "scheme"),
        ("http://user:secret@example.com/x.png", "credentials"),
        ("http://example.com@10.0.0.1/x.png", "credentials"),
        ("http://example.com/a b.png", "url"),
        ("http://exa\nmple.com/x.png", "url"),
        (" http://example.com/x.png", "url"),
        ("http://[::1/x.png", "url"),
        ("http:///x.png", "host"),
        ("http://a..b/x.png", "host"),
        ("http://exa%mple.com/x.png", "host"),
        ("http://example.com:8080/x.png", "port"),
        ("http://example.com:0/x.png", "port"),
        ("http://example.com:99999/x.png", "port"),
        ("http://example.com:http/x.png", "port"),
    ],
)
def test_urls_are_refused_before_any_lookup(url: str, code: str) -> None:
    resolver = _RecordingResolver({})
    assert _refusal(lambda: fetch(url, resolver=resolver)).code == code
    assert resolver.calls == []


def test_nothing_listening_is_a_connection_refusal() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    assert _refusal(lambda: _local(closed_port, "/image")).code == "connection"


# --------------------------------------------------------------------------------------------
# Redirects
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_follows_relative_redirects(port: int, status: int) -> None:
    fetched = _local(port, f"/redirect?status={status}&location=/image")
    assert (fetched.data, fetched.final_url) == (PAYLOAD, f"http://127.0.0.1:{port}/image")


def test_follows_at_most_max_redirects(port: int) -> None:
    assert _local(port, "/chain/3").final_url == f"http://127.0.0.1:{port}/chain/0"
    assert _refusal(lambda: _local(port, "/chain/4")).code == "redirects"
    assert _refusal(lambda: _local(port, "/chain/1", max_redirects=0)).code == "redirects"
    assert _refusal(lambda: _local(port, "/self-redirect")).code == "redirects"
    assert _refusal(lambda: _local(port, "/redirect")).code == "redirects"  # no Location


def test_every_redirect_goes_through_all_the_checks_again(port: int) -> None:
    resolver = _RecordingResolver({"internal.example": ["10.1.2.3"]})
    cases = {
        "file:///etc/passwd": "scheme",
        "ftp://127.0.0.1/x": "scheme",
        f"http://10.0.0.1:{port}/image": "address",
        f"http://169.254.169.254:{port}/latest/meta-data/": "address",
        f"http://internal.example:{port}/image": "address",
        "http://127.0.0.1:1/image": "port",
        f"http://user:pw@127.0.0.1:{port}/image": "credentials",
    }
    for location, code in cases.items():
        with pytest.raises(RemoteFetchRefused) as caught:
            _local(port, f"/redirect?location={location}", resolver=resolver)
        assert caught.value.code == code, location
    assert resolver.calls == [("internal.example", port)]


# --------------------------------------------------------------------------------------------
# Limits
# --------------------------------------------------------------------------------------------


def test_a_server_slower_than_the_timeout_is_refused(port: int) -> None:
    assert _refusal(lambda: _local(port, "/slow", timeout=TINY_TIMEOUT)).code == "timeout"


@pytest.mark.parametrize("path", ["/drip-body", "/drip-headers"])
def test_the_total_deadline_stops_a_server_trickling_bytes(port: int, path: str) -> None:
    DRIP_ABANDONED.clear()
    refused = _refusal(lambda: _local(port, path, timeout=TINY_TIMEOUT, deadline=2 * TINY_TIMEOUT))
    assert refused.code == "timeout"
    # The fetch hung up mid-drip, rather than reading it all and noticing the deadline after.
    assert DRIP_ABANDONED.wait(10)


def test_size_limits(port: int) -> None:
    assert _local(port, "/image", max_bytes=len(PAYLOAD)).data == PAYLOAD
    assert _refusal(lambda: _local(port, "/image", max_bytes=len(PAYLOAD) - 1)).code == "too_large"
    assert _refusal(lambda: _local(port, "/huge-length")).code == "too_large"
    assert _refusal(lambda: _local(port, "/unsized?n=1001", max_bytes=1000)).code == "too_large"
    assert _refusal(lambda: _local(port, "/unsized?n=3000000", max_bytes=1000)).code == "too_large"
    assert _refusal(lambda: _local(port, "/chunked", max_bytes=len(PAYLOAD) - 1)).code == "too_large"


def test_a_body_shorter_than_its_content_length_is_refused(port: int) -> None:
    assert _refusal(lambda: _local(port, "/short-body")).code == "connection"


@pytest.mark.parametrize("path", ["/gzip", "/te-gzip"])
def test_encoded_bodies_are_refused(port: int, path: str) -> None:
    assert _refusal(lambda: _local(port, path)).code == "encoding"


def test_only_status_200_is_accepted(port: int) -> None:
    refused = _refusal(lambda: _local(port, "/missing"))
    assert (refused.code, "404" in refused.detail) == ("status", True)


def test_content_type_prefix_filter(port: int) -> None:
    image_only = ("image/",)
    assert _local(port, "/image", accept_content_types=image_only).content_type == "image/png"
    refused = _refusal(lambda: _local(port, "/image?type=text/html", accept_content_types=image_only))
    assert refused.code == "content_type"
    assert _local(port, "/image?type=text/html").content_type == "text/html"  # no filter asked for


# --------------------------------------------------------------------------------------------
# Which addresses are public
# --------------------------------------------------------------------------------------------

PUBLIC = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.215.14",
    "100.63.255.255",  # just below shared address space
    "100.128.0.0",  # just above it
    "172.32.0.1",  # just above 172.16/12
    "192.0.1.1",
    "198.20.0.1",  # just above benchmarking
    "223.255.255.255",  # just below multicast
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "::ffff:8.8.8.8",  # mapped: judged as 8.8.8.8
    "2002:808:808::1",  # 6to4 of 8.8.8.8
    "64:ff9b::808:808",  # NAT64 of 8.8.8.8
    "2001:0:808:808:0:ffff:fefe:fefe",  # Teredo: server 8.8.8.8, client 1.1.1.1
]
NOT_PUBLIC = [
    "0.0.0.0",
    "0.1.2.3",
    "10.0.0.1",
    "10.255.255.255",
    "100.64.0.1",  # shared address space
    "100.127.255.254",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",  # cloud metadata
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.9",  # Python calls it global
    "192.0.0.10",
    "192.0.0.170",
    "192.0.2.1",  # TEST-NET-1
    "192.88.99.1",  # 6to4 relay anycast
    "192.168.1.1",
    "198.18.0.1",  # benchmarking
    "198.19.255.255",
    "198.51.100.7",  # TEST-NET-2
    "203.0.113.9",  # TEST-NET-3
    "224.0.0.1",  # multicast; Python calls it global
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "::",
    "::1",
    "::ffff:127.0.0.1",  # mapped loopback
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
    "::127.0.0.1",  # IPv4-compatible
    "::10.0.0.1",
    "::ffff:0:808:808",  # SIIT translated form: not global unicast
    "2002:7f00:1::",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b:1::808:808",  # local-use NAT64
    "2001:0000:4136:e378:8000:63bf:3fff:fdd2",  # Teredo, client 192.0.2.45
    "2001:0:a00:1:0:ffff:fefe:fefe",  # Teredo, server 10.0.0.1
    "2001:db8::1",  # documentation
    "3fff::1",  # documentation (RFC 9637)
    "2001:2::1",  # benchmarking
    "2001:10::1",  # ORCHID
    "100::1",  # discard-only
    "fc00::1",  # unique local
    "fd12:3456:789a::1",
    "fe80::1",  # link-local
    "fe80::1%eth0",
    "fec0::1",  # site-local
    "ff02::1",  # multicast
    "ff0e::1",
    "5f00::1",  # SRv6 SIDs
    "4000::1",  # unallocated
]


@pytest.mark.parametrize(("address", "public"), [(a, True) for a in PUBLIC] + [(a, False) for a in NOT_PUBLIC])
def test_address_is_public(address: str, public: bool) -> None:
    assert address_is_public(ip_address(address)) is public


# --------------------------------------------------------------------------------------------
# HTTPS: the certificate is checked against the name in the URL, not the address dialled
# --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
def tls_port(certificate: tuple[Path, Path]) -> Iterator[int]:
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(*certificate)
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    server.socket = server_context.wrap_socket(server.socket, server_side=True)
    yield from _serve(server)


def _https(tls_port: int, certificate: tuple[Path, Path], host: str, path: str, **options: Any) -> Fetched:
    options.setdefault("ssl_context", ssl.create_default_context(cafile=str(certificate[0])))
    return fetch(
        f"https://{host}:{tls_port}{path}",
        resolver=_RecordingResolver({"localhost": ["127.0.0.1"], "images.example": ["127.0.0.1"]}),
        address_allowed=_loopback_or_public,
        allowed_ports=frozenset({tls_port}),
        **options,
    )


def test_https_verifies_the_certificate_against_the_original_host(
    tls_port: int, certificate: tuple[Path, Path]
) -> None:
    assert _https(tls_port, certificate, "localhost", "/image").data == PAYLOAD
    host_header = _https(tls_port, certificate, "localhost", "/echo").data.split(b"\n")[0]
    assert host_header == f"localhost:{tls_port}".encode()
    # Same address, same server: only the name differs, and the certificate names localhost.
    for other_name in ("images.example", "127.0.0.1"):
        with pytest.raises(RemoteFetchRefused) as caught:
            _https(tls_port, certificate, other_name, "/image")
        assert (caught.value.code, "certificate" in caught.value.detail.lower()) == ("connection", True), other_name


def test_https_refuses_an_untrusted_certificate(tls_port: int, certificate: tuple[Path, Path]) -> None:
    refused = _refusal(lambda: _https(tls_port, certificate, "localhost", "/image", ssl_context=None))
    assert (refused.code, "certificate" in refused.detail.lower()) == ("connection", True)

"""Outbound HTTP: the one client that lets the server contact other machines, never inward.

Two callers, one policy. Uploads copy images that posts link to (:func:`fetch`, a GET whose URL
comes from a post's author); webhooks deliver signed JSON to the brand's systems (:func:`post`,
a POST whose URL an admin typed). Both are server-side request forgery surfaces: every rule
below exists to keep them from reaching anything but the public Internet, unless an admin
explicitly lets one webhook endpoint reach an internal host (:func:`address_is_internal`).

Policy
------
URL
    Only ``http`` and ``https``. No user name or password in the URL, no whitespace or control
    characters, a host name is required. Non-ASCII host names are IDNA-encoded (the stdlib's
    IDNA 2003 codec); a host may hold only letters, digits, ``.``, ``-`` and ``_`` after that.
    The port must be in ``allowed_ports`` — by default only 80 and 443, like Discourse: other
    ports are where internal services (databases, admin consoles) listen. The path and query
    are percent-encoded where needed; the fragment is never sent.
Addresses
    The host name is resolved ONCE. EVERY resolved address must pass ``address_allowed``
    (default :func:`address_is_public`): one bad address refuses the fetch, since the socket
    layer could pick any of them. The connection then goes to an address that was checked —
    the name is never resolved again, so a DNS answer that changes between the check and the
    connection (DNS rebinding) cannot redirect it. HTTPS verifies the certificate against the
    ORIGINAL host name (SNI is set to it) and the Host header carries it, so name-based virtual
    hosting and certificate checks work as in a browser. No proxy from the environment is used.
:func:`address_is_public`
    Explicit rules, not only ``ipaddress``'s ``is_global`` (which, on Python 3.11, calls
    multicast, 192.0.0.9, 6to4, NAT64 and IPv4-compatible addresses global). IPv4: refuses
    "this network" 0/8, private 10/8, 172.16/12, 192.168/16, shared 100.64/10, loopback 127/8,
    link-local 169.254/16 (cloud metadata), all of 192.0.0.0/24, the 6to4 relay 192.88.99/24,
    benchmarking 198.18/15, the documentation ranges, multicast 224/4, reserved 240/4 and the
    broadcast address. IPv6 forms that carry an IPv4 address are judged by that IPv4 address:
    IPv4-mapped ``::ffff:a.b.c.d``, IPv4-compatible ``::a.b.c.d`` (so ``::1`` and ``::`` are
    refused as 0.0.0.1 and 0.0.0.0), NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16`` and Teredo
    ``2001::/32`` (both its server and its client address must be public). Any other IPv6
    address must be global unicast (``2000::/3``; this alone refuses ``::1``, ULA ``fc00::/7``,
    link-local ``fe80::/10``, site-local ``fec0::/10``, multicast ``ff00::/8``, the local-use
    NAT64 ``64:ff9b:1::/48``, discard ``100::/64``) and outside the IETF assignments
    ``2001::/23`` and the documentation ranges ``2001:db8::/32`` and ``3fff::/20``. An address
    with a zone index (``fe80::1%eth0``) is never public.
Redirects
    At most ``max_redirects`` (default 3) of 301/302/303/307/308, each ``Location`` resolved
    against the current URL and put through ALL the checks above again (scheme, port, DNS,
    addresses). Every hop is a plain GET. :func:`post` follows none: a 3xx is its answer.
Limits
    ``timeout`` bounds every socket operation (connect, TLS handshake, each read) and
    ``deadline`` the whole fetch across redirects, checked before every read — so a server
    trickling one byte at a time cannot hold the job. (The system resolver's own timeout bounds
    a DNS lookup; the deadline is checked after it.) The body may be at most ``max_bytes``:
    refused at once when Content-Length says more, and reading stops one byte past the limit.
    A body shorter than its Content-Length is refused. ``Accept-Encoding: identity`` is sent
    and any other Content-Encoding (or a Transfer-Encoding other than chunked) is refused: we
    never decompress, so no decompression bomb. Only status 200 is accepted.
    ``accept_content_types`` (prefixes such as ``("image/",)``) refuses early on the response's
    Content-Type header; it is not trusted — images are decoded and re-encoded later.

POST (webhooks)
    :func:`post` sends one body with the caller's headers under the same URL and address
    checks, the same pinned connection, per-operation timeout and total deadline. It returns
    whatever status the server answers (2xx, 4xx, 5xx, a 3xx it does not follow) with the
    response time and at most ``max_bytes`` of the response body (``truncated`` says when more
    came; reading stops there, so a huge answer costs nothing). ``allowed_ports=None`` lets an
    admin's endpoint use any port (``https://hooks.example.com:8443``): the address checks are
    what keep a webhook off internal services. An endpoint an admin allowed to reach an
    internal host passes ``address_allowed=public_or_internal``: loopback and private ranges
    (:func:`address_is_internal`) are then accepted, link-local (the cloud metadata service
    169.254.169.254), multicast, reserved and unspecified addresses never are.

Every refusal raises :class:`RemoteFetchRefused` with a stable ``code`` (see
:data:`REFUSAL_CODES`) for the job to log or show, and a ``detail`` in English for the log.
"""

from __future__ import annotations

import http.client
import io
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

IPAddress = IPv4Address | IPv6Address
AddressPolicy = Callable[[IPAddress], bool]
Resolver = Callable[[str, int], list[str]]

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_ALLOWED_PORTS: frozenset[int] = frozenset({80, 443})

# fmt: off
REFUSAL_CODES: frozenset[str] = frozenset({
    "url",           # malformed: unparsable, whitespace or control characters
    "credentials",   # a user name or password in the URL (user:pw@host)
    "scheme",        # not http or https (incl. a redirect to file:, ftp:, ...)
    "port",          # not in allowed_ports, or not a port number
    "host",          # missing or not a valid host name
    "dns",           # the name did not resolve
    "address",       # a resolved address (or an IP literal) is not allowed
    "redirects",     # more redirects than allowed, or a redirect without Location
    "status",        # a final status other than 200 (fetch only; post returns any status)
    "too_large",     # Content-Length or the body itself exceeds max_bytes
    "timeout",       # a socket operation or the whole fetch took too long
    "encoding",      # a Content-Encoding or Transfer-Encoding we do not accept
    "content_type",  # the Content-Type header does not start with an accepted prefix
    "connection",    # connection refused/reset, TLS or certificate failure, broken HTTP
})
# fmt: on

_SCHEME_PORTS = {"http": 80, "https": 443}
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_READ_CHUNK = 64 * 1024
_HOST_NAME_MAX = 253
_HOST_NAME_RE = re.compile(r"[a-z0-9_.-]+")
# Kept as-is when percent-encoding a path or query: reserved characters and existing %XX
# escapes keep their meaning; everything else (spaces, non-ASCII, controls) gets escaped.
_URL_SAFE_CHARS = "/%:@!$&'()*+,;=~?[]"

# --------------------------------------------------------------------------------------------
# Which addresses count as public
# --------------------------------------------------------------------------------------------

# fmt: off
_IPV4_NOT_PUBLIC: tuple[IPv4Network, ...] = tuple(IPv4Network(network) for network in (
    "0.0.0.0/8",        # "this network"; connecting to 0.0.0.0 reaches the local host on Linux
    "10.0.0.0/8",       # private
    "100.64.0.0/10",    # shared address space (carrier-grade NAT): the provider's side
    "127.0.0.0/8",      # loopback
    "169.254.0.0/16",   # link-local, incl. the cloud metadata service 169.254.169.254
    "172.16.0.0/12",    # private
    "192.0.0.0/24",     # IETF protocol assignments, all of it (Python calls .9 and .10 global)
    "192.0.2.0/24",     # documentation TEST-NET-1
    "192.88.99.0/24",   # deprecated 6to4 relay anycast
    "192.168.0.0/16",   # private
    "198.18.0.0/15",    # benchmarking
    "198.51.100.0/24",  # documentation TEST-NET-2
    "203.0.113.0/24",   # documentation TEST-NET-3
    "224.0.0.0/4",      # multicast
    "240.0.0.0/4",      # reserved, incl. broadcast 255.255.255.255
))
# fmt: on
_IPV6_GLOBAL_UNICAST = IPv6Network("2000::/3")
_IPV6_NOT_PUBLIC: tuple[IPv6Network, ...] = tuple(
    IPv6Network(network)
    for network in (
        "2001::/23",  # IETF protocol assignments (Teredo, inside it, is unwrapped before)
        "2001:db8::/32",  # documentation
        "3fff::/20",  # documentation (RFC 9637)
    )
)
_IPV6_IPV4_COMPATIBLE = IPv6Network("::/96")
_IPV6_NAT64 = IPv6Network("64:ff9b::/96")


def _embedded_ipv4(ip: IPv6Address) -> list[IPv4Address] | None:
    """The IPv4 address(es) an IPv6 address stands for, when it is one of the IPv4-carrying forms."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip in _IPV6_IPV4_COMPATIBLE or ip in _IPV6_NAT64:
        return [IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # (server, client): packets reach both, so both must be public
    return None


def _ipv4_is_public(ip: IPv4Address) -> bool:
    if any(ip in network for network in _IPV4_NOT_PUBLIC):
        return False
    # Belt and braces: the stdlib's own flags, in case a range above was missed.
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved or ip.is_unspecified
    )


def address_is_public(ip: IPAddress) -> bool:
    """True when ``ip`` is an ordinary public Internet address (the module docstring has the rules)."""
    if isinstance(ip, IPv4Address):
        return _ipv4_is_public(ip)
    if ip.scope_id is not None:
        return False
    embedded = _embedded_ipv4(ip)
    if embedded is not None:
        return all(_ipv4_is_public(inner) for inner in embedded)
    if ip not in _IPV6_GLOBAL_UNICAST or any(ip in network for network in _IPV6_NOT_PUBLIC):
        return False
    return not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_site_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


_INTERNAL_NETWORKS: tuple[IPv4Network | IPv6Network, ...] = (
    IPv4Network("10.0.0.0/8"), IPv4Network("172.16.0.0/12"), IPv4Network("192.168.0.0/16"),
    IPv4Network("100.64.0.0/10"), IPv4Network("127.0.0.0/8"), IPv6Network("fc00::/7"), IPv6Network("::1/128"),
)


def address_is_internal(ip: IPAddress) -> bool:
    """True for loopback and private (RFC 1918, shared, ULA) addresses: where an admin's own
    services live. Never link-local (cloud metadata), multicast, reserved or unspecified."""
    if isinstance(ip, IPv6Address):
        if ip.scope_id is not None:
            return False
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return any(ip.version == network.version and ip in network for network in _INTERNAL_NETWORKS)


def public_or_internal(ip: IPAddress) -> bool:
    """The address policy of a webhook endpoint an admin allowed to reach an internal host."""
    return address_is_public(ip) or address_is_internal(ip)


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


class RemoteFetchRefused(Exception):
    """The fetch was refused or failed; ``code`` is one of :data:`REFUSAL_CODES`."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class Fetched:
    data: bytes
    content_type: str  # the media type from the header, lower case, without parameters; "" if none
    final_url: str  # the URL the body came from, after redirects


def fetch(
    url: str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 5.0,
    deadline: float = 15.0,
    max_redirects: int = 3,
    allowed_ports: frozenset[int] = DEFAULT_ALLOWED_PORTS,
    accept_content_types: tuple[str, ...] = (),
    user_agent: str = "Circolo",
    address_allowed: AddressPolicy = address_is_public,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Fetched:
    """GET ``url`` under the module's policy; raise :class:`RemoteFetchRefused` otherwise.

    ``resolver(host, port)`` returns address strings (default: ``socket.getaddrinfo``);
    ``ssl_context`` defaults to the system's verifying context.
    """
    clock = _Clock(per_operation=timeout, total=deadline)
    request = _Request(
        max_bytes=max_bytes,
        accept_content_types=tuple(prefix.lower() for prefix in accept_content_types),
        user_agent=user_agent,
        ssl_context=ssl_context,
        clock=clock,
    )
    current_url = url
    for _hop in range(max_redirects + 1):
        target = _parse_target(current_url, allowed_ports)
        addresses = _checked_addresses(target, resolver or _system_resolver, address_allowed)
        outcome = _fetch_once(target, addresses, request)
        if isinstance(outcome, Fetched):
            return outcome
        current_url = urljoin(target.url, outcome)
    raise RemoteFetchRefused("redirects", f"more than {max_redirects} redirects, the last to {current_url!r}")


def check_url(url: str, *, allowed_ports: frozenset[int] | None = None,
              address_allowed: AddressPolicy = address_is_public) -> str:
    """The checks that need no DNS lookup (scheme, credentials, host, port, an IP literal's
    address), for a form to refuse a URL at once: the URL normalised, or RemoteFetchRefused."""
    target = _parse_target(url, allowed_ports)
    literal = _ip_literal(target.host)
    if literal is not None and not address_allowed(literal):
        raise RemoteFetchRefused("address", f"{target.host!r} is not an allowed address")
    return target.url


def check_host(url: str, *, address_allowed: AddressPolicy = address_is_public,
               resolver: Resolver | None = None) -> list[IPAddress]:
    """Resolve ``url``'s host once and apply ``address_allowed`` to every answer, as a fetch or
    a post will: for a form to refuse at save what delivery would refuse. Raises
    RemoteFetchRefused (``dns`` when the name does not resolve now: the caller decides whether
    that is only a warning; ``address`` when an answer is not allowed)."""
    return _checked_addresses(_parse_target(url, None), resolver or _system_resolver, address_allowed)


@dataclass(frozen=True)
class Answer:
    """What a server answered to :func:`post`: any status, the first ``max_bytes`` of the body."""

    status: int
    body: bytes
    truncated: bool  # the server sent more than ``max_bytes``
    content_type: str
    elapsed_ms: int  # from before the DNS lookup to the end of the (truncated) body


def post(
    url: str,
    body: bytes,
    *,
    headers: dict[str, str],
    max_bytes: int = 4096,
    timeout: float = 5.0,
    deadline: float = 10.0,
    allowed_ports: frozenset[int] | None = None,
    user_agent: str = "Circolo",
    address_allowed: AddressPolicy = address_is_public,
    resolver: Resolver | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> Answer:
    """POST ``body`` to ``url`` under the module's policy (no redirect followed); the server's
    answer, whatever its status. Raises :class:`RemoteFetchRefused` when the URL or an address
    is refused, or the exchange fails (``timeout``, ``connection``)."""
    started = time.monotonic()
    clock = _Clock(per_operation=timeout, total=deadline)
    target = _parse_target(url, allowed_ports)
    addresses = _checked_addresses(target, resolver or _system_resolver, address_allowed)
    tls_context = (ssl_context or _default_tls_context()) if target.scheme == "https" else None
    connection = _PinnedConnection(target, addresses, clock, tls_context)
    response: http.client.HTTPResponse | None = None
    try:
        with _exchange_errors(target):
            connection.connect()
            connection.sock.settimeout(clock.operation_timeout())
            connection.request("POST", target.request_target, body=body, headers={
                **headers, "User-Agent": user_agent, "Accept-Encoding": "identity", "Connection": "close",
                "Content-Length": str(len(body))})
            response = connection.getresponse()
            data = bytearray()
            while len(data) <= max_bytes:
                clock.operation_timeout()
                chunk = response.read(min(_READ_CHUNK, max_bytes + 1 - len(data)))
                if not chunk:
                    break
                data += chunk
            content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
            return Answer(status=response.status, body=bytes(data[:max_bytes]), truncated=len(data) > max_bytes,
                          content_type=content_type, elapsed_ms=int((time.monotonic() - started) * 1000))
    finally:
        if response is not None:
            response.close()
        connection.close()


# --------------------------------------------------------------------------------------------
# URL and DNS checks
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Target:
    url: str  # normalised: ASCII host, no fragment
    scheme: str
    host: str  # ASCII; an IPv6 literal without brackets
    port: int
    request_target: str  # path and query, percent-encoded


def _where(target: _Target) -> str:
    """A target named in a refusal's detail (logs, a webhook's delivery log): scheme, host and
    port only. A path may carry the receiver's own secret (a chat webhook's token)."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    return f"{target.scheme}://{host}:{target.port}"


def _parse_target(url: str, allowed_ports: frozenset[int] | None) -> _Target:
    if any(char <= " " or char == "\x7f" for char in url):
        raise RemoteFetchRefused("url", "whitespace or control characters in the URL")
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise RemoteFetchRefused("url", f"unparsable URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in _SCHEME_PORTS:
        raise RemoteFetchRefused("scheme", f"scheme {parts.scheme!r} is not http or https")
    if "@" in parts.netloc:
        raise RemoteFetchRefused("credentials", "credentials in the URL")
    host = _ascii_host(parts.hostname or "")
    try:
        explicit_port = parts.port
    except ValueError as exc:
        raise RemoteFetchRefused("port", f"invalid port: {exc}") from exc
    port = _SCHEME_PORTS[scheme] if explicit_port is None else explicit_port
    if not 0 < port < 65536 or (allowed_ports is not None and port not in allowed_ports):
        raise RemoteFetchRefused("port", f"port {port} is not allowed")
    path = quote(parts.path or "/", safe=_URL_SAFE_CHARS)
    query = quote(parts.query, safe=_URL_SAFE_CHARS)
    netloc = f"[{host}]" if ":" in host else host
    if port != _SCHEME_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return _Target(
        url=urlunsplit((scheme, netloc, path, query, "")),
        scheme=scheme,
        host=host,
        port=port,
        request_target=f"{path}?{query}" if query else path,
    )


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ip_address(host)
    except ValueError:
        return None


def _ascii_host(host: str) -> str:
    if not host:
        raise RemoteFetchRefused("host", "no host name")
    if _ip_literal(host) is not None:
        return host
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError as exc:
        raise RemoteFetchRefused("host", f"invalid host name {host!r}: {exc}") from exc
    if len(ascii_host) > _HOST_NAME_MAX or _HOST_NAME_RE.fullmatch(ascii_host) is None:
        raise RemoteFetchRefused("host", f"invalid host name {host!r}")
    return ascii_host


def _system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return [str(info[4][0]) for info in infos]


def _checked_addresses(target: _Target, resolver: Resolver, address_allowed: AddressPolicy) -> list[IPAddress]:
    """Resolve once and check every answer: these, and only these, may be connected to."""
    literal = _ip_literal(target.host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            answers = resolver(target.host, target.port)
            addresses = list(dict.fromkeys(ip_address(answer) for answer in answers))
        except (OSError, UnicodeError, ValueError) as exc:
            raise RemoteFetchRefused("dns", f"cannot resolve {target.host!r}: {exc}") from exc
        if not addresses:
            raise RemoteFetchRefused("dns", f"{target.host!r} resolved to no address")
    for address in addresses:
        if not address_allowed(address):
            raise RemoteFetchRefused("address", f"{target.host!r} resolves to {address}, which is not allowed")
    return addresses


# --------------------------------------------------------------------------------------------
# The connection: pinned to checked addresses, every read under the deadline
# --------------------------------------------------------------------------------------------


class _Clock:
    """The per-operation timeout and the whole fetch's deadline, as one socket timeout."""

    def __init__(self, *, per_operation: float, total: float) -> None:
        self._per_operation = per_operation
        self._deadline_at = time.monotonic() + total

    def operation_timeout(self) -> float:
        remaining = self._deadline_at - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the fetch's total deadline passed")
        return min(self._per_operation, remaining)


class _DeadlineReader(io.RawIOBase):
    """The socket's raw stream with every recv bounded by the clock.

    http.client reads the status line and headers line by line, so without this a server
    trickling bytes just under the timeout could keep the fetch going indefinitely.
    """

    def __init__(self, socket_stream: io.RawIOBase, sock: socket.socket, clock: _Clock) -> None:
        super().__init__()
        # socket_stream is what sock.makefile() made: closing it (not the socket) is what lets
        # http.client's reference counting close the socket once both the response and the
        # connection are done with it.
        self._socket_stream = socket_stream
        self._sock = sock
        self._clock = clock

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int | None:
        self._sock.settimeout(self._clock.operation_timeout())
        return self._socket_stream.readinto(buffer)

    def close(self) -> None:
        self._socket_stream.close()
        super().close()


def _response_class(clock: _Clock) -> type[http.client.HTTPResponse]:
    # One class per fetch, so concurrent fetches (job threads) never share a clock.
    class _DeadlineResponse(http.client.HTTPResponse):
        def __init__(
            self, sock: socket.socket, debuglevel: int = 0, method: str | None = None, url: str | None = None
        ) -> None:
            super().__init__(sock, debuglevel, method, url)
            self.fp = io.BufferedReader(_DeadlineReader(self.fp.detach(), sock, clock))

    return _DeadlineResponse


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) to ``host`` that connects only to addresses already checked, never re-resolving."""

    def __init__(
        self, target: _Target, addresses: list[IPAddress], clock: _Clock, tls_context: ssl.SSLContext | None
    ) -> None:
        super().__init__(target.host, target.port)
        # Host header: the original name; its port is left out when it is the scheme's default.
        self.default_port = _SCHEME_PORTS[target.scheme]
        self.response_class = _response_class(clock)
        self._addresses = addresses
        self._clock = clock
        self._tls_context = tls_context

    def connect(self) -> None:
        sock = self._connect_to_a_checked_address()
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls_context is not None:
                sock.settimeout(self._clock.operation_timeout())
                # Verified against the name in the URL (SNI too), not the address we dialled.
                sock = self._tls_context.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def _connect_to_a_checked_address(self) -> socket.socket:
        failures: list[OSError] = []
        for address in self._addresses:
            timeout = self._clock.operation_timeout()
            try:
                return socket.create_connection((str(address), self.port), timeout=timeout)
            except OSError as exc:
                failures.append(exc)
        if all(isinstance(failure, TimeoutError) for failure in failures):
            raise TimeoutError(f"connecting to {self.host} timed out")
        raise ConnectionError(f"cannot connect to {self.host}: {failures[-1]}")


@dataclass(frozen=True)
class _Request:
    max_bytes: int
    accept_content_types: tuple[str, ...]
    user_agent: str
    ssl_context: ssl.SSLContext | None
    clock: _Clock


@contextmanager
def _exchange_errors(target: _Target) -> Iterator[None]:
    """What went wrong on the wire, as a refusal: ``timeout`` or ``connection`` (the one
    mapping for fetch and post; a refusal raised inside passes unchanged)."""
    try:
        yield
    except RemoteFetchRefused:
        raise
    except TimeoutError as exc:
        raise RemoteFetchRefused("timeout", f"{_where(target)}: {exc}") from exc
    except (OSError, http.client.HTTPException) as exc:
        raise RemoteFetchRefused("connection", f"{_where(target)}: {type(exc).__name__}: {exc}") from exc


@lru_cache(maxsize=1)
def _default_tls_context() -> ssl.SSLContext:
    # Loading the system's CA store takes milliseconds; one verifying context serves all fetches.
    return ssl.create_default_context()


def _fetch_once(target: _Target, addresses: list[IPAddress], request: _Request) -> Fetched | str:
    """One GET: the body, or the Location of a redirect to follow."""
    tls_context = None
    if target.scheme == "https":
        tls_context = request.ssl_context or _default_tls_context()
    connection = _PinnedConnection(target, addresses, request.clock, tls_context)
    response: http.client.HTTPResponse | None = None
    try:
        with _exchange_errors(target):
            connection.connect()
            connection.sock.settimeout(request.clock.operation_timeout())
            connection.request(
                "GET",
                target.request_target,
                headers={
                    "User-Agent": request.user_agent,
                    "Accept": "*/*",
                    "Accept-Encoding": "identity",
                    "Connection": "close",
                },
            )
            response = connection.getresponse()
            return _read_response(response, target, request)
    finally:
        # The response holds its own reference to the socket: both must let go to close it now.
        if response is not None:
            response.close()
        connection.close()


def _read_response(response: http.client.HTTPResponse, target: _Target, request: _Request) -> Fetched | str:
    if response.status in _REDIRECT_STATUSES:
        location = (response.getheader("Location") or "").strip()
        if not location:
            raise RemoteFetchRefused("redirects", f"{_where(target)}: redirect ({response.status}) without a Location")
        return location
    if response.status != 200:
        raise RemoteFetchRefused("status", f"{_where(target)}: status {response.status}")
    content_encoding = (response.getheader("Content-Encoding") or "").strip().lower()
    transfer_encoding = (response.getheader("Transfer-Encoding") or "").strip().lower()
    if content_encoding not in ("", "identity") or transfer_encoding not in ("", "chunked"):
        raise RemoteFetchRefused(
            "encoding",
            f"{_where(target)}: encoded body ({content_encoding or transfer_encoding!r}); we never decompress"
        )
    content_type = (response.getheader("Content-Type") or "").split(";", 1)[0].strip().lower()
    if request.accept_content_types and not content_type.startswith(request.accept_content_types):
        raise RemoteFetchRefused("content_type", f"{_where(target)}: content type {content_type!r} is not accepted")
    declared_length = None if response.chunked else _declared_length(response)
    if declared_length is not None and declared_length > request.max_bytes:
        raise RemoteFetchRefused(
            "too_large", f"{_where(target)}: {declared_length} bytes announced, the limit is {request.max_bytes}"
        )
    body = _read_body(response, target, request)
    if declared_length is not None and len(body) != declared_length:
        raise RemoteFetchRefused(
            "connection", f"{_where(target)}: the body ended after {len(body)} of {declared_length} bytes"
        )
    return Fetched(data=body, content_type=content_type, final_url=target.url)


def _declared_length(response: http.client.HTTPResponse) -> int | None:
    header = (response.getheader("Content-Length") or "").strip()
    return int(header) if header.isdigit() else None


def _read_body(response: http.client.HTTPResponse, target: _Target, request: _Request) -> bytes:
    body = bytearray()
    while True:
        request.clock.operation_timeout()  # raises once the deadline passed, even if data is buffered
        # One byte past the limit is enough to know the body is too large.
        chunk = response.read(min(_READ_CHUNK, request.max_bytes + 1 - len(body)))
        if not chunk:
            return bytes(body)
        body += chunk
        if len(body) > request.max_bytes:
            raise RemoteFetchRefused("too_large", f"{_where(target)}: the body exceeds {request.max_bytes} bytes")

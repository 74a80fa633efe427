"""Signing deliveries: ``Circolo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The signed message is ``f"{t}.{body}"`` (the timestamp, a dot, the raw request body), keyed
with the endpoint's secret: Stripe's scheme. A receiver recomputes the HMAC over the body it
received, compares in constant time, and refuses a timestamp more than :data:`TOLERANCE`
seconds away from its own clock (a captured request cannot be replayed later). Several
``v1=`` values may appear (reserved for rotating secrets without a gap); one match suffices.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

TOLERANCE = 300  # seconds: the replay window
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that names what the value is, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within the replay window."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in fields if key.strip() == "t"]
    candidates = [value.strip() for key, value in fields if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not candidates:
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp).split("v1=", 1)[1]
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)

"""Signing deliveries: ``Circolo-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>``.

The signed message is ``f"{t}.{body}"`` (the timestamp, a dot, the raw request body), keyed
with the endpoint's secret: Stripe's scheme. A receiver recomputes the HMAC over the body it
received, compares in constant time, and refuses a timestamp more than :data:`TOLERANCE`
seconds away from its own clock (a captured request cannot be replayed later).

Rotation without a gap: for :data:`ROTATION_GRACE` (24 h) after an admin makes a new secret,
each delivery carries two ``v1=`` values, the new secret's first, then the previous one's, so a
receiver still holding the old secret keeps accepting deliveries until it is given the new
one. A receiver accepts a delivery when one ``v1`` matches.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable
from datetime import timedelta

TOLERANCE = 300  # seconds: the replay window
ROTATION_GRACE = timedelta(hours=24)  # the previous secret still signs, beside the new one
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that names what the value is, not a secret


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int, also: Iterable[str] = ()) -> str:
    """The header value for ``body`` sent at ``timestamp``; one more ``v1`` per secret in
    ``also`` (the previous secret during :data:`ROTATION_GRACE`)."""
    signatures = ",".join(f"v1={_digest(key, body, timestamp)}" for key in (secret, *also))
    return f"t={timestamp},{signatures}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = TOLERANCE, now: float | None = None) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within the replay window."""
    fields = [part.split("=", 1) for part in header.split(",") if "=" in part]
    stamps = [value for key, value in fields if key.strip() == "t"]
    candidates = [value.strip() for key, value in fields if key.strip() == "v1"]
    if len(stamps) != 1 or not (stamps[0].strip().isascii() and stamps[0].strip().isdigit()) or not candidates:
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = _digest(secret, body, timestamp).encode()
    # Bytes: compare_digest refuses a str with non-ASCII characters (a forged header).
    return any(hmac.compare_digest(expected, candidate.encode()) for candidate in candidates)

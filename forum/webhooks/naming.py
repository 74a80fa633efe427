"""How an endpoint is named outside Admin → Webhooks (audit log, its CSV, notices, mails).

A receiver's URL can carry its own secret in the path or query (chat webhooks:
``https://chat.example.com/hooks/T000/B000/XXXX``), and the audit log is read by moderators
and exported as CSV. Outside the admins' own webhook pages an endpoint is therefore named by
:func:`endpoint_label` only: the scheme, host and port, and a short fingerprint of the rest,
so two endpoints on the same host stay apart and a change of path shows, without the path.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit


def endpoint_label(url: str) -> str:
    """``https://chat.example.com …3f9a1c2e``: where it goes, never what its path says."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.hostname or ''}"
    if parts.hostname and ":" in parts.hostname:
        origin = f"{parts.scheme}://[{parts.hostname}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is not None:
        origin += f":{port}"
    rest = parts.path + ("?" + parts.query if parts.query else "")
    if rest in ("", "/"):
        return origin
    return f"{origin} …{hashlib.sha256(rest.encode()).hexdigest()[:8]}"

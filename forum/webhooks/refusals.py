"""Why a delivery got no answer, in the admin's language: one sentence per refusal code of
forum.outbound (REFUSAL_CODES). The English detail stays in the server's log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

FAILURE_REASONS: dict[str, object] = {
    "url": _l("The address is not a valid web address."),
    "credentials": _l("The address holds a user name or password, which is not allowed."),
    "scheme": _l("Only http:// and https:// addresses can receive webhooks."),
    "port": _l("The port of this address is not allowed."),
    "host": _l("The address has no valid host name."),
    "dns": _l("The host name could not be found (DNS)."),
    "address": _l("The host is on an internal network that this endpoint may not reach."),
    "redirects": _l("The receiver answered with a redirect, which is not followed."),
    "status": _l("The receiver answered with an error status."),
    "too_large": _l("The receiver's answer was too large."),
    "timeout": _l("The receiver did not answer in time."),
    "encoding": _l("The receiver's answer used an encoding that is not accepted."),
    "content_type": _l("The receiver's answer had a type that is not accepted."),
    "connection": _l("The connection to the receiver failed (refused, reset or a TLS error)."),
}


def failure_reason(error: str | None) -> str:
    """The translated sentence for a stored attempt error (``"<code>: <detail>"``)."""
    code = (error or "").split(":", 1)[0].strip()
    return str(FAILURE_REASONS.get(code, FAILURE_REASONS["connection"]))

"""How a member hears of each kind of notice: their choice, else the kind's default.

``users.notification_prefs`` maps a kind's name to a :class:`~.kinds.Delivery` value; a kind
the member never chose is delivered as the kind says (``NotificationKind.delivery``). A kind
with no mail subject is never mailed, whatever is stored.
"""

from __future__ import annotations

from typing import Any

from .kinds import Delivery, NotificationKind, get_kind


def delivery_for(user: Any, kind: str | NotificationKind) -> str:
    """``app`` / ``email`` / ``email_away`` / ``never`` for ``user`` and ``kind``."""
    spec = get_kind(kind)
    chosen = (getattr(user, "notification_prefs", None) or {}).get(spec.name)
    delivery = chosen if chosen in Delivery.ALL else spec.delivery
    if spec.subject is None and delivery in (Delivery.EMAIL, Delivery.EMAIL_AWAY):
        return Delivery.APP
    return str(delivery)

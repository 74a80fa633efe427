"""What webhooks tell admins: an endpoint was turned off after failing again and again."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum.notifications import Delivery, NotificationKind
from forum.notifications.kinds import Params

WEBHOOK_DISABLED = "webhook_disabled"


def endpoint_path(endpoint_id: int) -> str:
    return f"/admin/webhooks/{endpoint_id}"  # a stable path: jobs build it without a request


def _disabled(p: Params) -> str:
    return _("The webhook endpoint %(url)s was turned off after %(count)d failed deliveries in a row",
             url=p["url"], count=p["failures"])


def _subject(p: Params) -> str:
    return _("A webhook endpoint was turned off")


KINDS = (
    NotificationKind(WEBHOOK_DISABLED, message=_disabled, subject=_subject, default_delivery=Delivery.EMAIL,
                     label=_l("A webhook endpoint was turned off after failures"), transactional=True,
                     audience=lambda user: bool(getattr(user, "is_admin", False))),
)

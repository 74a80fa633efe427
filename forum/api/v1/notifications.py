"""``/api/v1/notifications``: the caller's notices (newest first, cursor-paginated, filtered as
on the notifications page), the bell's unread count, and marking one or all read: all through
:mod:`forum.notifications.services`, as the page and the bell do. A notice about what the
caller may no longer read (a post hidden since) is left out, as on the page. Notices of private
kinds (a conversation's: its title, who wrote) are never shown, counted or opened here: the API
shows nothing of private conversations."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from forum import pagination
from forum.notifications import services
from forum.notifications.kinds import find_kind
from forum.notifications.rendering import render

from ..representations import notification_json
from .declare import DATETIME, ID, URL, ApiRequest, Resource, nullable, obj, page, path, query
from .errors import ApiError

api = Resource("notifications", "The caller's notifications.")

NOTIFICATION = api.schema("Notification", obj({
    "id": ID, "kind": {"type": "string", "description": "What happened: `mention`, `reply`, `post_approved`, …"},
    "text": {"type": "string", "description": "The notice's sentence, in the caller's language."},
    "url": nullable(URL), "topic_id": nullable({"type": "integer"}), "post_id": nullable({"type": "integer"}),
    "created_at": DATETIME, "read_at": nullable(DATETIME),
}))
UNREAD = api.schema("UnreadCount", obj({"unread": {"type": "integer", "minimum": 0}}))


@api.route("GET", "/notifications", summary="The caller's notifications, newest first", member=True,
           paginated=True, response=NOTIFICATION,
           description="`show`: all (default), unread, or a family (mention, reply); `kind`: one kind only.",
           params=[query("show", {"type": "string", "enum": list(services.FILTERS), "default": "all"}),
                   query("kind", {"type": "string", "maxLength": 40}, "One kind's name (`kind` of a notice).")])
def list_notifications(req: ApiRequest) -> Any:
    kind = req.args.get("kind") or None
    if kind is not None and find_kind(kind) is None:
        raise ApiError(400, fields={"kind": _("This value is not valid.")})
    result = services.page(req.user, show=req.args.get("show") or "all", kind=kind,
                           before=pagination.decode_id(req.cursor), per_page=req.limit, include_private=False)
    return page([notification_json(n, render(n)) for n in result.items], result.next_cursor)


@api.route("GET", "/notifications/unread", summary="How many notices the caller has not read (the bell)",
           member=True, response=UNREAD)
def unread_notifications(req: ApiRequest) -> Any:
    return {"unread": services.unread_count(req.user, include_private=False)}


@api.route("POST", "/notifications/{notification_id}/read", summary="Mark one notice read",
           description="As opening it from the bell: the notice is answered, now read.",
           scopes=("write",), member=True, params=[path("notification_id", ID)], response=NOTIFICATION)
def read_notification(req: ApiRequest, notification_id: int) -> Any:
    notice = services.open_notice(req.user, notification_id, include_private=False)
    if notice is None:
        raise ApiError(404)
    return notification_json(notice, render(notice))


@api.route("POST", "/notifications/read", summary="Mark all the caller's notices read", scopes=("write",),
           description="The bell's Mark all read: every notice of the caller, nothing else changes.",
           member=True, status=204)
def read_all_notifications(req: ApiRequest) -> Any:
    services.mark_all_read(req.user)
    return None

"""``/api/v1/events``: meetups the caller may see (the upcoming and past lists of the events
page, cursor-paginated), one event, the caller's RSVP (set, change, cancel: the service the
event page's RSVP form calls, with its seats and waitlist), and the attendee list as the
event page shows it. Every rule is :mod:`forum.events.services` and
:mod:`forum.events.permissions`."""

from __future__ import annotations

from typing import Any

from forum.events import permissions, services
from forum.events.models import EventState, RsvpStatus, Visibility
from forum.extensions import member_action_limit

from ..representations import event_json, user_ref
from .declare import DATETIME, ID, URL, ApiRequest, Resource, member_rate_key, nullable, obj, page, path, query, ref
from .errors import ApiError

api = Resource("events", "Meetups: listing and reading them, answering (RSVP), who is going.")
# UserRef: registered by topics (one component, several resources).

EVENT = api.schema("Event", obj({
    "id": ID, "title": {"type": "string"}, "slug": {"type": "string"},
    "description_html": {"type": "string", "description": "Sanitised HTML."},
    "timezone": {"type": "string", "description": "The event's own IANA zone."},
    "all_day": {"type": "boolean"}, "starts_at": DATETIME, "ends_at": DATETIME,
    "venue": {"type": "string"}, "address": {"type": "string"},
    "online_url": nullable({"type": "string", "description": "The online link, for who may see it (hosts, "
                                                             "moderators, people going; the waitlist when "
                                                             "the event allows it); null otherwise and in lists."}),
    "capacity": nullable({"type": "integer", "description": "Seats; null: unlimited."}),
    "going_count": {"type": "integer"}, "rsvp_deadline": nullable(DATETIME), "rsvps_closed": {"type": "boolean"},
    "visibility": {"type": "string", "enum": [v.value for v in Visibility]},
    "state": {"type": "string", "enum": [s.value for s in EventState]},
    "category_id": ID, "topic_id": nullable(ID), "created_at": DATETIME, "url": URL,
}))

ANSWER_STATUSES = [s.value for s in services.ANSWERS]
MY_RSVP = api.schema("MyRsvp", obj({
    "event_id": ID,
    "status": nullable({"type": "string", "enum": [s.value for s in RsvpStatus],
                        "description": "null: not answered. `waitlisted`: asked for a seat of a full "
                                       "event; `removed`: a host took the member off the list."}),
    "waitlist_position": nullable({"type": "integer", "minimum": 1}),
    "changed": {"type": "boolean", "description": "Whether this request changed the answer (false on reads)."},
    "going_count": {"type": "integer"},
}))

# The event page's RSVP allowance, the same bucket (forum.events.views.rsvp_limit).
rsvp_limit = member_action_limit("RATELIMIT_RSVP", key_func=member_rate_key("ratelimit_rsvp"))
EVENT_ID = path("event_id", ID)


@api.route("GET", "/events", summary="List the events the caller may see", paginated=True,
           description="`upcoming` (default): soonest first, events not yet over, as on the events page; "
                       "`past`: most recent first. Members-only and staff events are listed only for who "
                       "may see them; a held meetup for its creator and moderators.",
           params=[query("period", {"type": "string", "enum": ["upcoming", "past"], "default": "upcoming"})],
           response=EVENT)
def list_events(req: ApiRequest) -> Any:
    if req.args.get("period") == "past":
        events, cursor = services.list_past(req.user, before=req.cursor, per_page=req.limit)
    else:
        events, cursor = services.list_upcoming(req.user, after=req.cursor, limit=req.limit)
    return page([event_json(e) for e in events], cursor)


@api.route("GET", "/events/{event_id}", summary="One event", params=[EVENT_ID], response=EVENT)
def get_event(req: ApiRequest, event_id: int) -> Any:
    event = services.get_event(req.user, event_id)
    shown = services.event_page(req.user, event)
    return event_json(event, online_url=event.online_url or None if shown.can_see_online_link else None)


def _my_rsvp(event: Any, status: str | None, position: int | None, changed: bool) -> dict[str, Any]:
    return {"event_id": event.id, "status": status, "waitlist_position": position, "changed": changed,
            "going_count": event.going_count}


@api.route("GET", "/events/{event_id}/rsvp", summary="The caller's answer to an event", member=True,
           params=[EVENT_ID], response=MY_RSVP)
def get_my_rsvp(req: ApiRequest, event_id: int) -> Any:
    event = services.get_event(req.user, event_id)
    shown = services.event_page(req.user, event)
    return _my_rsvp(event, shown.my_status, shown.waitlist_position, False)


RSVP_BODY = {"type": "object", "required": ["status"], "additionalProperties": False,
             "properties": {"status": {"type": "string", "enum": ANSWER_STATUSES}}}


@api.route("PUT", "/events/{event_id}/rsvp", summary="Answer an event (going, interested, not going)",
           description="The event page's RSVP: `going` on a full event joins the waitlist (first come, first "
                       "seated when a seat opens); `not_going` gives a seat back. Refused (422, with the "
                       "reason) when the event is cancelled, started, closed or past its deadline, or the "
                       "member may not answer now (unverified, silenced).",
           scopes=("write",), member=True, params=[EVENT_ID], body=RSVP_BODY, response=MY_RSVP,
           limits=[rsvp_limit])
def set_my_rsvp(req: ApiRequest, event_id: int) -> Any:
    event = services.get_event(req.user, event_id)
    outcome = services.rsvp(req.user, event, req.body["status"])
    return _my_rsvp(event, outcome.status, outcome.waitlist_position, outcome.changed)


@api.route("DELETE", "/events/{event_id}/rsvp", summary="Cancel the caller's answer (not going)",
           description="The same as answering `not_going`: a seat taken goes to the first on the waitlist.",
           scopes=("write",), member=True, params=[EVENT_ID], response=MY_RSVP, errors=(422,),
           limits=[rsvp_limit])
def cancel_my_rsvp(req: ApiRequest, event_id: int) -> Any:
    event = services.get_event(req.user, event_id)
    outcome = services.rsvp(req.user, event, RsvpStatus.NOT_GOING.value)
    return _my_rsvp(event, outcome.status, outcome.waitlist_position, outcome.changed)


@api.route("GET", "/events/{event_id}/attendees", summary="Who is going, as the event page shows it",
           description="In the order they took their seat (at most 500). The hosts decide who sees the list "
                       "(everyone, members, or hosts only): 403 for anyone else.",
           params=[EVENT_ID], response={"type": "array", "items": ref("UserRef")})
def list_attendees(req: ApiRequest, event_id: int) -> Any:
    event = services.get_event(req.user, event_id)
    if not permissions.can_see_attendees(req.user, event):
        raise ApiError(403 if req.caller.is_authenticated else 401)
    shown = services.event_page(req.user, event)
    return [user_ref(u) for u in shown.attendees or []]

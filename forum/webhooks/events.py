"""The events an endpoint may subscribe to: their names (stable: they are the payload's
``event`` and the ``Circolo-Event`` header) and what admins read on the form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PING = "ping"  # an admin's test ping: sent whatever the endpoint subscribes to

# name -> label, in the order the form shows them.
EVENTS: dict[str, object] = {
    "topic_created": _l("Topic created"),
    "post_created": _l("Reply posted"),
    "post_edited": _l("Post edited"),
    "post_hidden": _l("Post hidden"),
    "post_flagged": _l("Post flagged"),
    "question_solved": _l("Question solved"),
    "official_reply_posted": _l("Official reply posted"),
    "member_registered": _l("Member registered"),
    "member_approved": _l("Member approved"),
    "event_created": _l("Meetup created"),
    "rsvp_changed": _l("RSVP changed"),
    "escalation_created": _l("Escalated to support"),
}


# What the admin pages call a delivery's state (DeliveryState) and an endpoint's last outcome.
STATE_LABELS: dict[str, object] = {
    "pending": _l("Waiting"),
    "retrying": _l("Retrying"),
    "succeeded": _l("Delivered"),
    "failed": _l("Not delivered"),
    "skipped": _l("Skipped"),
}

"""Event rules, split by concern and re-exported here (callers use ``services.create_event``):

* :mod:`.writes`: create, edit, cancel, close RSVPs; approve / refuse held meetups;
* :mod:`.cohosts`: co-host invitations, accepted or declined by the invitee;
* :mod:`.validation`: what a host submits (:class:`EventInput`) and the content filters;
* :mod:`.categories`: the events category and the events admin settings;
* :mod:`.rsvps`: RSVPs, seats, the waitlist, and the hosts' attendee tools (roster, CSV);
* :mod:`.reads`: who sees what, the upcoming and past lists, the month grid, the event page;
* :mod:`.feeds`: calendar feeds and members' secret personal feed tokens;
* :mod:`.notices`: notifications and reminders;
* :mod:`.times`: wall-clock times in an event's zone.

Lower modules first: times and notices depend on nothing here, writes on almost everything.
"""

from .categories import category_choices, ensure_events_category, save_settings
from .cohosts import accept_cohost, decline_cohost
from .feeds import (
    FEED_PAST_DAYS,
    category_feed_events,
    feed_token,
    personal_feed_events,
    public_feed_events,
    regenerate_feed_token,
    revoke_feed_token,
    user_for_feed_token,
    visible_online_event_ids,
)
from .notices import FOLLOWERS, event_path, send_due_reminders
from .reads import (
    Day,
    EventPage,
    MonthGrid,
    encode_cursor,
    event_for_topic,
    event_page,
    get_event,
    list_past,
    list_upcoming,
    listing,
    month_grid,
    visible_to,
)
from .rsvps import (
    ANSWERS,
    RSVP_BLOCK_MESSAGES,
    Roster,
    RsvpOutcome,
    attendees_csv,
    remove_attendee,
    roster,
    rsvp,
    rsvp_block_reason,
    set_checked_in,
    waitlist_position,
)
from .times import local_to_utc, zone_or_none
from .validation import MAX_COHOSTS, MAX_DESCRIPTION, EventInput, clean_https_url
from .writes import (
    PLACE_FIELDS,
    RESERVED_SLUGS,
    TIME_FIELDS,
    approve_event,
    cancel_event,
    create_event,
    event_slug,
    publish_held_event,
    refuse_held_event,
    set_rsvps_closed,
    update_event,
)

__all__ = [
    "ANSWERS",
    "FEED_PAST_DAYS",
    "FOLLOWERS",
    "MAX_COHOSTS",
    "MAX_DESCRIPTION",
    "PLACE_FIELDS",
    "RESERVED_SLUGS",
    "RSVP_BLOCK_MESSAGES",
    "TIME_FIELDS",
    "Day",
    "EventInput",
    "EventPage",
    "MonthGrid",
    "Roster",
    "RsvpOutcome",
    "accept_cohost",
    "approve_event",
    "attendees_csv",
    "cancel_event",
    "category_choices",
    "category_feed_events",
    "clean_https_url",
    "create_event",
    "decline_cohost",
    "encode_cursor",
    "ensure_events_category",
    "event_for_topic",
    "event_page",
    "event_path",
    "event_slug",
    "feed_token",
    "get_event",
    "list_past",
    "list_upcoming",
    "listing",
    "local_to_utc",
    "month_grid",
    "personal_feed_events",
    "public_feed_events",
    "publish_held_event",
    "refuse_held_event",
    "regenerate_feed_token",
    "remove_attendee",
    "revoke_feed_token",
    "roster",
    "rsvp",
    "rsvp_block_reason",
    "save_settings",
    "send_due_reminders",
    "set_checked_in",
    "set_rsvps_closed",
    "update_event",
    "user_for_feed_token",
    "visible_online_event_ids",
    "visible_to",
    "waitlist_position",
    "zone_or_none",
]

"""Events, made through the event services."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.events import services
from forum.events.models import Event
from forum.events.services import EventInput


def future_day(days: int) -> date:
    return (utcnow() + timedelta(days=days)).date()


def event_input(**overrides: Any) -> EventInput:
    """A valid submission: 19:00-21:00 Europe/Rome, ten days from now, unless overridden."""
    day = future_day(10)
    values: dict[str, Any] = {
        "title": "Community meetup in Rome", "description": "We meet for **pizza** and product talk.",
        "timezone": "Europe/Rome", "start_date": day, "start_time": time(19, 0), "end_date": day,
        "end_time": time(21, 0), "venue": "Circolo Bar", "address": "Via Roma 1, Roma",
        "map_url": "https://maps.example.com/?q=via+roma", "online_url": "https://meet.example.com/abc",
    }
    values.update(overrides)
    return EventInput(**values)


def make_event(author: User, **overrides: Any) -> Event:
    """Services translate their messages: call inside a request context (the events suite's
    autouse fixture gives one)."""
    return services.create_event(author, event_input(**overrides))

"""Meetups are searchable like posts, with the event's own visibility."""

from __future__ import annotations

import re

import pytest

from forum.events import services as events
from tests.factories import event_input, make_category, make_event, make_user


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def event_titles(client, query: str) -> list[str]:
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    return re.findall(r'<span class="tag">Event</span> <a href="/events/\d+/[^"]+">(.*?)</a>', html)


def test_events_are_found_updated_and_stay_private(client, app):
    host = make_user("eventhost", role="moderator")
    private = make_category("Members meetups", read_access="members")
    with app.test_request_context("/"):
        public = make_event(host, title="Tasting night in Milan",
                            description="Single origin *espresso* tasting with baristas")
        members_only = make_event(host, title="Members brunch", visibility="members", category_id=private.id,
                                  description="A private espresso brunch")
    assert event_titles(client, "tasting") == ["Tasting night in Milan"]
    assert "Members brunch" not in event_titles(client, "brunch")  # visitors never see it
    member = app.test_client()
    make_user("insider")
    member.login("insider")
    assert event_titles(member, "brunch") == ["Members brunch"]

    with app.test_request_context("/"):
        events.update_event(host, public, event_input(title="Cupping night in Milan",
                                                      description="Single origin cupping with baristas"))
    assert event_titles(client, "tasting") == []
    assert event_titles(client, "cupping") == ["Cupping night in Milan"]
    assert members_only.id != public.id

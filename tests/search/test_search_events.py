"""Meetups are searchable like posts, with the event's own visibility."""

from __future__ import annotations

import re

import pytest

from forum.events import services as events
from forum.events.models import EventState
from forum.extensions import db
from forum.plugins.manager import fire
from tests.factories import event_input, make_category, make_event, make_user


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def event_titles(client, query: str, **params) -> list[str]:
    html = client.get("/search", query_string={"q": query, **params}).get_data(as_text=True)
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


@pytest.mark.parametrize("state", [EventState.PENDING, EventState.REJECTED])
def test_unpublished_meetups_leave_the_results_until_published(client, app, state):
    host = make_user("statehost", role="moderator")
    with app.test_request_context("/"):
        event = events.create_event(host, event_input(title="Roastery open day", description="roastery tour"))
    assert event_titles(client, "roastery") == ["Roastery open day"]
    event.state = state
    db.session.commit()
    fire("forum_event_changed", event=event, actor=host, change="held")  # what the events services fire
    assert event_titles(client, "roastery") == []
    creator = app.test_client()
    creator.login("statehost")
    assert event_titles(creator, "roastery", include_hidden="y") == ["Roastery open day"]  # moderators opt in
    event.state = EventState.CANCELLED
    db.session.commit()
    fire("forum_event_changed", event=event, actor=host, change="cancelled")
    assert event_titles(client, "roastery") == ["Roastery open day"]  # cancelled ones stay findable


def test_the_page_runs_the_same_sql_for_few_or_many_meetups(client, app, count_queries):
    host = make_user("manyhost", role="moderator")
    make_user("reader")
    client.login("reader")  # a member: whether they host each meetup is checked too

    def add(n: int) -> None:
        with app.test_request_context("/"):
            for i in range(n):
                events.create_event(host, event_input(title=f"Latte art evening {i}", description="latte art"))

    def page_sql() -> int:
        with count_queries() as q:
            assert client.get("/search", query_string={"q": "latte"}).status_code == 200
        return q.count

    add(2)
    few = page_sql()
    add(10)
    assert len(event_titles(client, "latte")) == 12
    assert page_sql() == few

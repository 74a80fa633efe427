"""Held meetups go through moderation's review queue: approve, reject, resubmit by editing.

A meetup is held by a content filter or by the new-member rule; its review item (kind
"event") is decided from the queue or from the event's own page. A refused meetup stays
REJECTED: its creator reads why and may edit it, which sends it back to the queue; nobody
else sees it, in pages, lists, calendar feeds or search.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from forum.discussions.models import PostState, Topic
from forum.errors import ValidationFailed
from forum.events import services
from forum.events.models import Event, EventState
from forum.extensions import db
from forum.moderation.models import Resolution, ReviewItem, ReviewKind, ReviewReason, ReviewStatus
from forum.plugins import Verdict
from forum.settings import set_setting
from tests.factories import event_input, future_day, make_user
from tests.notifications.helpers import texts

REASON = "Please tell people where you meet."


@pytest.fixture
def mod(app: Any) -> Any:
    return make_user("mona", role="moderator")


@pytest.fixture
def creator(app: Any) -> Any:
    set_setting("events_creators", "members")
    db.session.commit()
    return make_user("nuova")


@pytest.fixture
def held(app: Any, creator: Any, event_filter: Any) -> Any:
    """A meetup the content filter holds (its description says "forbidden")."""
    event_filter(Verdict.require_approval("looks like spam"))
    event = services.create_event(creator, event_input(title="Secret supper club",
                                                       description="A forbidden plan for dinner"))
    assert event.state == EventState.PENDING and event.topic_id is None
    return event


def items_of(event: Event, status: str | None = None) -> list[ReviewItem]:
    query = select(ReviewItem).where(ReviewItem.kind == ReviewKind.EVENT, ReviewItem.subject_id == event.id)
    if status is not None:
        query = query.where(ReviewItem.status == status)
    return list(db.session.scalars(query.order_by(ReviewItem.id)))


def page_of(event: Event) -> str:
    return f"/events/{event.id}/{event.slug}"


def reject_from_queue(client: Any, mod: Any, event: Event) -> ReviewItem:
    [item] = items_of(event, ReviewStatus.OPEN)
    client.login(mod.username)
    response = client.post_form(f"/review/{item.id}/reject", {"reason_key": "", "text": REASON})
    assert response.status_code == 302
    client.post_form("/logout")
    db.session.expire_all()
    return item


def notices(user: Any, kind: str) -> list[str]:
    return texts(user, kind)


@pytest.mark.parametrize("cause", ["filter", "new_member"])
def test_a_held_meetup_waits_in_the_review_queue_with_its_title(client, mod, creator, event_filter, cause):
    if cause == "filter":
        event_filter(Verdict.require_approval("looks like spam"))
        description = "A forbidden plan for dinner"
    else:
        set_setting("first_posts_need_approval", 1)
        db.session.commit()
        description = "Dinner together, all welcome"
    event = services.create_event(creator, event_input(title="Secret supper club", description=description))
    assert event.state == EventState.PENDING and event.topic_id is None
    [item] = items_of(event, ReviewStatus.OPEN)
    assert item.reason_code == (ReviewReason.FILTER if cause == "filter" else ReviewReason.NEW_MEMBER)
    assert item.user_id == creator.id and item.category_id == event.category_id
    client.login(mod.username)
    queue = client.get("/review").get_data(as_text=True)
    assert "Secret supper club" in queue and f'href="{page_of(event)}"' in queue
    assert "Secret supper club" in client.get("/review?kind=event").get_data(as_text=True)


def test_approving_from_the_queue_publishes_it_and_opens_its_topic(client, mod, creator, held):
    [item] = items_of(held, ReviewStatus.OPEN)
    client.login(mod.username)
    assert client.post_form(f"/review/{item.id}/approve").status_code == 302
    event = db.session.get(Event, held.id)
    assert event.state == EventState.SCHEDULED and event.moderation_reason is None
    topic = db.session.get(Topic, event.topic_id)
    assert topic is not None and topic.title == "Secret supper club"
    assert topic.user_id == creator.id and topic.state == PostState.PUBLISHED
    assert db.session.get(ReviewItem, item.id).resolution == Resolution.APPROVED
    assert items_of(event, ReviewStatus.OPEN) == []
    assert notices(creator, "event_approved") == ["Your meetup “Secret supper club” was approved."]
    client.post_form("/logout")
    assert client.get(page_of(event)).status_code == 200
    assert "Secret supper club" in client.get("/events").get_data(as_text=True)


def test_approving_from_the_event_page_closes_its_review_item(client, mod, held):
    [item] = items_of(held, ReviewStatus.OPEN)
    client.login(mod.username)
    assert "Approve and publish" in client.get(page_of(held)).get_data(as_text=True)
    assert client.post_form(f"/events/{held.id}/approve").status_code == 302
    assert db.session.get(Event, held.id).state == EventState.SCHEDULED
    closed = db.session.get(ReviewItem, item.id)
    assert closed.status == ReviewStatus.RESOLVED and closed.resolution == Resolution.APPROVED
    assert closed.resolved_by_id == mod.id
    assert items_of(held, ReviewStatus.OPEN) == []
    assert "Secret supper club" not in client.get("/review").get_data(as_text=True)


def test_a_rejected_meetup_stays_with_its_creator_only(client, app, mod, creator, held, members):
    item = reject_from_queue(client, mod, held)
    event = db.session.get(Event, held.id)
    assert event.state == EventState.REJECTED and event.topic_id is None
    assert event.moderation_reason == REASON
    assert db.session.get(ReviewItem, item.id).resolution == Resolution.REJECTED
    assert items_of(event, ReviewStatus.OPEN) == []
    [notice] = notices(creator, "event_rejected")
    assert "Secret supper club" in notice and REASON in notice

    # Its creator reads why and how to send it back, and may not RSVP to it.
    client.login(creator.username)
    html = client.get(page_of(event)).get_data(as_text=True)
    assert "Not approved" in html and REASON in html and "Edit it to send it back for review." in html
    assert "Awaiting approval" not in html
    with pytest.raises(ValidationFailed) as refused:
        services.rsvp(creator, event, "going")
    assert refused.value.message == "This event was not approved."
    listed = client.get("/events").get_data(as_text=True)
    assert "Secret supper club" in listed and "Not approved" in listed
    feed = services.regenerate_feed_token(creator)
    assert "Secret supper club" not in client.get(f"/events/feed/{feed}.ics").get_data(as_text=True)
    assert "Secret supper club" not in client.get(f"/events/c/{event.category.slug}.ics").get_data(as_text=True)
    client.post_form("/logout")

    # Nobody else: not a member, not a visitor; and it is in no list or calendar.
    client.login(members[0].username)
    assert client.get(page_of(event)).status_code == 404
    assert "Secret supper club" not in client.get("/events").get_data(as_text=True)
    client.post_form("/logout")
    assert client.get(page_of(event)).status_code == 404
    assert "Secret supper club" not in client.get("/events").get_data(as_text=True)
    assert "Secret supper club" not in client.get("/calendar.ics").get_data(as_text=True)
    assert "Secret supper club" not in client.get(f"/events/c/{event.category.slug}.ics").get_data(as_text=True)
    # Moderators may open it (the decision is theirs), but it is not listed for them either.
    client.login(mod.username)
    assert client.get(page_of(event)).status_code == 200
    assert "Secret supper club" not in client.get("/events").get_data(as_text=True)
    assert "Secret supper club" not in client.get(f"/events/c/{event.category.slug}.ics").get_data(as_text=True)
    assert "Secret supper club" not in client.get("/review").get_data(as_text=True)


@pytest.mark.parametrize("app_config", [{"SEARCH_BACKEND": "whoosh"}], ids=["whoosh"])
def test_a_rejected_meetup_is_not_found_by_search(client, mod, host, creator, held, members):
    services.create_event(host, event_input(title="Supper club for everyone", description="Open supper"))
    reject_from_queue(client, mod, held)

    def found(query: str) -> str:
        return client.get("/search", query_string={"q": query}).get_data(as_text=True)

    assert "Supper club for everyone" in found("supper")  # search works: the published one is found
    assert "Secret supper club" not in found("supper")
    client.login(members[0].username)
    assert "Supper club for everyone" in found("supper") and "Secret supper club" not in found("supper")


def test_editing_a_rejected_meetup_sends_it_back_to_the_queue(client, mod, creator, held):
    old = reject_from_queue(client, mod, held)
    client.login(creator.username)
    day = future_day(11).isoformat()
    response = client.post_form(f"/events/{held.id}/edit", {
        "title": "Secret supper club", "description": "Dinner at Circolo Bar, Via Roma 1",
        "timezone": "Europe/Rome", "start_date": day, "start_time": "19:00", "end_date": day,
        "end_time": "21:00", "venue": "Circolo Bar", "visibility": "public", "attendee_visibility": "members",
        "capacity": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    event = db.session.get(Event, held.id)
    # The text no longer trips the filter: it is the refusal that sends it back to review.
    assert event.state == EventState.PENDING and event.venue == "Circolo Bar"
    [again] = items_of(event, ReviewStatus.OPEN)
    assert again.id != old.id
    assert db.session.get(ReviewItem, old.id).resolution == Resolution.REJECTED
    assert "Awaiting approval" in client.get(page_of(event)).get_data(as_text=True)
    client.post_form("/logout")
    assert client.get(page_of(event)).status_code == 404
    client.login(mod.username)
    assert "Secret supper club" in client.get("/review").get_data(as_text=True)
    assert client.post_form(f"/review/{again.id}/approve").status_code == 302
    assert db.session.get(Event, held.id).state == EventState.SCHEDULED


def test_a_pending_meetups_calendar_file_is_never_publicly_cacheable(app, client, held, creator):
    client.login(creator.username)
    response = client.get(f"/events/{held.id}.ics")
    assert response.status_code == 200
    assert "public" not in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]

"""Keyset pagination of topic lists: "Older topics" walks every topic exactly once, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from forum import pagination
from forum.discussions import services
from forum.discussions.models import Topic
from forum.extensions import db
from tests.factories import make_category, make_topic, make_user, set_topic_activity


@pytest.fixture
def app_config():
    return {"TOPICS_PER_PAGE": 4}


# Timestamps with odd microseconds, several topics sharing each one: the tie-break on id
# must carry the walk across page boundaries that fall inside a group.
STAMPS = [datetime(2024, 5, 1, 12, 0, 0, 123457, tzinfo=UTC) - timedelta(minutes=m, microseconds=m)
          for m in (0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3, 4, 4, 4, 4, 4, 5)]


def _make_topics(category):
    author = make_user()
    topics = [make_topic(author, category, title=f"Topic with a tie {i}") for i in range(len(STAMPS))]
    for topic, stamp in zip(topics, STAMPS, strict=True):
        set_topic_activity(topic, stamp)
    return topics


def _expected(ids: set[int]) -> list[int]:
    rows = db.session.execute(select(Topic.id, Topic.last_posted_at).where(Topic.id.in_(ids))).all()
    return [i for i, _at in sorted(rows, key=lambda r: (r[1], r[0]), reverse=True)]


def test_category_walk_visits_every_topic_once_in_order(client, walk):
    cat = make_category("Ties", slug="ties")
    topics = _make_topics(cat)
    pinned = topics[7]
    db.session.execute(update(Topic).where(Topic.id == pinned.id).values(is_pinned=True))
    db.session.commit()

    pages = walk(client, "/c/ties")
    seen = [i for page in pages for i in page]
    assert len(seen) == len(set(seen)) == len(topics)  # no duplicates, nothing skipped
    assert seen[0] == pinned.id  # pinned on the first page only
    assert seen[1:] == _expected({t.id for t in topics} - {pinned.id})
    assert all(len(page) == 4 for page in pages[1:-1])


def test_latest_walk_visits_every_topic_once_in_order(client, walk):
    topics = _make_topics(make_category("Ties2", slug="ties2"))
    # Default topics in other categories join the walk too.
    extra = make_topic(category=make_category("Other", slug="other"), title="A topic elsewhere")
    ids = {t.id for t in topics} | {extra.id}
    pages = walk(client, "/latest")
    seen = [i for page in pages for i in page]
    assert seen == _expected(ids)
    assert len(pages) == -(-len(ids) // 4)


def test_latest_walk_with_a_pin_shows_it_first_once_and_nothing_is_skipped(client, walk):
    topics = _make_topics(make_category("Ties3", slug="ties3"))
    pinned = topics[9]  # an old topic, in the middle of a group of ties
    db.session.execute(update(Topic).where(Topic.id == pinned.id).values(is_pinned=True, pinned_globally=True))
    db.session.commit()
    pages = walk(client, "/latest")
    seen = [i for page in pages for i in page]
    assert seen[0] == pinned.id and seen.count(pinned.id) == 1
    assert seen[1:] == _expected({t.id for t in topics} - {pinned.id})
    assert len(pages[0]) == 5 and all(len(page) == 4 for page in pages[1:-1])  # the pin comes on top


def test_latest_walk_keeps_a_category_pin_in_its_place(client, walk):
    """Pinned in its category only: /latest lists it by its activity like any other topic."""
    topics = _make_topics(make_category("Ties4", slug="ties4"))
    pinned = topics[9]
    db.session.execute(update(Topic).where(Topic.id == pinned.id).values(is_pinned=True))
    db.session.commit()
    pages = walk(client, "/latest")
    seen = [i for page in pages for i in page]
    assert seen == _expected({t.id for t in topics})
    assert all(len(page) == 4 for page in pages[:-1])


def test_cursor_round_trips_microseconds(app):
    topic = make_topic()
    for stamp in STAMPS:
        topic.last_posted_at = stamp
        assert pagination.decode_cursor(services.encode_cursor(topic)) == (stamp, topic.id)


@pytest.mark.parametrize("url", ["/c/plain?before=not-a-cursor", "/latest?before=999999999999999999_1",
                                 "/latest?before=1_99999999999999999999999"])
def test_crafted_cursor_is_a_bad_request(client, url):
    make_topic(category=make_category("Plain", slug="plain"), title="Only topic here")
    response = client.get(url)
    assert response.status_code == 400
    assert "page link is not valid" in response.get_data(as_text=True)

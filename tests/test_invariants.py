"""The counter oracle (tests/invariants.py) notices every kind of drift it promises to."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from forum.accounts.models import User
from forum.audit import record_action
from forum.discussions import services as discussions
from forum.discussions.models import Category, Post, Topic
from forum.extensions import db
from forum.ideas import votes
from forum.ideas.models import Idea
from forum.tags.models import Tag
from tests.factories import make_category, make_reply, make_staff, make_topic, make_user
from tests.ideas.helpers import make_board, make_idea
from tests.invariants import assert_invariants, counter_mismatches
from tests.tags.conftest import make_tag


@pytest.fixture
def forum(app: Any) -> dict[str, Any]:
    """Two topics in one category, replies by two members, one official reply."""
    category = make_category("Checked", slug="checked")
    alice, bruno = make_user("alice"), make_user("bruno")
    older = make_topic(alice, category, title="The older topic")
    newer = make_topic(bruno, category, title="The newer topic")
    make_reply(older, bruno)
    staffer = make_staff("sonia")
    with app.test_request_context("/"):
        official = discussions.create_reply(staffer, newer, "An official answer to this.", official=True).post
    make_reply(newer, alice)
    assert counter_mismatches() == []
    return {"category": category, "alice": alice, "bruno": bruno, "older": older, "newer": newer,
            "official": official}


def _corrupt(model: Any, row_id: int, **values: Any) -> None:
    db.session.execute(update(model).where(model.id == row_id).values(**values))
    db.session.commit()


DRIFTS = {
    "topic post_count": (Topic, "newer", {"post_count": 7}, "post_count 7 != 3"),
    "topic highest_post_number too high": (Topic, "older", {"highest_post_number": 9}, "highest_post_number 9 != 2"),
    "topic highest_post_number too low": (Topic, "newer", {"highest_post_number": 1}, "highest_post_number 1 != 3"),
    "topic last poster": (Topic, "older", {"last_post_user_id": None}, "last activity"),
    "topic official range": (Topic, "newer", {"first_official_post_number": None}, "official posts None..2"),
    "category topic_count": (Category, "category", {"topic_count": 5}, "topics/posts 5/5 != 2/5"),
    "category post_count": (Category, "category", {"post_count": 4}, "topics/posts 2/4 != 2/5"),
    "category last topic": (Category, "category", {"last_topic_id": None}, "last topic None"),
    "user post_count": (User, "alice", {"post_count": 0}, "user alice posts/topics 0/1 != 2/1"),
    "user topic_count": (User, "bruno", {"topic_count": 3}, "user bruno posts/topics 2/3 != 2/1"),
}


@pytest.mark.parametrize("drift", list(DRIFTS))
def test_every_counter_drift_is_reported(forum, drift):
    model, key, values, expected = DRIFTS[drift]
    _corrupt(model, forum[key].id, **values)
    wrong = counter_mismatches()
    assert len(wrong) == 1 and expected in wrong[0], wrong
    with pytest.raises(AssertionError, match="counters disagree with the rows after the drift"):
        assert_invariants("after the drift")


def test_a_topics_error_shows_in_its_category_too(forum):
    # A reply published without its counters: the topic and the category both disagree.
    _corrupt(Post, forum["official"].id, state="hidden")
    wrong = counter_mismatches()
    assert any(w.startswith(f"topic {forum['newer'].id} post_count 3 != 2") for w in wrong), wrong
    assert any(w.startswith("category checked topics/posts 2/5 != 2/4") for w in wrong), wrong
    assert any(w.startswith("user sonia posts/topics 1/0 != 0/0") for w in wrong), wrong


def test_highest_number_may_stay_above_once_posts_left_the_topic(forum):
    topic = forum["older"]
    _corrupt(Topic, topic.id, highest_post_number=5)
    assert counter_mismatches()
    record_action(None, "topic.split", "topic", topic.id)  # numbers are never reused after a split
    db.session.commit()
    assert counter_mismatches() == []
    _corrupt(Topic, topic.id, highest_post_number=1)  # but never below a number in use
    assert any("highest_post_number 1 != 2" in w for w in counter_mismatches())


def test_the_oracle_changes_nothing(forum):
    topic = forum["older"]
    topic.title = "Not flushed yet"
    assert counter_mismatches() == []
    assert db.session.is_modified(topic)  # no autoflush, no expiry: the test's session is left alone
    db.session.rollback()


def test_tag_and_vote_drift_is_reported_by_the_oracle_and_forum_check(forum):
    tag = make_tag("grinder")
    db.session.execute(update(Tag).where(Tag.id == tag.id).values(topic_count=2))
    idea = make_idea(make_board())
    votes.vote(forum["alice"], idea)
    db.session.execute(update(Idea).where(Idea.topic_id == idea.id).values(vote_count=4))
    db.session.commit()
    assert counter_mismatches() == ["tag grinder topic_count 2 != 0 topics carrying it",
                                    f"idea {idea.id} vote_count 4 != 1 votes"]
    with pytest.raises(AssertionError) as caught:
        assert_invariants()
    assert f"forum check (tags): tag {tag.id} topic_count: stored 2, expected 0" in str(caught.value)
    assert f"forum check (ideas): idea {idea.id} vote_count: stored 4, expected 1" in str(caught.value)
    _corrupt(Tag, tag.id, topic_count=0)
    db.session.execute(update(Idea).where(Idea.topic_id == idea.id).values(vote_count=1))
    db.session.commit()  # the end-of-test check finds everything right again

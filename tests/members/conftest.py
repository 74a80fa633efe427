"""Set-ups for trust levels: a category, readers of topics, small thresholds."""

from __future__ import annotations

from typing import Any

import pytest

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions.models import TopicMember
from forum.extensions import db
from forum.settings import set_setting
from tests.factories import make_category, make_topic, make_user

SMALL = {  # basic: 1 day, 3 posts read, 2 topics; member: + 1 like received; regular: + 1 flag agreed
    "trust_basic_days_visited": 1, "trust_basic_posts_read": 3, "trust_basic_topics_entered": 2,
    "trust_basic_likes_received": 0, "trust_basic_flags_agreed": 0, "trust_basic_days_since_joined": 0,
    "trust_member_days_visited": 1, "trust_member_posts_read": 3, "trust_member_topics_entered": 2,
    "trust_member_likes_received": 1, "trust_member_flags_agreed": 0, "trust_member_days_since_joined": 0,
    "trust_regular_days_visited": 1, "trust_regular_posts_read": 3, "trust_regular_topics_entered": 2,
    "trust_regular_likes_received": 1, "trust_regular_flags_agreed": 1, "trust_regular_days_since_joined": 0,
}


@pytest.fixture
def small_thresholds(app: Any) -> dict[str, int]:
    for key, value in SMALL.items():
        set_setting(key, value)
    db.session.commit()
    return SMALL


@pytest.fixture
def topics(app: Any) -> list[Any]:
    category = make_category("Trust", slug="trust")
    author = make_user("topicauthor")
    return [make_topic(author, category, title=f"Topic number {i} about trust") for i in range(2)]


def read_topics(user: User, topics: list[Any], posts_each: int = 2) -> None:
    """``user`` read ``posts_each`` posts of each topic, and was seen now."""
    for topic in topics:
        db.session.add(TopicMember(user_id=user.id, topic_id=topic.id, last_read_post_number=posts_each))
    user.last_seen_at = utcnow()
    db.session.commit()

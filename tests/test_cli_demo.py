"""`forum demo`: the Quickstart's community, built through the real services, idempotent."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.discussions.models import Post, Topic
from forum.events.models import Event
from forum.extensions import db
from forum.moderation.models import ReviewItem

pytestmark = pytest.mark.committing  # `forum demo` stamps the schema through Alembic's own connection


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def test_demo_builds_a_multilingual_community_with_staff_queue_and_events(runner, client):
    result = runner.invoke(args=["forum", "demo"])
    assert result.exit_code == 0, result.output
    login = re.search(r"admin login: (\S+) / (\S+)", result.output)
    assert login, result.output
    assert {p.language for p in db.session.scalars(select(Post))} >= {"it", "fr", "en"}
    assert count(Topic) >= 7 and count(Event) >= 3
    assert {i.kind for i in db.session.scalars(select(ReviewItem))} >= {"reply", "flag"}
    assert db.session.scalar(select(func.count()).select_from(User).where(User.is_staff_member.is_(True))) >= 3
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.is_official.is_(True))) >= 2
    # Members read the starter categories in their language.
    from forum.discussions.models import Category
    support = db.session.scalar(select(Category).where(Category.slug == "support"))
    assert support.translations["it"]["name"] == "Assistenza" and support.translations["fr"]["name"] == "Assistance"
    assert "Assistenza" in client.get("/", headers={"Accept-Language": "it"}).get_data(as_text=True)
    # The announcement is pinned for everyone: it leads /latest.
    announcement = db.session.scalar(select(Topic).join(Category, Category.id == Topic.category_id)
                                     .where(Category.slug == "announcements"))
    assert announcement.is_pinned and announcement.pinned_globally
    first = re.search(r'data-topic-id="(\d+)"', client.get("/latest").get_data(as_text=True))
    assert first and int(first.group(1)) == announcement.id
    # The directory shows earned-looking levels, not a community of newcomers.
    levels = dict(db.session.execute(select(User.username, User.trust_level)
                                     .where(User.username.in_(["marco", "chiara", "hannah"]))).all())
    assert levels == {"marco": 3, "chiara": 2, "hannah": 0}
    # The printed password works.
    response = client.post_form("/login", {"login": login.group(1), "password": login.group(2)})
    assert response.status_code == 302 and "/login" not in response.location

    topics = count(Topic)
    again = runner.invoke(args=["forum", "demo"])
    assert again.exit_code == 0, again.output
    assert count(Topic) == topics  # nothing duplicated
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "giulia")) == 1
    new_password = re.search(r"admin login: \S+ / (\S+)", again.output).group(1)
    assert new_password != login.group(2)  # a fresh password each run, printed again

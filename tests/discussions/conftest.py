"""Helpers for the discussion tests: a ground-truth check of every denormalised counter."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.discussions.models import Category, Post, PostState, Topic
from forum.extensions import db

TOPIC_ID_RE = re.compile(r'data-topic-id="(\d+)"')
NEXT_RE = re.compile(r'<a class="button" rel="next" href="([^"]+)"')


def counter_mismatches() -> list[str]:
    """Recompute every counter in Python from the rows and list what the database disagrees on."""
    db.session.expire_all()
    posts = list(db.session.scalars(select(Post)))
    topics = list(db.session.scalars(select(Topic)))
    categories = list(db.session.scalars(select(Category)))
    users = list(db.session.scalars(select(User)))
    published = [p for p in posts if p.state == PostState.PUBLISHED]
    by_topic: dict[int, list[Post]] = defaultdict(list)
    highest: dict[int, int] = defaultdict(int)
    for p in posts:
        highest[p.topic_id] = max(highest[p.topic_id], p.post_number)
    for p in published:
        by_topic[p.topic_id].append(p)
    wrong: list[str] = []
    for t in topics:
        mine = sorted(by_topic[t.id], key=lambda p: p.post_number)
        if t.post_count != len(mine):
            wrong.append(f"topic {t.id} post_count {t.post_count} != {len(mine)}")
        if mine and (t.last_posted_at, t.last_post_user_id) != (mine[-1].created_at, mine[-1].user_id):
            wrong.append(f"topic {t.id} last activity {t.last_posted_at}/{t.last_post_user_id} != "
                         f"{mine[-1].created_at}/{mine[-1].user_id}")
        if t.highest_post_number != highest[t.id]:
            wrong.append(f"topic {t.id} highest_post_number {t.highest_post_number}")
    live = [t for t in topics if t.state == PostState.PUBLISHED]
    posts_by_user: Counter[int | None] = Counter(p.user_id for p in published)
    topics_by_user: Counter[int | None] = Counter(t.user_id for t in live)
    for c in categories:
        mine_t = [t for t in live if t.category_id == c.id]
        if c.topic_count != len(mine_t):
            wrong.append(f"category {c.slug} topic_count {c.topic_count} != {len(mine_t)}")
        if c.post_count != sum(t.post_count for t in mine_t):
            wrong.append(f"category {c.slug} post_count {c.post_count} != {sum(t.post_count for t in mine_t)}")
        latest = max(mine_t, key=lambda t: (t.last_posted_at, t.id), default=None)
        if (c.last_topic_id, c.last_posted_at) != ((latest.id, latest.last_posted_at) if latest else (None, None)):
            wrong.append(f"category {c.slug} last topic {c.last_topic_id} != {latest and latest.id}")
    for u in users:
        n_posts, n_topics = posts_by_user[u.id], topics_by_user[u.id]
        if (u.post_count, u.topic_count) != (n_posts, n_topics):
            wrong.append(f"user {u.username} counts {u.post_count}/{u.topic_count} != {n_posts}/{n_topics}")
    return wrong


@pytest.fixture
def counters_ok(app: Any) -> Callable[[], None]:
    def check() -> None:
        wrong = counter_mismatches()
        assert not wrong, "\n".join(wrong)

    return check


@pytest.fixture
def walk() -> Callable[[Any, str], list[list[int]]]:
    """Follow "Older topics" from ``url``; the topic ids of each page, in order."""

    def follow(client: Any, url: str) -> list[list[int]]:
        pages: list[list[int]] = []
        next_url: str | None = url
        while next_url:
            html = client.get(next_url).get_data(as_text=True)
            pages.append([int(i) for i in TOPIC_ID_RE.findall(html)])
            match = NEXT_RE.search(html)
            next_url = match.group(1).replace("&amp;", "&") if match else None
            assert len(pages) < 200, "the walk does not end"
        return pages

    return follow

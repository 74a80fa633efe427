"""The product team's CSV: every idea the exporting staff member may read, with its votes,
status, note, tags and sample posts (the opening post's excerpt and the three replies with
the most reactions). Read in keyset batches by topic id: a bounded number of statements per
batch whatever the number of ideas; cells go through :mod:`forum.csv_export` (formula-safe)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select

from forum import csv_export, markup
from forum.discussions.interfaces import TopicTags
from forum.discussions.models import Category, Post, PostState, Topic
from forum.discussions.permissions import visible_topic_sql
from forum.extensions import db
from forum.i18n_content import translated
from forum.registry import MissingCollaborator, lookup
from forum.urls import external_url

from .boards import board_ids
from .models import Idea
from .statuses import status_label

BATCH = 200
EXCERPT = 300
SAMPLE_REPLIES = 3
HEADER = ["title", "url", "board", "status", "status_note", "votes", "tags", "created_at", "first_post",
          "top_reply_1", "top_reply_2", "top_reply_3"]


def _tags(topic_ids: Sequence[int]) -> dict[int, list[str]]:
    try:
        provider = lookup(TopicTags)  # the tags domain's, through discussions' interface
    except MissingCollaborator:
        return {}
    return {int(k): list(v) for k, v in provider.names_for(list(topic_ids)).items()}


def _samples(topic_ids: Sequence[int]) -> tuple[dict[int, str], dict[int, list[str]]]:
    """Opening posts and the top replies by reactions, for a batch (two statements)."""
    firsts = {tid: markup.excerpt(cooked, EXCERPT) for tid, cooked in db.session.execute(
        select(Post.topic_id, Post.raw).where(Post.topic_id.in_(topic_ids), Post.post_number == 1))}
    rank = func.row_number().over(partition_by=Post.topic_id,
                                  order_by=(Post.reaction_count.desc(), Post.id)).label("rank")
    ranked = (select(Post.topic_id, Post.raw, rank)
              .where(Post.topic_id.in_(topic_ids), Post.post_number > 1, Post.state == PostState.PUBLISHED)
              .subquery("ranked"))
    replies: dict[int, list[str]] = {}
    for tid, cooked in db.session.execute(select(ranked.c.topic_id, ranked.c.raw)
                                          .where(ranked.c.rank <= SAMPLE_REPLIES)
                                          .order_by(ranked.c.topic_id, ranked.c.rank)):
        replies.setdefault(tid, []).append(markup.excerpt(cooked, EXCERPT))
    return firsts, replies


def _batches(user: Any) -> Iterator[list[list[Any]]]:
    last_id = 0
    while True:
        rows = db.session.execute(
            select(Topic, Category, func.coalesce(Idea.vote_count, 0), func.coalesce(Idea.status, ""),
                   func.coalesce(Idea.status_note_raw, ""))
            .join(Category, Category.id == Topic.category_id).outerjoin(Idea, Idea.topic_id == Topic.id)
            .where(Topic.category_id.in_(sorted(board_ids())), visible_topic_sql(user), Topic.id > last_id)
            .order_by(Topic.id).limit(BATCH)).all()
        if not rows:
            return
        ids = [topic.id for topic, *_ in rows]
        last_id = ids[-1]
        tags = _tags(ids)
        firsts, replies = _samples(ids)
        batch = []
        for topic, category, votes, status, note in rows:
            top = (replies.get(topic.id, []) + ["", "", ""])[:SAMPLE_REPLIES]
            batch.append([topic.title, external_url("discussions.topic", slug=topic.slug, topic_id=topic.id),
                          translated(category, "name"), status_label(status), " ".join(markup.plain_text(note).split()),
                          int(votes), ", ".join(tags.get(topic.id, [])), topic.created_at.isoformat(),
                          firsts.get(topic.id, ""), *top])
        yield batch


def ideas_csv(user: Any) -> Iterator[str]:
    return csv_export.stream(HEADER, _batches(user))

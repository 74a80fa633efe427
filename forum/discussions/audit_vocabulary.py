"""How discussions' things read in the audit log: posts, topics and categories by name."""

from __future__ import annotations

from collections.abc import Collection

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.audit import AuditVocabulary, TargetName
from forum.extensions import db
from forum.i18n_content import translated

from .models import Category, Post, Topic


def post_names(ids: Collection[int]) -> dict[int, TargetName]:
    rows = db.session.execute(select(Post.id, Post.post_number, Topic.title)
                              .join(Topic, Topic.id == Post.topic_id).where(Post.id.in_(ids)))
    return {post_id: TargetName(_("#%(n)d in “%(title)s”", n=number, title=title),
                                url_for("discussions.post_by_id", post_id=post_id))
            for post_id, number, title in rows}


def topic_names(ids: Collection[int]) -> dict[int, TargetName]:
    rows = db.session.execute(select(Topic.id, Topic.slug, Topic.title).where(Topic.id.in_(ids)))
    return {topic_id: TargetName(f"“{title}”", url_for("discussions.topic", slug=slug, topic_id=topic_id))
            for topic_id, slug, title in rows}


def category_names(ids: Collection[int]) -> dict[int, TargetName]:
    categories = db.session.scalars(select(Category).where(Category.id.in_(ids)))
    return {c.id: TargetName(translated(c, "name"), url_for("discussions.category", slug=c.slug)) for c in categories}


VOCABULARY = AuditVocabulary(
    actions={
        "post.edit": _l("Edited a post"),
        "post.official_mark": _l("Made a reply official"),
        "post.official_unmark": _l("Made a reply no longer official"),
        "post.official_edit": _l("Edited an official reply"),
        "topic.lock": _l("Closed a topic"),
        "topic.unlock": _l("Reopened a topic"),
        "topic.pin": _l("Pinned a topic"),
        "topic.unpin": _l("Unpinned a topic"),
        "topic.move": _l("Moved a topic"),
        "topic.split": _l("Split posts into a new topic"),
        "topic.merge": _l("Merged a topic into another"),
        "category.create": _l("Created a category"),
        "category.update": _l("Changed a category"),
    },
    targets={"post": post_names, "topic": topic_names, "category": category_names},
    target_labels={"post": _l("post"), "topic": _l("topic"), "category": _l("category")},
    fields={
        "state": _l("State"), "locked": _l("Closed"), "pinned": _l("Pinned"), "until": _l("Until"),
        "globally": _l("Pinned for everyone on Latest"),
        "category_id": _l("Category"), "topic_id": _l("Topic"), "post_ids": _l("Posts"),
        "post_numbers": _l("Post numbers"), "first_post_number": _l("From post number"), "posts": _l("Posts"),
        "excerpt": _l("Text"), "revision": _l("Revision"), "edit_count": _l("Edits"), "is_official": _l("Official"),
        "edited": _l("Edited first"),
        "slug": _l("Address"), "description": _l("Description"), "read_access": _l("Who reads"),
        "topic_access": _l("Who starts topics"), "is_questions": _l("Questions and answers"),
        "approve_topics": _l("Approve new topics"), "approve_replies": _l("Approve replies"),
        "translations": _l("Translations"),
    },
    id_fields={"post_ids": "post"},
)

"""The paths of a post: the one place that builds them.

* :func:`post_path` — the stable permalink ``/t/<slug>/<topic id>/<post number>``, what notices,
  mails and bookmarks store: it still finds the post after more replies move it to another
  page (the route computes the page when followed).
* :func:`post_on_page` — the topic page that shows the post now, with its anchor: where a
  redirect sends the reader after an action on the post.

Relative paths; absolute links (mail) come only from :func:`forum.urls.public_url`.
"""

from __future__ import annotations

from typing import Any

from flask import url_for

from .models import Topic
from .services.reads import page_of_post  # the module itself: services imports this one (posting -> notices)


def post_path(topic: Topic, post_number: int) -> str:
    return url_for("discussions.post_permalink", slug=topic.slug or "-", topic_id=topic.id,
                   post_number=post_number, _external=False)


def post_on_page(topic: Topic, post_number: int) -> str:
    page = page_of_post(topic, post_number)
    values: dict[str, Any] = {"slug": topic.slug, "topic_id": topic.id}
    if page > 1:  # page 1 has no ?page=, so every topic has one canonical URL
        values["page"] = page
    return url_for("discussions.topic", **values) + f"#p{post_number}"

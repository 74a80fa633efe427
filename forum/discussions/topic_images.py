"""A topic's thumbnail in lists: the first image of its first published post that shows one
(usually the opening post; a member's photo of the problem is often a reply). Recomputed inside
every write that can change it: a post written, edited, approved, hidden, withdrawn, restored or
moved to another topic. Which files a post shows is the uploads domain's knowledge
(:class:`~forum.discussions.interfaces.PostFiles`)."""

from __future__ import annotations

from forum.registry import lookup

from .interfaces import PostFiles
from .models import Topic


def refresh_topic_image(topic: Topic) -> None:
    topic.image_token = lookup(PostFiles).topic_image(topic.id)


def topic_image_path(topic: Topic) -> str | None:
    """The thumbnail's site path for a topic list (a template global), None without one."""
    return lookup(PostFiles).thumbnail_path(topic.image_token) if topic.image_token else None

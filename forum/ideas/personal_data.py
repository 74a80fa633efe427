"""The ideas domain's part in a member's data rights: the votes they gave."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.discussions.models import Topic
from forum.extensions import db
from forum.urls import external_url

from .models import IdeaVote


class IdeaVotes:
    name = "idea_votes"
    description = _l("The ideas you voted for, and when.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.execute(select(Topic.id, Topic.slug, Topic.title, IdeaVote.created_at)
                                  .join(Topic, Topic.id == IdeaVote.topic_id)
                                  .where(IdeaVote.user_id == user.id).order_by(IdeaVote.id))
        return [{"idea": title, "url": external_url("discussions.topic", slug=slug, topic_id=topic_id),
                 "voted_at": at.isoformat()} for topic_id, slug, title, at in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        """Votes stay, counted for the ideas, on the former member's anonymous account: they
        carry nothing but the choice (no address, no text)."""

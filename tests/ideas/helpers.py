"""Shared makers of the ideas tests: a board, ideas in it, voters."""

from __future__ import annotations

from typing import Any

from forum.extensions import db
from forum.ideas import boards
from forum.ideas.models import Idea
from tests.factories import make_category, make_topic, make_user


def make_board(budget: int = 0, slug: str = "ideas", **fields: Any) -> Any:
    category = make_category(fields.pop("name", "Ideas"), slug=slug, **fields)
    admin = make_user(f"boardadmin-{slug}", role="admin")
    boards.make_board(admin, category, budget)
    return category


def make_idea(category: Any, title: str | None = None, author: Any = None) -> Any:
    return make_topic(author or make_user(), category, title=title)


def vote_count(topic_id: int) -> int:
    idea = db.session.get(Idea, topic_id)
    if idea is not None:
        db.session.refresh(idea)
    return idea.vote_count if idea is not None else 0

"""The Quickstart demo has an "Ideas" board with ideas, votes and a planned one, in three languages."""

from __future__ import annotations

from sqlalchemy import select

from forum.discussions.models import Category
from forum.extensions import db
from forum.ideas.boards import board_ids
from forum.ideas.models import Idea


def test_demo_has_an_ideas_board_with_votes_and_a_planned_idea(runner, client):
    result = runner.invoke(args=["forum", "demo"])
    assert result.exit_code == 0, result.output
    board = db.session.scalar(select(Category).where(Category.slug == "ideas"))
    assert board is not None and board.id in board_ids()
    assert board.translations["it"]["name"] == "Idee" and board.translations["fr"]["name"] == "Idées"
    ideas = db.session.scalars(select(Idea).where(Idea.category_id == board.id)).all()
    assert sum(i.vote_count for i in ideas) == 8
    assert {i.status for i in ideas} >= {"planned", "under_review"}
    page = client.get("/ideas").get_data(as_text=True)
    assert "Un timer sulla Moka Pro" in page and "Planned" in page

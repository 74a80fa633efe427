"""``forum check [--repair]`` walks every domain's IntegrityCheck: tags' topic counts and ideas'
vote counts are verified and repaired with discussions' counters, in one command."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from forum.discussions import integrity as discussions_integrity
from forum.discussions import services as discussions
from forum.extensions import db
from forum.ideas import status, votes
from forum.ideas.models import Idea
from forum.interfaces import IntegrityCheck, Mismatch
from forum.registry import contributions
from forum.tags.models import Tag
from tests.factories import make_category, make_user
from tests.ideas.helpers import make_board, make_idea, vote_count
from tests.tags.conftest import counts, make_tag


def _shipped_idea_with_two_votes() -> Any:
    idea = make_idea(make_board(budget=5), "A bigger water tank")
    for name in ("vera", "vito"):
        votes.vote(make_user(name), idea)
    status.set_status(make_user("emma", role="moderator"), idea, "shipped", "Out in 2.1.")
    return idea


def _tagged_topic() -> Any:
    make_tag("grinder")
    make_tag("unused")
    return discussions.create_topic(make_user("tina"), make_category(), "Grinder settings for espresso",
                                    "Some words about the machine.", tags="grinder").post.topic


def test_every_domain_with_counters_contributes_in_domain_order(app):
    names = [each.name for each in contributions(IntegrityCheck)]
    assert [n for n in names if n in ("discussions", "tags", "ideas")] == ["discussions", "tags", "ideas"]
    assert discussions_integrity.Mismatch is Mismatch  # the old import path still works


def test_refunded_votes_still_count_for_a_shipped_idea(app):
    idea = _shipped_idea_with_two_votes()
    assert vote_count(idea.id) == 2
    assert [m for each in contributions(IntegrityCheck) for m in each.check(db.session)] == []


def test_forum_check_reports_and_repairs_wrong_tag_and_vote_counts(app, runner):
    _tagged_topic()
    idea = _shipped_idea_with_two_votes()
    assert runner.invoke(args=["forum", "check"]).exit_code == 0
    grinder, unused = (db.session.scalar(select(Tag).where(Tag.name == n)) for n in ("grinder", "unused"))
    db.session.execute(update(Tag).where(Tag.id == grinder.id).values(topic_count=5))
    db.session.execute(update(Tag).where(Tag.id == unused.id).values(topic_count=3))
    db.session.execute(update(Idea).where(Idea.topic_id == idea.id).values(vote_count=0))
    db.session.commit()

    result = runner.invoke(args=["forum", "check"])
    assert result.exit_code == 1, result.output
    assert f"tags: tag {grinder.id} topic_count: stored 5, expected 1" in result.output
    assert f"tags: tag {unused.id} topic_count: stored 3, expected 0" in result.output
    assert f"ideas: idea {idea.id} vote_count: stored 0, expected 2" in result.output
    assert "3 value(s) disagree with the rows; run with --repair." in result.output
    assert counts() == {"grinder": 5, "unused": 3}  # checking changes nothing

    result = runner.invoke(args=["forum", "check", "--repair"])
    assert result.exit_code == 0, result.output
    assert "Repaired 3 value(s); 0 left." in result.output
    assert counts() == {"grinder": 1, "unused": 0} and vote_count(idea.id) == 2
    assert "All counters match the rows." in runner.invoke(args=["forum", "check"]).output


def test_the_tags_recount_command_is_gone(app, runner):
    result = runner.invoke(args=["forum", "tags", "recount"])
    assert result.exit_code != 0  # `forum check --repair` is the one place (README)

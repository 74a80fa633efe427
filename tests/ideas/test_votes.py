"""Votes: one per member per idea, the budget and its refunds, the count kept by its one writer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from forum import pagination
from forum.db_types import utcnow
from forum.discussions.services import topic_tools
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.ideas import listing, status, votes
from forum.ideas.models import IdeaBoard, IdeaVote
from forum.ideas.personal_data import IdeaVotes
from tests.factories import make_user
from tests.ideas.helpers import make_board, make_idea, vote_count


def test_one_vote_per_member_per_idea(app):
    board = make_board()
    idea = make_idea(board)
    member = make_user("voter")
    votes.vote(member, idea)
    with pytest.raises(ValidationFailed):
        votes.vote(member, idea)
    assert vote_count(idea.id) == 1
    assert db.session.scalar(select(func.count()).select_from(IdeaVote)) == 1
    votes.unvote(member, idea)
    assert vote_count(idea.id) == 0
    with pytest.raises(ValidationFailed):
        votes.unvote(member, idea)


def test_the_unique_constraint_holds_even_past_the_service(app):
    board = make_board()
    idea = make_idea(board)
    member = make_user("voter")
    votes.vote(member, idea)
    db.session.add(IdeaVote(topic_id=idea.id, user_id=member.id, category_id=board.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_budget_limits_votes_and_shipped_or_declined_ideas_give_them_back(app):
    board = make_board(budget=2)
    first, second, third = (make_idea(board, f"Idea number {n}") for n in range(3))
    member, staff = make_user("voter"), make_user("staffer", role="moderator")
    votes.vote(member, first)
    votes.vote(member, second)
    board_row = db.session.get(IdeaBoard, board.id)
    assert votes.votes_left(member, board_row) == 0
    with pytest.raises(ValidationFailed):
        votes.vote(member, third)
    status.set_status(staff, first, "shipped", "Out in the spring release.")
    assert votes.votes_left(member, board_row) == 1  # refunded, and the idea keeps its vote
    assert vote_count(first.id) == 1
    votes.vote(member, third)
    status.set_status(staff, second, "declined", "Not for now.")
    assert votes.votes_left(member, board_row) == 1
    with pytest.raises(ValidationFailed):
        votes.vote(make_user("late"), first)  # closed ideas take no votes


def test_a_planned_idea_still_counts_against_the_budget(app):
    board = make_board(budget=1)
    idea, other = make_idea(board), make_idea(board)
    member = make_user("voter")
    votes.vote(member, idea)
    status.set_status(make_user("boss", role="admin"), idea, "planned")
    with pytest.raises(ValidationFailed):
        votes.vote(member, other)


def test_who_may_vote(app):
    board = make_board()
    idea = make_idea(board)
    silenced = make_user("quiet", silenced_until=utcnow() + timedelta(days=3))
    with pytest.raises(PermissionDenied):
        votes.vote(silenced, idea)
    unverified = make_user("fresh", verified=False)
    with pytest.raises(PermissionDenied):
        votes.vote(unverified, idea)
    staff_board = make_board(slug="staff-ideas", read_access="staff")
    hidden = make_idea(staff_board, author=make_user("boss", role="admin"))
    with pytest.raises(PermissionDenied):
        votes.vote(make_user("member"), hidden)


def test_trending_counts_votes_of_the_last_seven_days(app):
    board = make_board()
    old, fresh, quiet = (make_idea(board, f"Idea about {w}") for w in ("old", "fresh", "quiet"))
    for n in range(3):
        votes.vote(make_user(f"old{n}"), old)
    votes.vote(make_user("new0"), fresh)
    db.session.execute(update(IdeaVote).where(IdeaVote.topic_id == old.id)
                       .values(created_at=utcnow() - timedelta(days=listing.TRENDING_DAYS + 1)))
    db.session.commit()
    reader = make_user("reader")
    by_votes = [row.topic.id for row in listing.board_page(reader, board, "votes").items]
    trending = [row.topic.id for row in listing.board_page(reader, board, "trending").items]
    newest = [row.topic.id for row in listing.board_page(reader, board, "newest").items]
    assert by_votes == [old.id, fresh.id, quiet.id]
    assert trending == [fresh.id, quiet.id, old.id]  # no recent votes: by id, newest first
    assert newest == [quiet.id, fresh.id, old.id]


@pytest.mark.parametrize("order", listing.ORDERS)
def test_keyset_pages_meet_every_idea_once(app, order):
    board = make_board()
    ideas = [make_idea(board, f"Idea number {n}") for n in range(7)]
    for n, idea in enumerate(ideas):
        for k in range(n % 3):
            votes.vote(make_user(f"v{n}-{k}"), idea)
    reader = make_user("reader")
    seen, cursor = [], None
    while True:
        page = listing.board_page(reader, board, order, cursor, per_page=3)
        seen += [row.topic.id for row in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(i.id for i in ideas) and len(seen) == len(set(seen))


def test_a_members_votes_are_in_their_data_export(app):
    board = make_board()
    idea = make_idea(board, "Exported idea title")
    member = make_user("voter")
    votes.vote(member, idea)
    rows = IdeaVotes().export(member)
    assert [(r["idea"], r["url"]) for r in rows] == [("Exported idea title", f"http://forum.test/t/{idea.slug}/{idea.id}")]


def test_an_idea_moved_to_another_board_takes_its_votes_along(app):
    first, second = make_board(budget=1, slug="first"), make_board(budget=1, slug="second")
    idea, other = make_idea(first), make_idea(second)
    member = make_user("voter")
    votes.vote(member, idea)
    topic_tools.move_topic(make_user("mod", role="moderator"), idea, second)
    assert votes.votes_left(member, db.session.get(IdeaBoard, second.id)) == 0
    assert votes.votes_left(member, db.session.get(IdeaBoard, first.id)) == 1
    with pytest.raises(ValidationFailed):
        votes.vote(member, other)


@pytest.mark.parametrize("order", ["votes", "trending"])
def test_count_orders_page_with_the_codecs_integer_key(app, monkeypatch, order):
    """The vote orders' cursors are forum.pagination's (count, id) cursors, not a count disguised
    as a timestamp: the codec decodes what the list encoded, and the list reads the codec's position."""
    board = make_board()
    ideas = [make_idea(board, f"Counted idea {n}") for n in range(3)]
    for n, idea in enumerate(ideas):
        for k in range(n):
            votes.vote(make_user(f"c{n}-{k}"), idea)
    reader = make_user("reader")
    first = listing.board_page(reader, board, order, None, per_page=1)
    assert pagination.decode_count_cursor(first.next_cursor) == (2, ideas[2].id)
    decoded: list[object] = []
    real = pagination.decode_count_cursor
    monkeypatch.setattr(listing, "decode_count_cursor", lambda cursor: decoded.append(real(cursor)) or decoded[-1])
    second = listing.board_page(reader, board, order, first.next_cursor, per_page=1)
    assert decoded == [(2, ideas[2].id)] and [row.topic.id for row in second.items] == [ideas[1].id]
    assert listing.of_status(reader, "planned", cursor=pagination.encode_count_cursor(5, 1)).items == []

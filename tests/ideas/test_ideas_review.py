"""Fixes from the review of the ideas boards: what a merge keeps, who may vote in a locked
category, merge targets less readable than the duplicate, the export link's rule, how the
admin page's routes are registered, and members left over budget by a reopened idea."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from forum.audit.models import AuditLog
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.ideas import admin_views, permissions, status, votes
from forum.ideas.models import Idea, IdeaBoard
from tests.factories import make_user
from tests.ideas.helpers import make_board, make_idea, vote_count


def test_a_merge_names_in_the_audit_entry_the_members_whose_second_vote_was_given_back(app):
    board = make_board()
    duplicate, target = make_idea(board, "Dark mode please"), make_idea(board, "A dark theme")
    twice_a, twice_b, once = make_user("twice-a"), make_user("twice-b"), make_user("once")
    for member in (twice_a, twice_b, once):
        votes.vote(member, duplicate)
    for member in (twice_b, twice_a):
        votes.vote(member, target)
    status.merge_ideas(make_user("mod", role="moderator"), duplicate, target, "Same thing.")
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "idea.merge"))
    assert entry.before == {"votes": 3}
    assert entry.after == {"topic_id": target.id, "votes": 1, "given_back": sorted([twice_a.id, twice_b.id])}
    assert vote_count(target.id) == 3


def test_members_may_not_vote_in_a_locked_category_staff_may(client):
    board = make_board()
    idea = make_idea(board, "Quieter notifications")
    board.is_locked = True  # the crisis tools' switch
    db.session.commit()
    member = make_user("marco")
    with pytest.raises(PermissionDenied):
        votes.vote(member, idea)
    client.login("marco")
    page = client.get(f"/t/{idea.slug}/{idea.id}").get_data(as_text=True)
    assert "Vote for this idea" not in page
    assert client.post_form(f"/ideas/{idea.id}/vote").status_code == 403
    assert vote_count(idea.id) == 0
    votes.vote(make_user("emma", role="moderator"), idea)
    assert vote_count(idea.id) == 1


def test_a_public_idea_is_not_merged_into_one_fewer_people_can_read(client):
    public = make_board(slug="ideas", name="Ideas")
    members = make_board(slug="members-ideas", name="Members' ideas", read_access="members")
    drafts = make_board(slug="drafts", name="Drafts", read_access="staff")
    moderator = make_user("mod", role="moderator")
    duplicate = make_idea(public, "Export my data")
    secret = make_idea(drafts, "Secret partnership with ACME", author=moderator)
    members_only = make_idea(members, "Members' export")
    with pytest.raises(ValidationFailed):
        status.merge_ideas(moderator, duplicate, secret)
    with pytest.raises(ValidationFailed):
        status.merge_ideas(moderator, duplicate, members_only)
    assert db.session.get(Idea, duplicate.id) is None or db.session.get(Idea, duplicate.id).status != "merged"
    client.login("mod")
    page = client.post_form(f"/ideas/{duplicate.id}/merge",
                            {"target": f"/t/{secret.slug}/{secret.id}", "note": "My careful merge note"})
    text = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "Fewer people can read that idea than this one" in text and "My careful merge note" in text
    # the other way round is fine: everyone who reads the staff draft reads the public idea
    other_draft = make_idea(drafts, "Draft of the export", author=moderator)
    assert status.merge_ideas(moderator, other_draft, duplicate) == 0
    assert db.session.get(Idea, other_draft.id).status == "merged"


def test_the_export_link_follows_the_permission_not_the_staff_flag(client, monkeypatch):
    make_board()
    make_user("emma", role="moderator")
    client.login("emma")
    assert "/ideas/export.csv" in client.get("/ideas").get_data(as_text=True)
    monkeypatch.setattr(permissions, "can_export", lambda user: False)
    assert "/ideas/export.csv" not in client.get("/ideas").get_data(as_text=True)


def test_the_admin_routes_are_added_explicitly_by_init_app(app):
    assert not hasattr(admin_views, "bp")  # no routes declared on views.bp as an import side effect
    throwaway = Flask("throwaway")
    admin_views.add_routes(throwaway)
    assert {"ideas.admin", "ideas.admin_board", "ideas.admin_remove_board"} <= set(throwaway.view_functions)
    assert app.view_functions["ideas.admin"] is admin_views.admin


def test_a_member_left_over_budget_by_a_reopened_idea_is_told_and_cannot_vote(client):
    board = make_board(budget=1)
    declined, second, third = make_idea(board, "Declined idea"), make_idea(board, "Second idea"), \
        make_idea(board, "Third idea")
    member = make_user("marco")
    staff = make_user("emma", role="moderator")
    votes.vote(member, declined)
    status.set_status(staff, declined, "declined", "Not now.")
    votes.vote(member, second)  # the declined idea's vote came back
    status.set_status(staff, declined, "under_review", "Reconsidering.")  # reopened: 2 votes, budget 1
    board_row = db.session.get(IdeaBoard, board.id)
    assert votes.votes_left(member, board_row) == -1
    client.login("marco")
    page = client.get("/ideas/ideas").get_data(as_text=True)
    assert "Over budget:" in page and 'data-over-budget="1"' in page and "votes left" not in page
    page = client.get(f"/t/{third.slug}/{third.id}").get_data(as_text=True)
    assert "Over budget:" in page and "Vote for this idea" not in page
    with pytest.raises(ValidationFailed):
        votes.vote(member, third)
    client.post_form(f"/ideas/{second.id}/unvote")
    assert votes.votes_left(member, board_row) == 0
    assert "Over budget:" not in client.get("/ideas/ideas").get_data(as_text=True)

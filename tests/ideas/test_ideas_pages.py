"""The ideas pages over HTTP: voting (POST + CSRF, who may), the board and /ideas lists, the topic
header and list chips, the staff forms, the admin page, and the product team's CSV."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from forum.discussions import services as discussions
from forum.discussions.reactions import react
from forum.extensions import db
from forum.ideas import status, votes
from forum.ideas.models import IdeaBoard, IdeaVote
from forum.settings import get_setting
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post
from tests.ideas.helpers import make_board, make_idea, vote_count


def _vote_url(topic) -> str:
    return f"/ideas/{topic.id}/vote"


def test_a_member_votes_and_unvotes_with_the_topic_header_button(client):
    board = make_board(budget=3)
    idea = make_idea(board, "Moka for induction hobs")
    make_user("marco")
    client.login("marco")
    page = client.get(f"/t/{idea.slug}/{idea.id}").get_data(as_text=True)
    assert "Vote for this idea" in page and "You have 3 votes left on this board." in page
    assert client.post(_vote_url(idea)).status_code == 400  # no CSRF token: refused
    assert vote_count(idea.id) == 0
    response = client.post_form(_vote_url(idea), {"next": "/ideas/ideas"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/ideas/ideas")
    assert vote_count(idea.id) == 1
    page = client.get(f"/t/{idea.slug}/{idea.id}").get_data(as_text=True)
    assert "Take back my vote" in page and "You have 2 votes left on this board." in page
    assert 'data-idea-votes="1"' in page
    client.post_form(f"/ideas/{idea.id}/unvote")
    assert vote_count(idea.id) == 0


def test_votes_are_refused_to_visitors_and_to_topics_outside_boards(client):
    board = make_board()
    idea = make_idea(board)
    plain = make_topic(make_user(), make_category("Plain", slug="plain"))
    response = client.post_form(_vote_url(idea))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    make_user("marco")
    client.login("marco")
    assert client.post_form(_vote_url(plain)).status_code == 404
    assert client.get(f"/ideas/{plain.slug}").status_code == 404
    assert db.session.scalar(select(IdeaVote.id)) is None


def test_a_staff_only_board_is_a_404_to_members(client):
    board = make_board(slug="drafts", read_access="staff")
    idea = make_idea(board, author=make_user("boss", role="admin"))
    make_user("marco")
    client.login("marco")
    assert client.get("/ideas/drafts").status_code == 404
    assert client.post_form(_vote_url(idea)).status_code == 404


def test_board_list_topic_list_chips_and_category_link(client):
    board = make_board()
    top, other = make_idea(board, "The most wanted idea"), make_idea(board, "A quieter idea")
    for n in range(2):
        votes.vote(make_user(f"fan{n}"), top)
    status.set_status(make_user("emma", role="moderator"), top, "planned", "Soon.")
    page = client.get("/ideas/ideas").get_data(as_text=True)
    assert page.index("The most wanted idea") < page.index("A quieter idea")
    assert "Planned" in page
    category_page = client.get("/c/ideas").get_data(as_text=True)
    assert "/ideas/ideas" in category_page and "2 votes" in category_page and "Planned" in category_page
    assert 'href="/ideas"' in client.get("/").get_data(as_text=True)  # the header link, since a board exists
    assert other.id


def test_the_header_link_is_absent_without_boards(client):
    assert get_setting("ideas_board_ids") == []
    assert 'href="/ideas"' not in client.get("/").get_data(as_text=True)


def test_ideas_by_status_page_groups_filters_and_leaves_staff_drafts_out(client):
    board = make_board()
    drafts = make_board(slug="drafts", name="Drafts", read_access="staff")
    emma = make_user("emma", role="moderator", staff=True)
    planned, shipped = make_idea(board, "Planned idea here"), make_idea(board, "Shipped idea here")
    secret = make_idea(drafts, "Secret roadmap idea", author=emma)
    status.set_status(emma, planned, "planned")
    status.set_status(emma, shipped, "shipped")
    status.set_status(emma, secret, "planned")
    client.login("emma")
    page = client.get("/ideas").get_data(as_text=True)
    assert "Planned idea here" in page and "Shipped idea here" in page and "Secret roadmap idea" not in page
    only = client.get("/ideas?status=planned").get_data(as_text=True)
    assert "Planned idea here" in only and "Shipped idea here" not in only
    assert client.get("/ideas?status=nonsense").status_code == 404
    assert client.get("/ideas?board=drafts").status_code == 404
    assert client.get("/ideas?status=planned&after=garbage").status_code == 400


def test_status_form_keeps_the_note_on_error_and_is_staff_only(client):
    board = make_board()
    idea = make_idea(board)
    make_user("marco")
    client.login("marco")
    assert client.get(f"/ideas/{idea.id}/status").status_code == 403
    client.post_form("/logout")
    make_user("emma", role="moderator")
    client.login("emma")
    long_note = "My careful note " + "x" * 6000
    page = client.post_form(f"/ideas/{idea.id}/status", {"status": "planned", "note": long_note})
    assert page.status_code == 400 and "My careful note" in page.get_data(as_text=True)  # refused, text kept
    response = client.post_form(f"/ideas/{idea.id}/status", {"status": "planned", "note": "On the roadmap."})
    assert response.status_code == 302
    assert "On the roadmap." in client.get(f"/t/{idea.slug}/{idea.id}").get_data(as_text=True)


def test_merge_form(client):
    board = make_board()
    duplicate, target = make_idea(board, "Duplicate idea"), make_idea(board, "Original idea")
    votes.vote(make_user("fan"), duplicate)
    make_user("mod", role="moderator")
    client.login("mod")
    page = client.post_form(f"/ideas/{duplicate.id}/merge", {"target": "999999", "note": "Keep this text"})
    assert page.status_code == 400 and "Keep this text" in page.get_data(as_text=True)
    response = client.post_form(f"/ideas/{duplicate.id}/merge", {"target": f"/t/{target.slug}/{target.id}"})
    assert response.status_code == 302 and vote_count(target.id) == 1


def test_csv_export_is_staff_only_safe_and_complete(client):
    board = make_board()
    idea = make_idea(board, "=HYPERLINK(\"http://evil\")", author=make_user("author"))
    db.session.refresh(idea)
    replies = [make_reply(idea, make_user(f"r{n}"), f"Reply number {n} with words.") for n in range(5)]
    for n, reply in enumerate(replies):
        for k in range(n):
            react(make_user(f"liker{n}-{k}"), reply, "heart")
    votes.vote(make_user("fan"), idea)
    status.set_status(make_user("emma", role="moderator"), idea, "planned", "-2+3 in **Q3**")
    make_user("marco")
    client.login("marco")
    assert client.get("/ideas/export.csv").status_code == 403
    client.post_form("/logout")
    make_user("staffer", role="moderator")
    client.login("staffer")
    response = client.get("/ideas/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    header, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert header[:3] == ["title", "url", "board"]
    assert row["title"].startswith("'=")  # formula-safe
    assert row["url"] == f"http://forum.test/t/{idea.slug}/{idea.id}"
    assert row["status"] == "Planned" and row["status_note"] == "'-2+3 in Q3" and row["votes"] == "1"
    assert row["first_post"] == opening_post(idea).raw
    assert [row["top_reply_1"], row["top_reply_2"], row["top_reply_3"]] == [
        "Reply number 4 with words.", "Reply number 3 with words.", "Reply number 2 with words."]


def test_admin_makes_a_board_and_renames_a_status_per_language(client):
    category = make_category("Wishes", slug="wishes")
    make_user("boss", role="admin")
    client.login("boss")
    assert client.get("/admin/ideas").status_code == 200
    client.post_form("/admin/ideas/boards", {"board-category_id": category.id, "board-vote_budget": 4})
    assert db.session.get(IdeaBoard, category.id).vote_budget == 4
    assert category.id in get_setting("ideas_board_ids")
    client.post_form("/admin/ideas", {"default_budget": 7, "label-planned-en": "On the roadmap",
                                      "label-planned-it": "In programma"})
    assert get_setting("ideas_default_vote_budget") == 7
    idea = make_idea(category)
    status.set_status(make_user("emma", role="moderator"), idea, "planned")
    assert "On the roadmap" in client.get(f"/t/{idea.slug}/{idea.id}").get_data(as_text=True)
    client.post_form(f"/admin/ideas/boards/{category.id}/remove")
    assert db.session.get(IdeaBoard, category.id) is None and get_setting("ideas_board_ids") == []


@pytest.mark.parametrize("path", ["/admin/ideas"])
def test_admin_page_is_for_admins(client, path):
    make_user("mod", role="moderator")
    client.login("mod")
    assert client.get(path).status_code == 403


def test_csv_export_carries_the_ideas_tags(client):
    board = make_board()
    boss = make_user("boss2", role="admin")
    topic = discussions.create_topic(boss, board, "Tagged idea here", "An idea with a tag.", tags="moka-pro").post.topic
    make_user("staffer", role="moderator")
    client.login("staffer")
    rows = list(csv.DictReader(io.StringIO(client.get("/ideas/export.csv").get_data(as_text=True))))
    assert [(r["title"], r["tags"]) for r in rows] == [(topic.title, "moka-pro")]


def test_the_board_title_does_not_repeat_a_board_named_ideas(client):
    make_board()  # a board named "Ideas", as the demo's
    make_board(slug="wishes", name="Wishes")
    named_ideas = client.get("/ideas/ideas").get_data(as_text=True)
    assert "<title>Ideas · " in named_ideas and "Ideas · Ideas" not in named_ideas
    assert "<title>Wishes · Ideas · " in client.get("/ideas/wishes").get_data(as_text=True)

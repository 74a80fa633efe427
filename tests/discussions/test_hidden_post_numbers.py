"""Post numbers never jump unexplained (issue 11): a reader who cannot see a post (held for
review, rejected, moved to another topic) sees a discreet "1 post hidden" marker where it was,
and a permalink to it lands on that marker. Moderators see every post with its state."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, update

from forum.discussions import services
from forum.discussions.models import Post, PostState
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user

POST_RE = re.compile(r'<article class="post[^"]*" id="p(\d+)"')
GAP_RE = re.compile(r'<div class="post-gap" role="note">(.*?)</div>', re.S)


def _stream(page: str) -> list[str]:
    """The page's posts and markers in order: "#3" for a post, the marker's text for a gap."""
    out = []
    for match in re.finditer(r'<article class="post[^"]*" id="p(\d+)"|<div class="post-gap" role="note">(.*?)</div>',
                             page, re.S):
        if match.group(1):
            out.append(f"#{match.group(1)}")
        else:
            out.append(" ".join(re.sub(r"<[^>]+>", " ", match.group(2)).split()))
    return out


@pytest.fixture
def held_topic():
    """#1 and #2 published, #3 held for review, #4 published (a moderator approved #4's author)."""
    category = make_category("Held", slug="held", approve_replies=True)
    author = make_user("opener")
    topic = make_topic(author, category, title="A topic with a held reply")
    category.approve_replies = False
    db.session.commit()
    make_reply(topic, make_user("second"), "The second post.")
    category.approve_replies = True
    db.session.commit()
    held = make_reply(topic, make_user("newbie"), "Held for review, not for readers.")
    assert held.state == PostState.PENDING and held.post_number == 3
    category.approve_replies = False
    db.session.commit()
    make_reply(topic, make_user("fourth"), "The fourth post.")
    return topic


def test_readers_see_a_marker_where_a_held_post_is(client, held_topic):
    page = client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True)
    assert _stream(page) == ["#1", "#2", "1 post hidden", "#4"]
    assert "Held for review, not for readers." not in page
    make_user("reader")
    client.login("reader")
    assert _stream(client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True)) == [
        "#1", "#2", "1 post hidden", "#4"]


def test_authors_and_moderators_see_the_post_itself_with_its_state(client, held_topic):
    for who in ("newbie", "mod"):
        if who == "mod":
            make_user("mod", role="moderator")
        client.login(who)
        page = client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True)
        assert _stream(page) == ["#1", "#2", "#3", "#4"]
        assert "Held for review, not for readers." in page and "Awaiting approval" in page
        client.post_form("/logout")


def test_a_permalink_to_a_hidden_post_lands_on_its_marker(client, held_topic):
    response = client.get(f"/t/{held_topic.slug}/{held_topic.id}/3")
    assert response.status_code == 302 and response.location.endswith(f"/t/{held_topic.slug}/{held_topic.id}#p3")
    page = client.get(response.location).get_data(as_text=True)
    marker = GAP_RE.search(page)
    assert marker and 'id="p3"' in marker.group(1)  # the anchor the browser scrolls to
    assert page.count('id="p3"') == 1
    # /p/<id> (links to a post by id) lands there too, without an error.
    held = db.session.scalar(select(Post).where(Post.topic_id == held_topic.id, Post.post_number == 3))
    assert client.get(f"/p/{held.id}").location.endswith("#p3")


def test_rejected_posts_and_runs_of_them_are_counted(client, held_topic):
    category = held_topic.category
    category.approve_replies = True
    db.session.commit()
    for i in range(2):
        make_reply(held_topic, make_user(), f"Trailing held reply {i}.")
    db.session.execute(update(Post).where(Post.topic_id == held_topic.id, Post.post_number == 3)
                       .values(state=PostState.REJECTED))
    db.session.commit()
    page = client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True)
    assert _stream(page) == ["#1", "#2", "1 post hidden", "#4", "2 posts hidden"]  # a gap at the end too


def test_posts_split_off_read_as_moved(client, held_topic):
    mod = make_user("mod", role="moderator")
    fourth = db.session.scalar(select(Post).where(Post.topic_id == held_topic.id, Post.post_number == 4))
    services.split_topic(mod, held_topic, [fourth.id], "The fourth post, on its own")
    make_reply(held_topic, make_user(), "A fifth post after the split.")
    page = client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True)
    assert _stream(page) == ["#1", "#2", "1 post hidden · 1 post moved to another topic", "#5"]
    client.login("mod")
    page = client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True)
    assert _stream(page) == ["#1", "#2", "#3", "1 post moved to another topic", "#5"]


def test_markers_are_translated(client, held_topic):
    make_user("lettrice", locale="it")
    client.login("lettrice")
    page = client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True)
    assert "1 messaggio nascosto" in _stream(page)
    client.post_form("/logout")
    make_user("lectrice", locale="fr")
    client.login("lectrice")
    assert "1 message masqué" in _stream(client.get(f"/t/{held_topic.slug}/{held_topic.id}").get_data(as_text=True))


def test_a_full_page_of_hidden_posts_shows_the_marker_and_the_pager(client, app):
    category = make_category("Busy", slug="busy")
    topic = make_topic(make_user("talker"), category, title="Many posts, some held")
    for i in range(20):
        make_reply(topic, make_user(), f"Reply {i + 2} here.")
    category.approve_replies = True
    db.session.commit()
    for i in range(3):
        make_reply(topic, make_user(), f"Held reply {i}.")  # #22, #23, #24 on page 2
    page = client.get(f"/t/{topic.slug}/{topic.id}?page=2").get_data(as_text=True)
    assert _stream(page) == ["#21", "3 posts hidden"]
    assert POST_RE.findall(page) == ["21"]

"""The topic page: pagination, permalinks, slugs, post anatomy, quotes and mentions."""

from __future__ import annotations

import html as html_lib
import re

from sqlalchemy import select

from forum.discussions.models import Post
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user

POST_RE = re.compile(r'<article class="post[^"]*" id="p(\d+)"')


def _numbers(response) -> list[int]:
    return [int(n) for n in POST_RE.findall(response.get_data(as_text=True))]


def _long_topic(replies: int):
    author = make_user("talker")
    topic = make_topic(author, make_category("Long", slug="long"), title="A long conversation")
    for i in range(replies):
        make_reply(topic, author, body=f"Reply number {i + 2} in the long conversation.")
    return topic


def test_twenty_posts_a_page_and_page_parameter(client):
    topic = _long_topic(44)  # 45 posts: pages of 20, 20, 5
    url = f"/t/{topic.slug}/{topic.id}"
    assert _numbers(client.get(url)) == list(range(1, 21))
    assert _numbers(client.get(url + "?page=2")) == list(range(21, 41))
    assert _numbers(client.get(url + "?page=3")) == list(range(41, 46))
    assert _numbers(client.get(url + "?page=99")) == list(range(41, 46))  # clamped to the last page
    assert _numbers(client.get(url + "?page=junk")) == list(range(1, 21))
    page2 = client.get(url + "?page=2").get_data(as_text=True)
    assert f'href="{url}?page=3"' in page2 and f'href="{url}?page=1"' in page2


def test_permalink_lands_on_the_right_page_and_anchor(client):
    topic = _long_topic(44)
    response = client.get(f"/t/{topic.slug}/{topic.id}/27")
    assert response.status_code in (301, 302)
    assert response.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}?page=2#p27")
    assert client.get(f"/t/{topic.slug}/{topic.id}/3").headers["Location"].endswith(
        f"/t/{topic.slug}/{topic.id}#p3")
    # The slug is cosmetic in a permalink (quotes link with "-").
    assert client.get(f"/t/-/{topic.id}/41").headers["Location"].endswith(
        f"/t/{topic.slug}/{topic.id}?page=3#p41")
    landed = client.get(f"/t/{topic.slug}/{topic.id}/27", follow_redirects=True)
    assert 27 in _numbers(landed)


def test_wrong_slug_redirects_permanently_keeping_the_page(client):
    topic = _long_topic(25)
    response = client.get(f"/t/old-title/{topic.id}?page=2")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}?page=2")
    assert client.get(f"/t/whatever/{topic.id}").headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}")
    assert client.get(f"/t/{topic.slug}/999999").status_code == 404


def test_post_id_redirect(client):
    topic = _long_topic(24)
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 22))
    response = client.get(f"/p/{post.id}")
    assert response.status_code in (301, 302)
    assert response.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}?page=2#p22")
    assert client.get("/p/987654").status_code == 404


def test_post_shows_author_avatar_join_date_time_and_permalink(client):
    author = make_user("giulia", display_name="Giulia Rossi")
    topic = make_topic(author, make_category("Show", slug="show"), title="Look at my post")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    article = page.split('id="p1"')[1].split("</article>")[0]
    assert "Giulia Rossi" in article and 'href="/u/giulia"' in article
    assert 'class="avatar"' in article and ">G</span>" in article
    assert "joined" in article
    assert "<time datetime=" in article
    assert f'href="/t/{topic.slug}/{topic.id}/1"' in article
    assert 'id="reply"' in page  # the reply box (login prompt for visitors)


def test_quote_prefills_the_reply_and_links_to_the_quoted_post(client):
    topic = _long_topic(22)
    quoted = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 21))
    make_user("quoter")
    client.login("quoter")
    page = client.get(f"/t/{topic.slug}/{topic.id}?quote={quoted.id}").get_data(as_text=True)
    textarea = html_lib.unescape(page.split('name="body"')[1].split("</textarea>")[0])
    assert f'[quote="talker, post:21, topic:{topic.id}"]' in textarea
    assert "Reply number 21 in the long conversation." in textarea
    assert 'name="reply_to" type="hidden" value="21"' in page

    body = textarea.split(">", 1)[1].lstrip("\n") + "I agree with this."
    response = client.post_form(f"/t/{topic.id}/reply", {"body": body, "reply_to": "21"})
    assert response.status_code == 302
    reply = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 24))
    assert reply.reply_to_post_number == 21
    assert f'<a href="/t/-/{topic.id}/21" rel="nofollow ugc noopener">talker:</a>' in reply.cooked
    assert "<blockquote>" in reply.cooked and "I agree with this." in reply.cooked
    # The quote's link lands on the quoted post.
    landed = client.get(f"/t/-/{topic.id}/21")
    assert landed.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}?page=2#p21")


def test_mentions_link_only_existing_users(client):
    make_user("marco")
    author = make_user("writer")
    topic = make_topic(author, make_category("Mentions", slug="mentions"), title="Hello people",
                       body="Thanks @marco and @nobody_here for the help.")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    assert re.search(r'<a class="mention" href="/u/marco"[^>]*>@marco</a>', post.cooked)
    assert "@nobody_here" in post.cooked and "/u/nobody_here" not in post.cooked
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert 'href="/u/marco"' in page
    assert client.get("/u/marco").status_code == 200


def test_markdown_features_are_cooked_at_write_time(client):
    body = ("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~old~~ **new** https://example.com\n\n"
            "```python\nprint('hi')\n```\n")
    topic = make_topic(make_user(), make_category("Md", slug="md"), title="Markdown test", body=body)
    cooked = db.session.scalar(select(Post.cooked).where(Post.topic_id == topic.id))
    assert "<table>" in cooked and "<s>old</s>" in cooked and "<strong>new</strong>" in cooked
    assert 'href="https://example.com"' in cooked and 'class="language-python"' in cooked
    assert cooked in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)


def test_locked_topic_refuses_replies(client):
    topic = make_topic(make_user(), make_category("Locks", slug="locks"), title="Locked soon")
    topic.is_locked = True
    db.session.commit()
    make_user("latecomer")
    client.login("latecomer")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "This topic is locked" in page and f'action="/t/{topic.id}/reply"' not in page
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "Trying anyway to reply."})
    assert response.status_code == 403
    assert db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 2)) is None
    # Moderators may still reply.
    make_user("lockmod", role="moderator")
    client.post_form("/logout")
    client.login("lockmod")
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Moderator note."}).status_code == 302


def test_reply_validation_keeps_the_text(client):
    topic = make_topic(make_user(), make_category("Val", slug="val"), title="Validate me")
    make_user("shorty")
    client.login("shorty")
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="body-error"' in page and "at least 2 characters" in page
    assert re.search(r'name="body"[^>]*>\s*x</textarea>', page)


def test_pager_window_lists_only_the_pages_shown(app):
    from forum.discussions.services import TopicPage

    def window(page: int, pages: int) -> list[int | None]:
        return TopicPage(topic=None, posts=[], page=page, pages=pages, per_page=20).window

    assert window(250, 500) == [1, None, 248, 249, 250, 251, 252, None, 500]
    assert window(1, 500) == [1, 2, 3, None, 500]
    assert window(4, 6) == [1, 2, 3, 4, 5, 6]
    assert window(1, 1) == [1]

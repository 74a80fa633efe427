"""Writing: new topics (preview, validation), replies, edits with revisions, withdraw/restore, counters."""

from __future__ import annotations

import html as html_lib
import re

from sqlalchemy import select

from forum.accounts.models import User
from forum.discussions import counters, services
from forum.discussions.models import Category, PostRevision, PostState, Topic
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post


def _general() -> Category:
    return db.session.scalar(select(Category).where(Category.slug == "general"))


def _field_error(page: str, name: str) -> str:
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    return html_lib.unescape(match.group(1)) if match else ""


def _textarea(page: str, name: str = "body") -> str:
    match = re.search(rf'<textarea[^>]*name="{name}"[^>]*>\s*(.*?)</textarea>', page, re.DOTALL)
    return html_lib.unescape(match.group(1)) if match else ""


def test_new_topic_creates_topic_and_lands_on_it(client):
    make_user("starter")
    client.login("starter")
    response = client.post_form("/new-topic", {"category": _general().id, "title": "My first real topic",
                                               "body": "Hello **world**, nice to meet you."})
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.title == "My first real topic"))
    assert response.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}")
    assert topic.slug == "my-first-real-topic"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>world</strong>" in page


def test_new_topic_preview_is_server_rendered_and_keeps_the_text(client):
    make_user("previewer")
    client.login("previewer")
    response = client.post_form("/new-topic", {"category": _general().id, "title": "",
                                               "body": "Some *emphasis* and @previewer", "preview": "1"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    preview = page.split('class="preview-block"')[1]
    assert "<em>emphasis</em>" in preview and 'href="/u/previewer"' in preview
    assert _textarea(page) == "Some *emphasis* and @previewer"
    assert not _field_error(page, "title")  # a preview does not validate the title
    assert db.session.scalar(select(Topic.id).where(Topic.user_id.is_not(None))) is None  # nothing saved


def test_preview_endpoint_cooks_and_needs_csrf(client):
    make_user("ajax")
    client.login("ajax")
    response = client.post_form("/preview", {"body": "~~gone~~ `code` <script>x</script>"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<s>gone</s>" in html and "<code>code</code>" in html and "<script>" not in html
    assert client.post("/preview", data={"body": "no token"}).status_code == 400


def test_new_topic_validation_errors_keep_the_text_next_to_the_field(client):
    make_user("hasty")
    client.login("hasty")
    response = client.post_form("/new-topic", {"category": _general().id, "title": "Hi",
                                               "body": "The body I wrote carefully."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "at least 5 characters" in _field_error(page, "title")
    assert _textarea(page) == "The body I wrote carefully."
    assert 'value="Hi"' in page

    response = client.post_form("/new-topic", {"category": _general().id, "title": "A perfectly fine title",
                                               "body": ""})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _field_error(page, "body") and not _field_error(page, "title")
    assert 'value="A perfectly fine title"' in page
    assert db.session.scalar(select(Topic.id).where(Topic.user_id.is_not(None))) is None


def test_edit_keeps_a_revision_and_shows_edited_to_author_and_staff_only(client):
    author = make_user("editor")
    topic = make_topic(author, _general(), title="Edit me please")
    reply = make_reply(topic, author, body="Original words of the reply.")
    client.login("editor")
    response = client.post_form(f"/posts/{reply.id}/edit", {"body": "Better words of the reply.",
                                                            "reason": "typo"})
    assert response.status_code == 302
    db.session.refresh(reply)
    assert reply.raw == "Better words of the reply." and "Better words" in reply.cooked
    assert reply.edit_count == 1 and reply.edited_at is not None
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == reply.id))
    assert revision.number == 1 and revision.raw == "Original words of the reply."
    assert "Original words" in revision.cooked and revision.reason == "typo"

    revisions_url = f"/posts/{reply.id}/revisions"
    topic_url = f"/t/{topic.slug}/{topic.id}"
    assert f'href="{revisions_url}"' in client.get(topic_url).get_data(as_text=True)
    history = client.get(revisions_url)
    assert history.status_code == 200 and "Original words of the reply." in history.get_data(as_text=True)
    client.post_form("/logout")

    make_user("stranger")
    client.login("stranger")
    page = client.get(topic_url).get_data(as_text=True)
    assert "edited" in page and f'href="{revisions_url}"' not in page
    assert client.get(revisions_url).status_code == 403
    client.post_form("/logout")
    assert client.get(revisions_url).status_code == 403  # visitors too

    make_user("staffer", staff=True)
    client.login("staffer")
    assert f'href="{revisions_url}"' in client.get(topic_url).get_data(as_text=True)
    assert client.get(revisions_url).status_code == 200


def test_official_post_history_is_public(client):
    staff = make_user("brand", staff=True)
    topic = make_topic(make_user(), _general(), title="Question for the brand")
    post = services.create_reply(staff, topic, "Official answer, version one.", official=True).post
    services.edit_post(staff, post, "Official answer, version two.")
    response = client.get(f"/posts/{post.id}/revisions")  # a visitor
    assert response.status_code == 200
    assert "version one" in response.get_data(as_text=True)


def test_title_edit_on_first_post(client):
    author = make_user("retitler")
    topic = make_topic(author, _general(), title="Old title here")
    first = opening_post(topic)
    reply = make_reply(topic, author)
    client.login("retitler")
    edit_page = client.get(f"/posts/{first.id}/edit").get_data(as_text=True)
    assert 'value="Old title here"' in edit_page
    assert 'name="title"' not in client.get(f"/posts/{reply.id}/edit").get_data(as_text=True)
    response = client.post_form(f"/posts/{first.id}/edit", {"title": "Brand new title",
                                                            "body": first.raw})
    assert response.status_code == 302
    db.session.refresh(topic)
    assert topic.title == "Brand new title" and topic.slug == "brand-new-title"
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == first.id))
    assert revision.title == "Old title here"
    old = client.get(f"/t/old-title-here/{topic.id}")
    assert old.status_code == 301 and old.headers["Location"].endswith(f"/t/brand-new-title/{topic.id}")
    # Too short a title is refused next to the field, the text kept.
    response = client.post_form(f"/posts/{first.id}/edit", {"title": "x", "body": "Kept body text."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _field_error(page, "title") and _textarea(page) == "Kept body text."


def test_others_cannot_edit_or_withdraw(client):
    topic = make_topic(make_user("owner"), _general(), title="Not yours to edit")
    reply = make_reply(topic, make_user("owner2"))
    make_user("intruder")
    client.login("intruder")
    assert client.get(f"/posts/{reply.id}/edit").status_code == 403
    assert client.post_form(f"/posts/{reply.id}/edit", {"body": "Hijacked!"}).status_code == 403
    assert client.post_form(f"/posts/{reply.id}/withdraw").status_code == 403
    db.session.refresh(reply)
    assert reply.raw != "Hijacked!" and reply.state == PostState.PUBLISHED


def test_withdraw_and_restore(client, counters_ok):
    cat = make_category("Withdrawals", slug="withdrawals")
    author = make_user("regretful")
    topic = make_topic(make_user("asker"), cat, title="Say something")
    make_reply(topic)
    reply = make_reply(topic, author, body="Something I regret saying.")
    counters_ok()
    before = (cat.post_count, topic.post_count, author.post_count)

    client.login("regretful")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert f'action="/posts/{reply.id}/withdraw"' in page
    response = client.post_form(f"/posts/{reply.id}/withdraw")
    assert response.status_code == 302
    db.session.expire_all()
    assert reply.state == PostState.DELETED
    assert (cat.post_count, topic.post_count, author.post_count) == tuple(n - 1 for n in before)
    # The topic's last activity steps back to the previous post.
    assert topic.last_post_user_id != author.id
    counters_ok()
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert f'action="/posts/{reply.id}/unwithdraw"' in page  # the author may restore it
    client.post_form("/logout")

    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Post withdrawn by author." in page and "Something I regret saying." not in page
    assert "/unwithdraw" not in page

    client.login("regretful")
    assert client.post_form(f"/posts/{reply.id}/unwithdraw").status_code == 302
    db.session.expire_all()
    assert reply.state == PostState.PUBLISHED
    assert (cat.post_count, topic.post_count, author.post_count) == before
    assert topic.last_post_user_id == author.id
    counters_ok()


def test_first_post_cannot_be_withdrawn(client):
    author = make_user("opener")
    topic = make_topic(author, _general(), title="Cannot take this back")
    first = opening_post(topic)
    client.login("opener")
    assert f"/posts/{first.id}/withdraw" not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert client.post_form(f"/posts/{first.id}/withdraw").status_code == 403
    db.session.refresh(first)
    assert first.state == PostState.PUBLISHED


def test_counters_stay_right_across_create_withdraw_restore_and_moderation(app, counters_ok):
    a, b = make_category("CountA", slug="count-a"), make_category("CountB", slug="count-b")
    alice, bob, mod = make_user("alicec"), make_user("bobc"), make_user("modc", role="moderator")
    t1 = make_topic(alice, a, title="Counting topic one")
    t2 = make_topic(bob, a, title="Counting topic two")
    t3 = make_topic(alice, b, title="Counting topic three")
    replies = [make_reply(t1, bob), make_reply(t1, alice), make_reply(t2, alice), make_reply(t3, bob)]
    counters_ok()
    assert (a.topic_count, a.post_count, b.topic_count, b.post_count) == (2, 5, 1, 2)

    services.withdraw_post(bob, replies[0])
    counters_ok()
    services.withdraw_post(alice, replies[1])  # t1's latest post: activity steps back
    counters_ok()
    services.restore_withdrawn_post(bob, replies[0])
    counters_ok()

    # Moderation hides an opening post: the topic leaves the lists and the counters.
    first = opening_post(t2)
    counters.unpublish(first, PostState.HIDDEN, mod, "off-topic")
    db.session.commit()
    counters_ok()
    db.session.expire_all()
    assert a.topic_count == 1 and a.last_topic_id == t1.id
    counters.publish(first)
    db.session.commit()
    counters_ok()
    # A held reply does not count until approved.
    held = make_reply(t3, alice)
    counters.unpublish(held, PostState.PENDING, None, "review")
    db.session.commit()
    counters_ok()
    counters.publish(held)
    db.session.commit()
    counters_ok()
    db.session.expire_all()
    assert db.session.get(User, alice.id).post_count == 4  # 2 topics + 2 replies (one withdrawn)


def test_held_post_cannot_be_withdrawn_then_restored_into_publication(app):
    author = make_user("sneaky")
    topic = make_topic(make_user(), _general(), title="Held replies here")
    held = make_reply(topic, author)
    counters.unpublish(held, PostState.PENDING, None, "review")
    db.session.commit()
    from forum.errors import PermissionDenied

    try:
        services.withdraw_post(author, held)
    except PermissionDenied:
        pass
    else:
        raise AssertionError("a held post was withdrawn")
    assert held.state == PostState.PENDING

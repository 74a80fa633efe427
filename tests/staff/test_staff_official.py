"""Official signed replies: who may mark them, how they render, and that they never change silently."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.audit import AuditLog
from forum.discussions import services as discussions
from forum.discussions.models import Post, PostRevision, Topic
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.staff import services as staff
from tests.factories import general_category, make_reply, make_staff, make_topic, make_user

BODY = "Thanks for the report, we are replacing the gasket for free."


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield app


def reply_count(topic: Topic) -> int:
    return db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id))


def test_staff_member_posts_an_official_signed_reply(app, client) -> None:
    admin = make_user(role="admin")
    staff.save_group(admin, None, {"name": "Customer Care", "color": "#1e7a46"})
    make_staff("giulia", "Customer Care", display_name="Giulia Romano", title="Community Manager",
               initials="GR")
    topic = make_topic(make_user(), general_category(), title="My moka leaks water")
    client.login("giulia")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Official reply from Circolo" in page  # the checkbox, for staff
    response = client.post_form(f"/t/{topic.id}/reply", {"body": BODY, "official": "y"})
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 2))
    assert post.is_official is True
    db.session.refresh(topic)
    assert topic.first_official_post_number == 2 and topic.first_official_reply_at is not None
    assert topic.first_staff_reply_at == post.created_at

    html = app.test_client().get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)  # a visitor
    assert 'class="post state-published official"' in html
    assert 'class="official-signature"' in html
    signature = html[html.index('class="official-signature"'):]
    signature = signature[:signature.index("</footer>")]
    for text in ("Giulia Romano", "Community Manager", "Customer Care", "— GR, Customer Care"):
        assert text in signature
    assert 'class="official-link"' in html and f"/t/{topic.slug}/{topic.id}/2" in html


@pytest.mark.parametrize("role", ["member", "moderator", "admin"])
def test_only_staff_group_members_can_post_official(app, client, role) -> None:
    """Moderators and admins who are not in a staff group do not speak for the brand."""
    make_user("someone", role=role)
    topic = make_topic(make_user(), general_category())
    client.login("someone")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Official reply from" not in page
    response = client.post_form(f"/t/{topic.id}/reply", {"body": BODY, "official": "y"})
    assert response.status_code == 403
    assert reply_count(topic) == 1
    db.session.refresh(topic)
    assert topic.first_official_post_number is None
    # Without the flag the same person replies normally.
    assert client.post_form(f"/t/{topic.id}/reply", {"body": BODY}).status_code == 302


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_non_staff_cannot_edit_the_flag_in(rctx, role) -> None:
    user = make_user(role=role)
    topic = make_topic(make_user(), general_category())
    post = make_reply(topic, user)
    with pytest.raises(PermissionDenied):
        discussions.edit_post(user, post, BODY, official=True)
    db.session.refresh(post)
    assert post.is_official is False and post.edit_count == 0


def test_editing_in_the_flag_over_http_is_ignored_for_non_staff(app, client) -> None:
    user = make_user("member")
    topic = make_topic(make_user(), general_category())
    post = make_reply(topic, user)
    client.login("member")
    response = client.post_form(f"/posts/{post.id}/edit", {"body": BODY, "official": "y"})
    assert response.status_code in (302, 403)
    db.session.refresh(post)
    assert post.is_official is False


def test_only_author_or_admin_can_edit_an_official_reply(app, client) -> None:
    author = make_staff("author")
    make_staff("colleague")
    make_user("mod", role="moderator")
    make_user("boss", role="admin")
    topic = make_topic(make_user(), general_category())
    post = discussions.create_reply(author, topic, BODY, official=True).post
    for name in ("colleague", "mod"):
        client = app.test_client()
        client.login(name)
        assert client.get(f"/posts/{post.id}/edit").status_code == 403, name
        assert client.post_form(f"/posts/{post.id}/edit", {"body": "Changed by someone else."}).status_code == 403
    client = app.test_client()
    client.login("boss")
    assert client.get(f"/posts/{post.id}/edit").status_code == 200
    db.session.refresh(post)
    assert post.raw == BODY


def test_every_edit_keeps_a_revision_anyone_can_read(app, client) -> None:
    author = make_staff("author")
    topic = make_topic(make_user(), general_category())
    post = discussions.create_reply(author, topic, BODY, official=True).post
    client.login("author")
    client.post_form(f"/posts/{post.id}/edit", {"body": "We will replace the gasket and the filter.",
                                                "official": "y", "reason": "more detail"})
    db.session.refresh(post)
    assert post.edit_count == 1 and post.is_official
    visitor = app.test_client()
    html = visitor.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert f'href="/posts/{post.id}/revisions"' in html  # "edited" is a link, even for visitors
    history = visitor.get(f"/posts/{post.id}/revisions")
    assert history.status_code == 200
    text = history.get_data(as_text=True)
    assert "replacing the gasket for free" in text and "the gasket and the filter" in text


def test_removing_the_official_mark_is_audited(app, client) -> None:
    author = make_staff("author")
    topic = make_topic(make_user(), general_category())
    post = discussions.create_reply(author, topic, BODY, official=True).post
    client.login("author")
    response = client.post_form(f"/posts/{post.id}/edit", {"body": BODY, "reason": "posted by mistake"})
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.is_official is False
    assert db.session.scalar(select(PostRevision.was_official).where(PostRevision.post_id == post.id)) is True
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "post.official_unmark"))
    assert entry is not None
    assert (entry.actor_id, entry.target_type, entry.target_id) == (author.id, "post", post.id)
    assert entry.before == {"is_official": True} and entry.after == {"is_official": False}
    assert entry.reason == "posted by mistake"
    topic = db.session.get(Topic, topic.id)
    assert topic.first_official_post_number is None


def test_header_links_first_and_latest_official_reply(app, client) -> None:
    author = make_staff("author")
    topic = make_topic(make_user(), general_category())
    discussions.create_reply(author, topic, BODY, official=True)
    make_reply(topic)
    discussions.create_reply(author, topic, "A follow-up: the parts shipped today.", official=True)
    html = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    head = html[html.index('class="official-response"'):]
    head = head[:head.index("</p>")]
    assert f"/t/{topic.slug}/{topic.id}/2" in head and f"/t/{topic.slug}/{topic.id}/4" in head
    assert "Latest official reply" in head


def test_lists_mark_and_filter_topics_with_an_official_response(app, client) -> None:
    author = make_staff("author")
    category = general_category()
    answered = make_topic(make_user(), category, title="Topic with an answer")
    discussions.create_reply(author, answered, BODY, official=True)
    make_topic(make_user(), category, title="Topic without an answer")
    for base in ("/latest", f"/c/{category.slug}"):
        everything = client.get(base).get_data(as_text=True)
        assert everything.count('class="tag official"') == 1
        with_official = client.get(f"{base}?official=yes").get_data(as_text=True)
        assert "Topic with an answer" in with_official and "Topic without an answer" not in with_official
        without = client.get(f"{base}?official=no").get_data(as_text=True)
        assert "Topic without an answer" in without and "Topic with an answer" not in without

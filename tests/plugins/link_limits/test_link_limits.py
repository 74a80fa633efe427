"""The link_limits plugin through the app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from forum.db_types import utcnow
from forum.discussions.models import Post, PostState, Topic
from forum.extensions import db
from forum.plugins.settings import save_plugin_settings
from tests.factories import make_category, make_topic, make_user

LINKS = "See https://one.example, [two](https://two.example/x) and www.three-shop.com/page"


def configure(app: Any, **values: Any) -> None:
    from forum.plugins.settings import get_plugin_settings

    with app.test_request_context():
        save_plugin_settings(make_user(role="admin"), "link_limits", {**get_plugin_settings("link_limits"), **values})


def reply(client: Any, topic: Topic, body: str) -> Any:
    return client.post_form(f"/t/{topic.id}/reply", {"body": body})


def last_post(user: Any) -> Post | None:
    db.session.expire_all()
    return db.session.scalars(db.select(Post).where(Post.user_id == user.id).order_by(Post.id.desc())).first()


@pytest.fixture
def topic() -> Topic:
    return make_topic(make_user(), make_category(), title="Where do you buy parts?")


def as_user(client: Any, **fields: Any) -> Any:
    user = make_user(**fields)
    client.login(user.username)
    return user


def veteran(client: Any, **fields: Any) -> Any:
    return as_user(client, created_at=utcnow() - timedelta(days=60), post_count=50, **fields)


def test_a_new_member_with_too_many_links_goes_to_the_queue(client, topic):
    member = as_user(client)
    reply(client, topic, "Two are fine: https://one.example and https://two.example")
    assert last_post(member).state == PostState.PUBLISHED
    reply(client, topic, LINKS)
    post = last_post(member)
    assert post.state == PostState.PENDING
    assert "link_limits" in post.state_reason and "3 links" in post.state_reason


def test_experienced_members_and_staff_are_not_limited(client, topic):
    member = veteran(client)
    reply(client, topic, LINKS)
    assert last_post(member).state == PostState.PUBLISHED
    client.post_form("/logout")
    moderator = as_user(client, role="moderator")
    reply(client, topic, LINKS)
    assert last_post(moderator).state == PostState.PUBLISHED


def test_new_is_first_posts_or_first_days(app, client, topic):
    # Old account, few posts: still new by posts.
    member = as_user(client, created_at=utcnow() - timedelta(days=60), post_count=1)
    reply(client, topic, LINKS)
    assert last_post(member).state == PostState.PENDING
    configure(app, new_member_posts=0)
    reply(client, topic, LINKS)
    assert last_post(member).state == PostState.PUBLISHED
    # Many posts, young account: new by days, until days is 0.
    client.post_form("/logout")
    young = as_user(client, post_count=100)
    reply(client, topic, LINKS)
    assert last_post(young).state == PostState.PENDING
    configure(app, new_member_days=0)
    reply(client, topic, LINKS)
    assert last_post(young).state == PostState.PUBLISHED


def test_allowed_domains_own_site_and_code_do_not_count(app, client, topic):
    member = as_user(client)
    configure(app, allowed_domains=["example.org"])
    body = ("https://docs.example.org/a https://www.example.org/b http://forum.test/t/x/1 "
            "https://one.example\n\n    https://in-code.example https://in-code2.example https://c3.example")
    reply(client, topic, body)
    assert last_post(member).state == PostState.PUBLISHED
    configure(app, max_links=0)
    reply(client, topic, "just one https://one.example")
    assert last_post(member).state == PostState.PENDING


def test_denied_domains_are_refused_with_the_text_kept(app, client, topic):
    configure(app, denied_domains=["https://spam.example/", "casino.example"])
    member = veteran(client)
    text = "Great deals at https://www.casino.example/win now"
    response = reply(client, topic, text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Links to www.casino.example are not allowed here." in page
    assert text in page
    assert last_post(member) is None
    image = reply(client, topic, "![x](https://spam.example/banner.png)")
    assert image.status_code == 400


def test_denied_domains_can_hold_instead(app, client, topic):
    configure(app, denied_domains=["casino.example"], denied_action="require_approval")
    member = veteran(client)
    reply(client, topic, "see https://casino.example")
    post = last_post(member)
    assert post.state == PostState.PENDING and "casino.example" in post.state_reason


def test_new_topics_are_limited_too(client):
    member = as_user(client)
    category = make_category()
    client.post_form("/new-topic", {"category": category.id, "title": "Links for you", "body": LINKS})
    topic = db.session.scalars(db.select(Topic).where(Topic.user_id == member.id)).one()
    assert topic.state == PostState.PENDING


def test_settings_are_validated(client):
    client.login(make_user(role="admin").username)
    response = client.post_form("/admin/plugins/link_limits/settings", {
        "new_member_posts": "-1", "new_member_days": "x", "max_links": "2", "allowed_domains": "",
        "denied_domains": "", "denied_action": "explode"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Use 0 or more." in text and "Enter a whole number." in text and "Choose one of the options." in text

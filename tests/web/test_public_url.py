"""Absolute links come from FORUM_PUBLIC_URL, never from the request (development setup:
FORUM_PUBLIC_URL unset, so any Host is served — the case an attacker would use)."""

from __future__ import annotations

from typing import Any

import pytest

from forum.discussions.models import PostState
from forum.mail import outbox
from forum.plugins.settings import get_plugin_settings, save_plugin_settings
from tests.accounts.helpers import FAST_HASH
from tests.factories import make_category, make_topic, make_user

ATTACKER = "http://attacker.example"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {**FAST_HASH, "PUBLIC_URL": None, "SERVER_NAME": None, "WTF_CSRF_ENABLED": False}


def links_in_last_mail(app: Any) -> list[str]:
    with app.app_context():
        body = outbox()[-1].body
    return [word for word in body.split() if word.startswith("http")]


def test_a_reset_link_never_points_at_the_host_the_requester_chose(app, client):
    make_user("victim")
    response = client.post("/password/reset", data={"login": "victim"}, base_url=ATTACKER,
                           headers={"X-Forwarded-Host": "attacker.example"})
    assert response.status_code in (200, 302)
    links = links_in_last_mail(app)
    assert links and all(link.startswith("http://127.0.0.1:5000/password/reset/") for link in links), links


def test_verification_links_are_built_from_the_public_url(app, client):
    app.config["PUBLIC_URL"] = "https://community.example.com/"
    try:
        response = client.post("/register", base_url=ATTACKER, data={
            "username": "newcomer", "email": "new@example.org", "display_name": "New",
            "password": "correct horse battery", "password_confirm": "correct horse battery",
            "accept_coc": "y", "coc_version": "1"})
        assert response.status_code in (200, 302), response.get_data(as_text=True)[:500]
        links = links_in_last_mail(app)
        assert links and all(link.startswith("https://community.example.com/verify/") for link in links), links
    finally:
        app.config["PUBLIC_URL"] = None


def test_link_limits_decide_own_site_from_the_public_url_not_the_host_header(app, client):
    with app.test_request_context():
        save_plugin_settings(make_user(role="admin"), "link_limits",
                             {**get_plugin_settings("link_limits"), "max_links": 0})
    topic = make_topic(make_user(), make_category(), title="Where do you buy parts?")
    member = make_user("spammer")
    client.post("/login", data={"login": "spammer", "password": "correct horse battery"}, base_url="http://spam-shop.com")
    client.post(f"/t/{topic.id}/reply", data={"body": "Cheap parts at https://spam-shop.com/deal"},
                base_url="http://spam-shop.com")
    from forum.discussions.models import Post
    from forum.extensions import db
    db.session.expire_all()
    post = db.session.scalars(db.select(Post).where(Post.user_id == member.id)).one()
    assert post.state == PostState.PENDING  # the spam domain is not "our own site"
    # Links to the real site (127.0.0.1:5000 here) still do not count.
    client.post(f"/t/{topic.id}/reply", data={"body": "See http://127.0.0.1:5000/t/x/1 please"},
                base_url="http://spam-shop.com")
    latest = db.session.scalars(db.select(Post).where(Post.user_id == member.id).order_by(Post.id.desc())).first()
    assert latest is not None and latest.state == PostState.PUBLISHED

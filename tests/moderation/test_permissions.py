"""Every moderation route refuses a member without the role (403) and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.audit import AuditLog
from forum.discussions.models import Post, PostState
from forum.extensions import db
from forum.moderation import services
from forum.settings import set_setting
from tests.factories import make_reply, make_topic, make_user

STAFF_POSTS = [
    "/review/{item}/claim", "/review/{item}/release", "/review/{item}/approve", "/review/{item}/reject",
    "/review/{item}/delete", "/review/{item}/flags/agree", "/review/{item}/flags/disagree",
    "/review/{item}/flags/ignore", "/review/{item}/edit", "/review/bulk",
    "/moderation/posts/{post}/hide", "/moderation/posts/{post}/restore", "/moderation/posts/{post}/delete",
    "/moderation/topics/{topic}/lock", "/moderation/topics/{topic}/unlock", "/moderation/topics/{topic}/pin",
    "/moderation/topics/{topic}/unpin", "/moderation/topics/{topic}/move", "/moderation/topics/{topic}/split",
    "/moderation/topics/{topic}/merge",
    "/moderation/users/{user}/warn", "/moderation/users/{user}/silence", "/moderation/users/{user}/suspend",
    "/moderation/users/{user}/unsilence", "/moderation/users/{user}/unsuspend",
    "/moderation/users/{user}/note", "/moderation/users/{user}/role",
    "/moderation/bans", "/moderation/bans/{ban}/lift", "/moderation/settings",
]
STAFF_GETS = ["/review", "/review/{item}/edit", "/moderation/audit", "/moderation/audit.csv",
              "/moderation/bans", "/moderation/settings"]
FORM = {"reason": "x", "reason_key": "spam", "text": "x", "body": "Some new text", "title": "A good title",
        "duration": "1d", "category": "1", "target": "1", "role": "admin", "kind": "ip_range",
        "value": "10.0.0.0/8", "item_ids": "1", "action": "approve", "post_ids": "1", "flags_to_hide": "1",
        "first_posts_need_approval": "0", "claim_minutes": "5", "flag_reasons": "spam"}


@pytest.fixture
def targets(app, mod, category):
    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    victim = make_user("victim")
    topic = make_topic(mod, category)
    post = make_reply(topic, victim, "A held reply to act on.")
    item = services.open_item_for_post(post.id)
    ban = services.add_ban(mod, "ip_range", "192.0.2.0/24")
    db.session.commit()
    return {"item": item.id, "post": post.id, "topic": topic.id, "user": "victim", "ban": ban.id}


@pytest.mark.parametrize("route", STAFF_POSTS)
def test_members_get_403_on_every_staff_action(app, client, targets, member, route):
    before = db.session.scalar(select(func.count()).select_from(AuditLog))
    client.login("mario")
    response = client.post_form(route.format(**targets), FORM)
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before
    assert db.session.get(Post, targets["post"]).state == PostState.PENDING


@pytest.mark.parametrize("route", STAFF_GETS)
def test_members_get_403_on_staff_pages(app, client, targets, member, route):
    client.login("mario")
    assert client.get(route.format(**targets)).status_code == 403


@pytest.mark.parametrize("route", ["/review", "/moderation/audit"])
def test_visitors_are_sent_to_login(app, client, route):
    response = client.get(route)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("route", ["/moderation/settings", "/moderation/users/{user}/role"])
def test_moderators_get_403_on_admin_only_routes(app, client, targets, route):
    client.login("mona")
    assert client.post_form(route.format(**targets), FORM).status_code == 403


def test_members_cannot_flag_their_own_post_nor_resubmit_others(app, client, targets, member):
    post = make_reply(db.session.get(Post, targets["post"]).topic, make_user("published"), "Published one.")
    client.login("published")
    assert client.post_form(f"/posts/{post.id}/flag", {"reason": "spam"}).status_code == 403
    assert client.get(f"/posts/{targets['post']}/resubmit").status_code in (403, 404)

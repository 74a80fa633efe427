"""Official replies speak for the brand: only current staff edit them, a locked topic or an author
who left every staff group leaves them to moderators, and every edit is in the audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.audit import AuditLog
from forum.discussions import permissions
from forum.discussions import services as discussions
from forum.discussions.models import Post
from forum.discussions.services import topic_tools
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.staff import services as staff
from tests.factories import general_category, make_staff, make_topic, make_user

BODY = "We replace the gasket for free, bring it to any store."


@pytest.fixture
def rctx(app):
    with app.test_request_context():
        yield app


def official_reply(author) -> Post:
    topic = make_topic(make_user(), general_category(), title="My moka leaks water")
    return discussions.create_reply(author, topic, BODY, official=True).post


def leave_staff(user) -> None:
    admin = make_user(role="admin")
    for membership in list(user.staff_memberships):
        staff.remove_member(admin, membership)
    db.session.refresh(user)


def official_edits(post: Post) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.action == "post.official_edit",
                                                          AuditLog.target_id == post.id)))


def test_former_staff_cannot_rewrite_their_official_reply(app, client, rctx) -> None:
    giulia = make_staff("giulia")
    post = official_reply(giulia)
    leave_staff(giulia)
    assert not giulia.is_staff_member
    db.session.refresh(post)
    assert post.is_official  # removing someone from staff does not unsign their replies
    removal = db.session.scalar(select(AuditLog).where(AuditLog.action == "staff.member_remove"))
    assert removal.after == {"official_replies_frozen": 1}
    assert not permissions.can_edit_post(giulia, post)
    client.login("giulia")
    page = client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True)
    assert f"/posts/{post.id}/edit" not in page
    response = client.post_form(f"/posts/{post.id}/edit", {"body": "We never promised a free gasket."})
    assert response.status_code == 403
    db.session.expire_all()
    assert post.raw == BODY
    with pytest.raises(PermissionDenied):
        discussions.edit_post(giulia, post, "We never promised a free gasket.")


def test_frozen_official_reply_is_left_to_moderators(app, rctx) -> None:
    giulia = make_staff("giulia")
    post = official_reply(giulia)
    leave_staff(giulia)
    colleague = make_staff("colleague")
    mod = make_user("mona", role="moderator")
    assert not permissions.can_edit_post(colleague, post)
    assert permissions.can_edit_post(mod, post)
    discussions.edit_post(mod, post, "A corrected official answer, by the moderators.")
    assert post.is_official and post.raw.startswith("A corrected")
    [entry] = official_edits(post)
    assert entry.actor_id == mod.id
    assert BODY[:40] in str(entry.before) and "A corrected" in str(entry.after)


def test_locked_topic_official_reply_only_moderators(app, rctx) -> None:
    giulia = make_staff("giulia")
    post = official_reply(giulia)
    mod = make_user("mona", role="moderator")
    topic_tools.lock_topic(mod, post.topic)
    assert not permissions.can_edit_post(giulia, post)
    with pytest.raises(PermissionDenied):
        discussions.edit_post(giulia, post, "Rewritten after the topic was locked.")
    assert permissions.can_edit_post(mod, post)


def test_every_edit_of_an_official_reply_is_audited(app, client, rctx) -> None:
    giulia = make_staff("giulia")
    post = official_reply(giulia)
    assert permissions.can_edit_post(giulia, post)
    client.login("giulia")
    response = client.post_form(f"/posts/{post.id}/edit", {"body": "Free gasket, and free shipping too.",
                                                           "official": "y"})
    assert response.status_code == 302
    [entry] = official_edits(post)
    assert entry.actor_id == giulia.id
    assert "gasket for free" in str(entry.before) and "free shipping" in str(entry.after)


def test_members_and_volunteer_moderators_cannot_edit_a_live_official_reply(app, rctx) -> None:
    post = official_reply(make_staff("giulia"))
    assert not permissions.can_edit_post(make_user("someone"), post)
    assert not permissions.can_edit_post(make_user("volunteer", role="moderator"), post)
    assert permissions.can_edit_post(make_user("boss", role="admin"), post)

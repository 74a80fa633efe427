"""One rule for every moderation action: an actor acts only on content of people of lower rank
(admins on anything). Split, merge, move, lock, pin, hide, restore, edit and the queue's bulk
decisions all check it, for every post they touch."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Post, PostState
from forum.discussions.services import topic_tools
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.moderation import permissions, services
from forum.moderation.models import ReviewItem
from forum.settings import set_setting
from tests.factories import make_category, make_reply, make_topic, make_user


@pytest.fixture
def staff_room(app):
    return make_category("Staff room", read_access="staff")


def test_split_refuses_an_admins_reply(app, client, mod, admin, member, category, staff_room, refused):
    topic = make_topic(member, category)
    mine = make_reply(topic, make_user("someone"), "An ordinary reply.")
    theirs = make_reply(topic, admin, "The admin's reply, not for the staff room.")
    with refused(PermissionDenied):
        topic_tools.split_topic(mod, topic, [mine.id, theirs.id], "Moved away", staff_room)
    client.login("mona")
    response = client.post_form(f"/moderation/topics/{topic.id}/split", {
        "title": "Moved away", "category": staff_room.id, "post_ids": [theirs.id]})
    assert response.status_code == 403
    db.session.expire_all()
    assert theirs.topic_id == topic.id
    # Admins may.
    topic_tools.split_topic(admin, topic, [mine.id, theirs.id], "Moved by the admin", staff_room)


def test_merge_checks_every_moved_post_and_both_topics(app, mod, admin, member, category, refused):
    target = make_topic(member, category, title="The main thread")
    source = make_topic(member, category, title="A duplicate thread")
    make_reply(source, admin, "An admin reply in the duplicate.")
    with refused(PermissionDenied):
        topic_tools.merge_topic(mod, source, target)
    admins_topic = make_topic(admin, category, title="The admin's thread")
    plain = make_topic(member, category, title="Plain duplicate")
    with refused(PermissionDenied):
        topic_tools.merge_topic(mod, plain, admins_topic)
    topic_tools.merge_topic(mod, plain, target)  # only members' content: fine


def test_moderators_do_not_act_on_fellow_moderators_content(app, mod, member, category, refused):
    other = make_user("otto", role="moderator")
    topic = make_topic(other, category)
    post = make_reply(make_topic(member, category), other, "A moderator's own opinion.")
    assert not permissions.can_act_on_topic(mod, topic)
    assert not permissions.can_act_on_post(mod, post)
    assert not discussion_permissions.can_edit_post(mod, post)
    with refused(PermissionDenied):
        topic_tools.lock_topic(mod, topic)
    with refused(PermissionDenied):
        topic_tools.pin_topic(mod, topic)
    with refused(PermissionDenied):
        services.hide_post(mod, post)
    # Their own content and members' content stay theirs to moderate.
    assert permissions.can_act_on_post(mod, make_reply(topic, mod, "My own reply here."))
    assert permissions.can_act_on_post(mod, make_reply(topic, member, "A member's reply."))


def test_moderator_cannot_move_lock_or_hide_admin_content(app, mod, admin, category, refused):
    topic = make_topic(admin, category)
    elsewhere = make_category("Elsewhere")
    with refused(PermissionDenied):
        topic_tools.move_topic(mod, topic, elsewhere)
    with refused(PermissionDenied):
        topic_tools.lock_topic(mod, topic)
    reply = make_reply(make_topic(make_user(), category), admin, "An admin's reply.")
    with refused(PermissionDenied):
        services.hide_post(mod, reply)
    topic_tools.lock_topic(admin, topic)  # admins act on anything


def test_bulk_queue_skips_content_of_higher_rank(app, mod, admin, member, category):
    set_setting("flags_to_hide", 0)
    db.session.commit()
    admins = make_reply(make_topic(member, category), admin, "An admin's reply people flag.")
    members = make_reply(make_topic(member, category), make_user("writer"), "A member's reply.")
    for name in ("f1", "f2"):
        flagger = make_user(name)
        services.flag_post(flagger, admins, "spam")
        services.flag_post(flagger, members, "spam")
    ids = list(db.session.scalars(select(ReviewItem.id)))
    result = services.bulk_review(mod, ids, "reject", "", "spam")
    assert (result.done, result.skipped) == (1, 1)
    db.session.expire_all()
    assert db.session.get(Post, admins.id).state == PostState.PUBLISHED
    assert db.session.get(Post, members.id).state == PostState.HIDDEN

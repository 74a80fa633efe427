"""The index follows every moderation action: nothing hidden leaks, nothing approved is missing."""

from __future__ import annotations

import pytest

from forum.discussions import services as discussions
from forum.extensions import db
from forum.moderation import services as moderation
from forum.settings import set_setting
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.search.test_search_app import titles


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


@pytest.fixture
def mod():
    return make_user("searchmod", role="moderator")


def test_hide_restore_and_delete(client, mod):
    topic = make_topic(title="Boiler pressure question", body="the gauge shows nine bar")
    reply = make_reply(topic, body="a secret zebraword in a reply")
    assert titles(client, "zebraword") == ["Boiler pressure question"]
    moderation.hide_post(mod, reply, "rude")
    assert titles(client, "zebraword") == []
    moderation.restore_post(mod, reply)
    assert titles(client, "zebraword") == ["Boiler pressure question"]
    moderation.delete_post(mod, reply, "spam")
    assert titles(client, "zebraword") == []


def test_held_posts_appear_only_once_approved_and_never_when_rejected(client, mod, app):
    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    topic = make_topic(make_user("veteran", post_count=10), title="Steam wand advice", body="how to froth milk")
    held = discussions.create_reply(make_user("fresh1"), topic, "try the quokkaword technique").post
    refused = discussions.create_reply(make_user("fresh2"), topic, "buy cheap platypusword now").post
    assert titles(client, "quokkaword") == [] and titles(client, "platypusword") == []
    with app.test_request_context():
        moderation.approve_item(mod, moderation.open_item_for_post(held.id))
        moderation.reject_item(mod, moderation.open_item_for_post(refused.id), text="Advertising")
    assert titles(client, "quokkaword") == ["Steam wand advice"]
    assert titles(client, "platypusword") == []


def test_move_split_and_merge_follow_the_posts(client, mod):
    open_cat = make_category("Open talk", slug="open-talk")
    private = make_category("Inner circle", slug="inner-circle", read_access="staff")
    topic = make_topic(make_user("talker"), open_cat, title="Roasting at home", body="popcorn machine walrusword")
    moved_reply = make_reply(topic, body="a reply about narwhalword beans")
    assert titles(client, "walrusword") == ["Roasting at home"]

    discussions.move_topic(mod, topic, private)  # now staff-only: gone for visitors
    assert titles(client, "walrusword") == []
    discussions.move_topic(mod, topic, open_cat)
    assert titles(client, "walrusword") == ["Roasting at home"]

    new_topic = discussions.split_topic(mod, topic, [moved_reply.id], "Narwhal beans discussion")
    assert titles(client, "narwhalword") == ["Narwhal beans discussion"]

    target = make_topic(make_user("other"), open_cat, title="Home roasting megathread", body="all roasting here")
    discussions.merge_topic(mod, new_topic, target)
    assert titles(client, "narwhalword") == ["Home roasting megathread"]

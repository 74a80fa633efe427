"""Flags: reasons, one per member, the weighted hide threshold, outcomes told to flaggers."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from forum.discussions.models import Post, PostState
from forum.extensions import db
from forum.moderation import services
from forum.moderation.models import Flag, FlagStatus, ReviewKind, ReviewReason
from forum.settings import set_setting
from tests.factories import make_reply, make_topic, make_user, make_users
from tests.moderation.helpers import audit_actions, trusted
from tests.notifications.helpers import texts


@pytest.fixture
def post(app: Any, category: Any) -> Post:
    topic = make_topic(make_user("author"), category)
    return make_reply(topic, make_user("writer"), "A reply some people dislike.")


def messages(user: Any) -> list[str]:
    return texts(user)


def test_flagging_queues_the_post_with_reason_and_text(app, post):
    flagger = make_user("flo")
    services.flag_post(flagger, post, "other", "Shares a phone number.")
    item = services.open_item_for_post(post.id)
    assert (item.kind, item.reason_code) == (ReviewKind.FLAG, ReviewReason.FLAGS)
    # A brand-new account's flag weighs the minimum (see services.flag_weight).
    assert [(f.reason, f.text, f.weight) for f in item.flags] == [("other", "Shares a phone number.", 0.25)]
    assert post.state == PostState.PUBLISHED  # one flag does not hide


def test_reasons_are_validated(app, post, refused):
    flagger = make_user("flo")
    with refused():
        services.flag_post(flagger, post, "made-up")
    with refused():
        services.flag_post(flagger, post, "other", "   ")  # "other" needs words
    set_setting("flag_reasons", ["spam", "Wrong language"])
    db.session.commit()
    services.flag_post(flagger, post, "Wrong language")
    assert db.session.scalar(select(Flag.reason)) == "Wrong language"


def test_one_flag_per_member_per_post(app, client, post):
    make_user("flo")
    client.login("flo")
    assert client.post_form(f"/posts/{post.id}/flag", {"reason": "spam"}).status_code == 302
    client.post_form(f"/posts/{post.id}/flag", {"reason": "rude"})
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1
    html = client.get(f"/p/{post.id}", follow_redirects=True).get_data(as_text=True)
    assert "You flagged this post" in html


def test_no_flagging_own_posts_or_when_silenced(app, post, refused):
    from forum.errors import PermissionDenied

    writer = db.session.get(type(post.author), post.user_id)
    with pytest.raises(PermissionDenied):
        services.flag_post(writer, post, "spam")


def test_k_distinct_members_hide_the_post_until_reviewed(app, client, post, mod, counters_ok):
    set_setting("flags_to_hide", 3)
    db.session.commit()
    people = [trusted(f"f{i}", post.topic.category) for i in range(3)]
    services.flag_post(people[0], post, "spam")
    services.flag_post(people[1], post, "rude")
    assert post.state == PostState.PUBLISHED
    services.flag_post(people[2], post, "spam")
    db.session.expire_all()
    assert post.state == PostState.HIDDEN
    item = services.open_item_for_post(post.id)
    assert item.hidden_by_flags and item.score == 3.0
    assert audit_actions("post", post.id) == ["post.hide"]  # by the system (no actor)
    assert any("hidden after flags" in m for m in messages(post.author))
    counters_ok()
    # Anyone but moderators sees a placeholder.
    html = client.get(f"/p/{post.id}", follow_redirects=True).get_data(as_text=True)
    assert "A reply some people dislike." not in html and "This post is hidden." in html

    services.resolve_flag_item(mod, item, "disagree")
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED
    assert [f.status for f in item.flags] == [FlagStatus.DISAGREED] * 3
    for person in people:
        assert any("can stay" in m for m in messages(person))
    assert audit_actions("post", post.id) == ["post.hide", "post.restore", "flag.disagreed"]
    counters_ok()


def test_disagreed_flaggers_weigh_less(app, category, mod):
    set_setting("flags_to_hide", 3)
    db.session.commit()
    serial = trusted("serial", category)
    # Two earlier flags of "serial" were turned down: weight 1.0 * (0 + 2) / (0 + 2 + 2) = 0.5.
    for _ in range(2):
        earlier = make_reply(make_topic(make_user(), category), make_user(), "An innocent reply.")
        services.flag_post(serial, earlier, "spam")
        services.resolve_flag_item(mod, services.open_item_for_post(earlier.id), "disagree")
    assert services.flag_weight(serial) == 0.5
    post = make_reply(make_topic(make_user(), category), make_user(), "The new target.")
    good = [trusted(f"good{i}", category) for i in range(2)]
    services.flag_post(good[0], post, "spam")
    services.flag_post(good[1], post, "spam")
    services.flag_post(serial, post, "spam")
    item = services.open_item_for_post(post.id)
    assert item.score == 2.5 and post.state == PostState.PUBLISHED  # 1 + 1 + 0.5 < 3
    services.flag_post(trusted("third", category), post, "spam")
    assert post.state == PostState.HIDDEN  # 3.5 >= 3
    # Agreed flags bring the weight back up: (1 + 2) / (1 + 2 + 2) = 0.6.
    services.resolve_flag_item(mod, item, "agree")
    assert services.flag_weight(serial) == 0.6
    assert services.flag_weight(make_user("newbie")) == 0.25


def test_weight_never_drops_below_the_floor(app, category, mod):
    serial = make_user("serial")
    for _ in range(12):
        target = make_reply(make_topic(make_user(), category), make_user(), "An innocent reply.")
        services.flag_post(serial, target, "spam")
        services.resolve_flag_item(mod, services.open_item_for_post(target.id), "disagree")
    assert services.flag_weight(serial) == services.MIN_FLAG_WEIGHT


def test_outcomes_agree_and_ignore(app, post, mod):
    people = make_users(2, "f")
    for person in people:
        services.flag_post(person, post, "spam")
    item = services.open_item_for_post(post.id)
    services.resolve_flag_item(mod, item, "agree", "spam link")
    db.session.expire_all()
    assert post.state == PostState.HIDDEN and post.state_reason == "spam link"
    assert all(f.status == FlagStatus.AGREED for f in item.flags)
    assert any("agreed" in m for m in messages(people[0]))
    assert "flag.agreed" in audit_actions("post", post.id)

    other = make_reply(post.topic, make_user(), "Another reply.")
    services.flag_post(people[0], other, "rude")
    services.resolve_flag_item(mod, services.open_item_for_post(other.id), "ignore")
    db.session.expire_all()
    assert other.state == PostState.PUBLISHED
    assert db.session.scalar(select(Flag.status).where(Flag.post_id == other.id)) == FlagStatus.IGNORED
    # A new account, agreed once (earned 0.1), ignored once (counts for nothing): 0.25 + 0.75 * 0.1.
    assert services.flag_weight(people[0]) == 0.325


def test_hide_and_restore_from_the_topic_page(app, client, post, mod, counters_ok, recorder):
    client.login("mona")
    response = client.post_form(f"/moderation/posts/{post.id}/hide", {"reason": "off-topic"})
    assert response.status_code == 302
    db.session.expire_all()
    assert post.state == PostState.HIDDEN
    assert client.post_form(f"/moderation/posts/{post.id}/restore").status_code == 302
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED
    assert audit_actions("post", post.id) == ["post.hide", "post.restore"]
    assert recorder.events == [("hidden", post.id), ("restored", post.id)]
    counters_ok()


def test_restoring_a_flag_hidden_post_tells_the_flaggers(app, post, mod):
    set_setting("flags_to_hide", 1)
    db.session.commit()
    flagger = trusted("flo", post.topic.category)
    services.flag_post(flagger, post, "spam")
    assert post.state == PostState.HIDDEN
    services.restore_post(mod, post)
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED
    assert services.open_item_for_post(post.id) is None
    assert db.session.scalar(select(Flag.status)) == FlagStatus.DISAGREED
    assert any("can stay" in m for m in messages(flagger))


def test_flag_form_is_on_the_topic_page(app, client, post):
    make_user("flo")
    client.login("flo")
    html = client.get(f"/p/{post.id}", follow_redirects=True).get_data(as_text=True)
    assert f'action="/posts/{post.id}/flag"' in html and 'value="off_topic"' in html

"""Trust levels drive what exists: the shared "new member" rule, each gate in its caller, the
spam guard's rates, and flag weight."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from forum.accounts.trust import TrustLevel, may, newness
from forum.db_types import utcnow
from forum.errors import ValidationFailed
from forum.events import permissions as events
from forum.extensions import db
from forum.messages import permissions as messages
from forum.moderation import services as moderation
from forum.moderation.services.verdicts import is_new_member as needs_approval
from forum.plugins import FilterContext, is_new_member
from forum.plugins.community import trust_level
from forum.settings import set_setting
from forum.tags import permissions as tags
from forum.tags import services as tag_services
from forum.uploads import limits as upload_limits
from forum.uploads import permissions as uploads
from tests.factories import make_category, make_established_user, make_user


def _set(**values: object) -> None:
    for key, value in values.items():
        set_setting(key, value)
    db.session.commit()


def test_the_new_member_rule(app):
    fresh = make_user("fresh")  # 0 posts, joined now
    veteran = make_established_user("veteran")  # 20 posts, 90 days
    member = make_user("earned", trust_level=int(TrustLevel.MEMBER))  # 0 posts, joined now
    demoted = make_established_user("demoted", trust_level=0, trust_level_locked=True)
    assert is_new_member(fresh, posts=3, days=1) and not is_new_member(veteran, posts=3, days=1)
    assert not is_new_member(member, posts=3, days=1)  # level "member" and up: never new
    assert is_new_member(demoted, posts=3, days=1)  # held at "new": new again, whatever their posts
    assert not is_new_member(demoted, posts=0, days=0)  # a feature without a "new" treatment stays off
    # A basic member is still judged by the feature's own numbers.
    basic = make_user("basic", trust_level=1)
    assert is_new_member(basic, posts=3, days=0) and newness(basic) is None
    # Objects without a trust level (plugins' tests) keep the posts / days rule.
    assert is_new_member(SimpleNamespace(post_count=0, created_at=utcnow()), posts=3, days=0)


def test_first_posts_approval_follows_the_rule(app):
    _set(first_posts_need_approval=2)
    reply = FilterContext(kind="reply")
    assert needs_approval(make_user("fresh"), reply)
    assert not needs_approval(make_user("earned", trust_level=2), reply)
    assert needs_approval(make_established_user("demoted", trust_level_locked=True), reply)


def test_new_members_upload_limits_and_messages_follow_the_rule(app):
    member = make_user("earned", trust_level=2)
    assert not upload_limits.limits_for(member).new_member
    assert upload_limits.limits_for(make_user("fresh")).new_member
    assert messages.can_message_members(member) and not messages.can_message_members(make_user("fresh2"))


def test_each_gate_honoured_by_its_caller(app):
    basic, regular = make_established_user("basic", trust_level=1), make_established_user("regular", trust_level=3)
    staffer = make_user("staffer", staff=True)
    # Defaults: 0, everyone (today's behaviour).
    assert uploads.can_upload(basic) and messages.can_message_members(basic)
    _set(events_creators="members")
    assert events.can_create_event(basic)
    _set(trust_level_to_upload=2, trust_level_to_message=2, trust_level_to_create_events=2)
    assert not uploads.can_upload(basic) and uploads.can_upload(regular) and uploads.can_upload(staffer)
    assert not messages.can_message_members(basic) and messages.can_message_members(regular)
    assert not events.can_create_event(basic) and events.can_create_event(regular)
    assert may(staffer, "create_events") and not may(SimpleNamespace(is_authenticated=False), "upload")


def test_tag_creation_goes_through_the_gate(app):
    basic, regular = make_established_user("basic", trust_level=1), make_established_user("regular", trust_level=3)
    assert not tags.can_create_tags(basic)  # tags' own default: staff only
    _set(**{tags.CREATE_MIN_TRUST_LEVEL: 3})
    assert tags.can_create_tags(regular) and not tags.can_create_tags(basic)
    _set(trust_level_to_tag=4)
    assert not tags.can_create_tags(regular)  # the gate's own setting applies too


def test_tagging_a_topic_goes_through_the_gate_and_keeps_the_text(app):
    staffer = make_user("staffer", role="moderator")
    category = make_category("Products")
    tag_services.resolve(staffer, "moka-pro", category.id)  # staff create it
    db.session.commit()
    basic = make_established_user("basic", trust_level=1)
    assert [t.name for t in tag_services.resolve(basic, "moka-pro", category.id)] == ["moka-pro"]
    _set(trust_level_to_tag=2)
    assert not tags.can_tag_topics(basic) and tags.can_tag_topics(staffer)
    with pytest.raises(ValidationFailed) as refused:
        tag_services.resolve(basic, "moka-pro", category.id)
    assert "tags" in refused.value.errors
    assert tag_services.resolve(basic, "", category.id) == []  # no tags typed: nothing to refuse


def test_unknown_gate_is_a_programming_error(app):
    with pytest.raises(KeyError):
        may(make_user(), "fly")


def test_flag_weight_by_level(app):
    fresh = make_user("fresh")
    regular = make_user("regular", trust_level=3)
    leader = make_user("leader", trust_level=4)
    assert moderation.flag_weight(fresh) == 0.25
    assert moderation.flag_weight(regular) == 0.75  # a young account, but a regular
    assert moderation.flag_weight(leader) == 1.0


def test_plugins_read_the_level(app):
    assert trust_level(make_user("basic", trust_level=1)) == 1
    assert trust_level(make_user("mod", role="moderator")) == 4
    assert trust_level(SimpleNamespace(is_authenticated=False)) is None

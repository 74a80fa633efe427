"""Trust levels are earned from recorded activity by the periodic job, set by staff, held by a
lock, and dropped after repeated sanctions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.accounts.trust import TrustLevel, is_locked
from forum.audit.models import AuditLog
from forum.db_types import utcnow
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.members import services
from forum.moderation import services as moderation
from forum.moderation.models import Flag, FlagStatus
from forum.notifications.models import Notification
from forum.settings import get_setting, set_setting
from tests.factories import make_user, opening_post
from tests.members.conftest import read_topics


def _notices(user_id: int) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user_id,
                                                              Notification.kind == "trust_promoted")))


def _audit(user_id: int, action: str) -> list[AuditLog]:
    return list(db.session.scalars(select(AuditLog).where(AuditLog.target_type == "user",
                                                          AuditLog.target_id == user_id, AuditLog.action == action)))


def test_activity_earns_basic_once_notified_and_audited(app, small_thresholds, topics):
    reader, lurker = make_user("reader"), make_user("lurker")
    read_topics(reader, topics)  # 4 posts read, 2 topics entered, seen today
    read_topics(lurker, topics[:1])  # 1 topic entered: not enough
    result = services.refresh_trust_levels()
    db.session.expire_all()
    assert result.promoted == {reader.id: 1}
    assert (reader.trust_level, reader.days_visited, reader.posts_read, reader.topics_entered) == (1, 1, 4, 2)
    assert lurker.trust_level == 0 and lurker.topics_entered == 1
    assert len(_notices(reader.id)) == 1 and _notices(reader.id)[0].params == {"level": 1}
    assert [(a.before, a.after) for a in _audit(reader.id, "trust.promote")] == [
        ({"trust_level": 0}, {"trust_level": 1})]
    # The job again (the next hour): nothing changes, nobody is told twice, the day is counted once.
    assert services.refresh_trust_levels().promoted == {}
    db.session.expire_all()
    assert reader.days_visited == 1 and len(_notices(reader.id)) == 1 and len(_audit(reader.id, "trust.promote")) == 1


def test_higher_levels_need_likes_and_agreed_flags(app, small_thresholds, topics):
    liked, flagger = make_user("liked", likes_received=1), make_user("flagger", likes_received=1)
    for user in (liked, flagger):
        read_topics(user, topics)
    db.session.add(Flag(post_id=opening_post(topics[0]).id, user_id=flagger.id, reason="spam",
                        status=FlagStatus.AGREED))
    db.session.commit()
    services.refresh_trust_levels()
    db.session.expire_all()
    assert (liked.trust_level, flagger.trust_level) == (TrustLevel.MEMBER, TrustLevel.REGULAR)
    assert flagger.flags_agreed == 1
    assert [n.params for n in _notices(flagger.id)] == [{"level": 3}]  # the level reached, not each step


def test_thresholds_an_admin_changes_take_effect(app, small_thresholds, topics):
    admin = make_user("boss", role="admin")
    reader = make_user("reader")
    read_topics(reader, topics)
    services.save_thresholds(admin, {"trust_basic_topics_entered": 3})
    services.refresh_trust_levels()
    db.session.expire_all()
    assert reader.trust_level == 0  # two topics entered, three needed now
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "settings.trust_levels"))
    assert entry is not None and entry.actor_id == admin.id and entry.after == {"trust_basic_topics_entered": 3}
    services.save_thresholds(admin, {"trust_basic_topics_entered": 2})
    services.refresh_trust_levels()
    db.session.expire_all()
    assert reader.trust_level == 1


def test_only_admins_change_thresholds_and_the_admin_page_saves(app, client, small_thresholds):
    make_user("boss", role="admin")
    member = make_user("plain")
    with pytest.raises(PermissionDenied):
        services.save_thresholds(member, {"trust_basic_posts_read": 1})
    client.login("boss")
    page = client.get("/admin/trust-levels")
    assert page.status_code == 200 and b"Days visited" in page.data
    form = {key: str(value) for key, value in services.DEFAULTS.items()}
    form["trust_regular_days_visited"] = "-1"
    refused = client.post_form("/admin/trust-levels", form)
    assert refused.status_code == 400 and b"-1" in refused.data  # what the admin typed is kept
    form["trust_regular_days_visited"] = "70"
    assert client.post_form("/admin/trust-levels", form).status_code == 302
    assert get_setting("trust_regular_days_visited") == 70


def test_leader_only_by_staff_and_a_lock_stops_automatic_changes(app, small_thresholds, topics):
    mod = make_user("modesto", role="moderator")
    member = make_user("held")
    read_topics(member, topics)
    services.set_trust_level(mod, member, 0, locked=True, reason="watching")
    services.refresh_trust_levels()
    db.session.expire_all()
    assert member.trust_level == 0 and is_locked(member)  # the lock holds, activity or not
    services.set_trust_level(mod, member, int(TrustLevel.LEADER), locked=False)
    services.refresh_trust_levels()
    db.session.expire_all()
    assert member.trust_level == TrustLevel.LEADER  # never lowered by the job
    assert [a.after["trust_level"] for a in _audit(member.id, "trust.set")] == [0, 4]
    # Activity alone never reaches leader.
    busy = make_user("busy", likes_received=100)
    read_topics(busy, topics, posts_each=1000)
    services.refresh_trust_levels()
    db.session.expire_all()
    assert busy.trust_level == TrustLevel.MEMBER  # no agreed flag: not a regular, and never a leader


def test_members_cannot_set_levels(app):
    member, other = make_user("plain"), make_user("other")
    with pytest.raises(PermissionDenied):
        services.set_trust_level(member, other, 4, locked=True)


def test_repeated_sanctions_demote_to_new_and_lock(app, small_thresholds, topics):
    mod = make_user("modesto", role="moderator")
    member = make_user("trouble", trust_level=2)
    moderation.warn_user(mod, member, "Please be kind.")
    db.session.expire_all()
    assert member.trust_level == 2  # one sanction: nothing yet
    moderation.silence_user(mod, member, timedelta(days=1), "Still unkind.")
    db.session.expire_all()
    assert member.trust_level == 0 and member.trust_level_locked
    until = member.trust_level_locked_until
    assert until is not None and until > utcnow() + timedelta(days=89)
    assert len(_audit(member.id, "trust.demote")) == 1
    read_topics(member, topics)
    services.refresh_trust_levels()
    db.session.expire_all()
    assert member.trust_level == 0  # held while locked
    # Once the period is over, the job lifts the lock and activity counts again.
    services.refresh_trust_levels(now=utcnow() + timedelta(days=91), full=True)
    db.session.expire_all()
    assert not member.trust_level_locked and member.trust_level >= 1


def test_demotion_can_be_switched_off(app):
    set_setting("trust_demotion_sanctions", 0)
    db.session.commit()
    mod, member = make_user("modesto", role="moderator"), make_user("trouble", trust_level=2)
    moderation.warn_user(mod, member, "One.")
    moderation.warn_user(mod, member, "Two.")
    db.session.expire_all()
    assert member.trust_level == 2 and not member.trust_level_locked

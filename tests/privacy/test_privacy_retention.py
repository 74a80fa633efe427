"""IP retention: old addresses beside posts, audit entries and sign-ins are truncated to their
network or removed; recent ones stay; a second run changes nothing."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum.accounts.models import AuthSession
from forum.audit import AuditLog
from forum.db_types import utcnow
from forum.extensions import db
from forum.ip_addresses import network_of
from forum.privacy import services
from forum.settings import set_setting
from tests.factories import make_reply, make_topic, make_user, opening_post

OLD = utcnow() - timedelta(days=200)


def _addresses() -> tuple[int, int, int, int]:
    member = make_user("addressed")
    topic = make_topic(member)
    old_post, new_post = opening_post(topic), make_reply(topic, member)
    old_post.ip_address, old_post.created_at = "203.0.113.77", OLD
    new_post.ip_address = "198.51.100.5"
    audit = AuditLog(action="post.hide", target_type="post", target_id=old_post.id, ip_address="2001:db8:abcd:12::1",
                     created_at=OLD)
    device = AuthSession(user_id=member.id, token_hash="h" * 64, created_at=OLD, last_seen_at=OLD,
                         expires_at=utcnow() + timedelta(days=1), ip="192.0.2.200")
    db.session.add_all([audit, device])
    db.session.commit()
    return old_post.id, new_post.id, audit.id, device.id


def _values(ids: tuple[int, int, int, int]) -> tuple[str | None, ...]:
    from forum.discussions.models import Post

    db.session.expire_all()
    old_post, new_post, audit, device = ids
    return (db.session.scalar(select(Post.ip_address).where(Post.id == old_post)),
            db.session.scalar(select(Post.ip_address).where(Post.id == new_post)),
            db.session.scalar(select(AuditLog.ip_address).where(AuditLog.id == audit)),
            db.session.scalar(select(AuthSession.ip).where(AuthSession.id == device)))


def test_networks_are_kept_after_the_retention_period(app):
    ids = _addresses()
    assert services.purge_old_addresses() == 3
    assert _values(ids) == ("203.0.113.0", "198.51.100.5", "2001:db8:abcd::", "192.0.2.0")
    assert services.purge_old_addresses() == 0  # idempotent
    assert _values(ids) == ("203.0.113.0", "198.51.100.5", "2001:db8:abcd::", "192.0.2.0")


def test_or_removed_when_the_admin_says_so(app):
    ids = _addresses()
    set_setting("privacy_ip_truncate", False)
    db.session.commit()
    assert services.purge_old_addresses() == 3
    assert _values(ids) == (None, "198.51.100.5", None, None)
    assert services.purge_old_addresses() == 0


def test_the_retention_period_is_a_setting(app):
    ids = _addresses()
    set_setting("privacy_ip_retention_days", 365)
    db.session.commit()
    assert services.purge_old_addresses() == 0
    assert _values(ids)[0] == "203.0.113.77"


def test_network_of():
    assert network_of("203.0.113.77") == "203.0.113.0"
    assert network_of("203.0.113.0") == "203.0.113.0"
    assert network_of("::ffff:203.0.113.77") == "203.0.113.0"
    assert network_of("2001:db8:abcd:12::1") == "2001:db8:abcd::"
    assert network_of("not an address") is None


def test_the_admin_page_saves_the_settings(app, client):
    make_user("boss", role="admin")
    client.login("boss")
    assert client.get("/admin/privacy").status_code == 200
    response = client.post_form("/admin/privacy", {"deleted_content": "member", "grace_days": "7",
                                                   "export_link_days": "3", "exports_per_day": "2",
                                                   "ip_retention_days": "30"})
    assert response.status_code == 302
    from forum.settings import get_setting

    assert get_setting("privacy_deleted_content") == "member"
    assert get_setting("privacy_grace_days") == 7 and get_setting("privacy_ip_truncate") is False
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "settings.privacy"))
    assert entry is not None and entry.after["privacy_grace_days"] == 7
    bad = client.post_form("/admin/privacy", {"deleted_content": "burn", "grace_days": "7", "export_link_days": "3",
                                              "exports_per_day": "2", "ip_retention_days": "30"})
    assert bad.status_code == 400

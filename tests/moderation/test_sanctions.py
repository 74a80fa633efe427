"""Warnings, silences, suspensions (with automatic expiry), roles and staff notes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import jobs
from forum.accounts.models import PERMANENT, User
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import PostState
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.moderation import services
from forum.moderation.models import Sanction, SanctionKind, StaffNote
from tests.factories import make_topic, make_user
from tests.moderation.helpers import audit_actions
from tests.notifications.helpers import texts


def test_a_warning_must_be_acknowledged_before_posting(app, client, member, mod, category):
    services.warn_user(mod, member, "Please stop posting the same link.", "third time this week")
    db.session.expire_all()
    assert member.warning_pending
    assert audit_actions("user", member.id) == ["user.warn"]
    [note] = texts(member)
    assert "official warning" in note

    topic = make_topic(mod, category)
    client.login("mario")
    html = client.get("/").get_data(as_text=True)
    assert "Warning to read" in html
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "My reply that must wait."})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "acknowledge the moderators" in page and "My reply that must wait." in page  # text kept

    status = client.get("/moderation/me").get_data(as_text=True)
    assert "Please stop posting the same link." in status
    assert "third time this week" not in status  # the internal note stays with staff
    sanction = db.session.scalar(select(Sanction).where(Sanction.user_id == member.id))
    assert client.post_form(f"/moderation/warnings/{sanction.id}/acknowledge").status_code == 302
    db.session.expire_all()
    assert not member.warning_pending and sanction.acknowledged_at is not None
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "My reply, now allowed."}).status_code == 302


def test_silence_makes_read_only_and_expires_by_itself(app, client, member, mod, category, refused):
    services.silence_user(mod, member, timedelta(days=1), "Cool down, please.", "heated thread")
    db.session.expire_all()
    assert member.silenced_until > utcnow()
    with refused(discussions.PostingBlocked):
        discussions.create_topic(member, category, "A title long enough", "Some body text")
    client.login("mario")
    assert "Cool down, please." in client.get("/moderation/me").get_data(as_text=True)
    assert "Read-only" in client.get("/").get_data(as_text=True)
    # No cron: once the time has passed, the member can post again.
    member.silenced_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert discussions.create_topic(member, category, "A title long enough", "Some body text").post.state == \
        PostState.PUBLISHED
    assert audit_actions("user", member.id) == ["user.silence"]


def test_suspension_blocks_login_with_the_reason_and_expires(app, client, member, mod, outbox):
    services.suspend_user(mod, member, timedelta(days=3), "Repeated insults.", "see reports")
    jobs.run_pending()  # the notice's mail is a job queued with it
    assert any("suspended" in m.subject.lower() for m in outbox)  # mailed: they cannot sign in
    response = client.login("mario")
    html = response.get_data(as_text=True)
    assert "suspended" in html and "Repeated insults." in html
    assert "see reports" not in html
    member.suspended_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert client.login("mario").status_code == 302


def test_permanent_suspension_and_lifting_it(app, client, member, mod):
    services.suspend_user(mod, member, None, "Spam account.")
    db.session.expire_all()
    assert member.suspended_until >= PERMANENT
    assert "This account is suspended." in client.login("mario").get_data(as_text=True)
    services.lift_suspension(mod, member, "appeal accepted")
    db.session.expire_all()
    assert member.suspended_until is None
    sanction = db.session.scalar(select(Sanction).where(Sanction.kind == SanctionKind.SUSPEND))
    assert sanction.lifted_by_id == mod.id  # the record stays
    assert audit_actions("user", member.id) == ["user.suspend", "user.unsuspend"]
    assert client.login("mario").status_code == 302


def test_lift_silence(app, member, mod):
    services.silence_user(mod, member, timedelta(hours=1), "Short break.")
    services.lift_silence(mod, member)
    db.session.expire_all()
    assert member.silenced_until is None
    assert audit_actions("user", member.id) == ["user.silence", "user.unsilence"]


def test_sanctions_need_a_reason_for_the_member(app, member, mod, refused):
    with refused():
        services.warn_user(mod, member, "   ")
    with refused():
        services.parse_duration("forever", allow_permanent=True)
    with refused():
        services.parse_duration("permanent", allow_permanent=False)


def test_moderators_cannot_sanction_admins_or_moderators_but_admins_can(app, mod, admin):
    other_mod = make_user("otto", role="moderator")
    for target in (admin, other_mod):
        with pytest.raises(PermissionDenied):
            services.silence_user(mod, target, timedelta(hours=1), "No.")
    services.silence_user(admin, other_mod, timedelta(hours=1), "Admins can.")
    with pytest.raises(PermissionDenied):
        services.warn_user(admin, admin, "Not myself.")


def test_sanctions_from_the_queue_screen(app, client, member, mod, category):
    client.login("mona")
    response = client.post_form("/moderation/users/mario/silence", {
        "duration": "1d", "reason": "Read-only for a day.", "note": "", "next": "/review"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/review")
    db.session.expire_all()
    assert member.silenced_until is not None
    client.post_form("/moderation/users/mario/suspend", {"duration": "permanent", "reason": "Enough."})
    db.session.expire_all()
    assert member.suspended_until >= PERMANENT


def test_only_admins_change_roles(app, client, member, mod, admin):
    with pytest.raises(PermissionDenied):
        services.set_role(mod, member, "moderator")
    client.login("mona")
    assert client.post_form("/moderation/users/mario/role", {"role": "moderator"}).status_code == 403
    client.post_form("/logout")
    client.login("ada")
    client.post_form("/moderation/users/mario/role", {"role": "moderator"})
    db.session.expire_all()
    assert db.session.get(User, member.id).role == "moderator"
    assert audit_actions("user", member.id) == ["user.role"]


def test_staff_notes_are_for_moderators_only(app, client, member, mod):
    client.login("mona")
    client.post_form("/moderation/users/mario/note", {"body": "Called support twice about refunds."})
    assert db.session.scalar(select(StaffNote.body)) == "Called support twice about refunds."
    assert "Called support twice" in client.get("/u/mario").get_data(as_text=True)
    assert audit_actions("user", member.id) == ["user.note"]
    client.post_form("/logout")
    make_user("luigi")
    client.login("luigi")
    assert "Called support twice" not in client.get("/u/mario").get_data(as_text=True)
    client.post_form("/logout")
    client.login("mario")
    assert "Called support twice" not in client.get("/u/mario").get_data(as_text=True)


def test_profile_shows_moderation_tools_to_moderators(app, client, member, mod):
    services.warn_user(mod, member, "Be kind.", "internal")
    client.login("mona")
    html = client.get("/u/mario").get_data(as_text=True)
    assert "Warn, silence or suspend" in html and "Be kind." in html and "internal" in html
    assert "Change role" not in html  # moderators do not change roles

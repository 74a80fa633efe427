"""Announce to all members: preview and count, the topic, the mail through the real job queue to
members in good standing who allow announcements, in batches, once each; unsubscribe works."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from forum import jobs
from forum.accounts.models import User
from forum.audit.models import AuditLog
from forum.crisis import announcements
from forum.crisis.models import Announcement
from forum.discussions.models import Category
from forum.extensions import db
from forum.notifications.models import Notification
from forum.notifications.preferences import delivery_for
from tests.factories import make_category, make_user
from tests.factories.accounts import make_member_in_state


@pytest.fixture
def members(app):
    make_user("mod", role="moderator")
    everyone = {"anna": make_user("anna"), "ben": make_user("ben"),
                "quiet": make_user("quiet", notification_prefs={announcements.KIND: "never"}),
                "bell": make_user("bell", notification_prefs={announcements.KIND: "app"}),
                "paused": make_user("paused", notification_prefs={"email_paused": True})}
    for state in ("unverified", "pending", "suspended"):
        everyone[state] = make_member_in_state(state, state)
    everyone["erased"] = make_user("gone", membership="erased")
    make_category("News", slug="news")
    return everyone


def _form(category_id: int, **extra):
    return {"category": str(category_id), "title": "Moka Pro safety recall", "body": "Please **stop using** it.",
            **extra}


def _news_id() -> int:
    return db.session.scalar(select(Category.id).where(Category.slug == "news"))


def test_preview_shows_the_text_and_the_count_and_sends_nothing(app, client, members, outbox):
    client.login("mod")
    assert client.get("/announce").status_code == 200
    response = client.post_form("/announce", _form(_news_id(), preview="1"))
    page = response.get_data(as_text=True)
    # anna, ben and the moderator: not the member who turned it off, nor the bell-only one, nor the
    # paused one, nor unverified, pending, suspended or erased accounts.
    assert "3 members will receive the mail." in page
    assert "<strong>stop using</strong>" in page
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0 and not outbox


def test_publish_sends_through_the_queue_to_those_who_allow_it(app, client, members, outbox):
    client.login("mod")
    response = client.post_form("/announce", _form(_news_id(), confirmed="y"))
    assert response.status_code == 302
    jobs.run_pending()
    row = db.session.scalar(select(Announcement))
    assert row is not None and row.expected == 3 and row.finished_at is not None and row.topic is not None
    mailed = sorted(mail.to for mail in outbox)
    assert mailed == ["anna@example.com", "ben@example.com", "mod@example.com"]
    noticed = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == announcements.KIND)))
    assert members["bell"].id in noticed and members["quiet"].id not in noticed
    assert members["suspended"].id not in noticed and members["erased"].id not in noticed
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "crisis.announce")) is not None


def test_batches_run_again_notify_nobody_twice(app, members, outbox, monkeypatch):
    monkeypatch.setattr(announcements, "BATCH", 2)
    moderator = db.session.scalar(select(User).where(User.username == "mod"))
    row = announcements.announce(moderator, db.session.get(Category, _news_id()), "Outage tonight",
                                 "The app will be down from 22:00.")
    jobs.run_pending()
    first = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == announcements.KIND))
    announcements.run_batch({"announcement_id": row.id, "after": 0})  # a batch that runs again
    jobs.run_pending()
    again = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == announcements.KIND))
    assert first == again == 5  # anna, ben, the moderator; bell and paused in the app only
    assert len(outbox) == 3


def test_unsubscribe_link_in_the_mail_turns_announcements_off(app, client, members, outbox):
    client.login("mod")
    client.post_form("/announce", _form(_news_id(), confirmed="y"))
    jobs.run_pending()
    mail = next(m for m in outbox if m.to == "anna@example.com")
    link = re.search(r"<https?://[^/]+(/email/unsubscribe/[\w.-]+)>", mail.headers["List-Unsubscribe"]).group(1)
    client.post_form("/logout")
    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    db.session.expire_all()
    assert delivery_for(members["anna"], announcements.KIND) not in ("email", "email_away")
    with app.test_request_context():
        assert announcements.recipient_count() == 2


def test_members_cannot_announce(app, client, members):
    client.login("anna")
    assert client.get("/announce").status_code == 403


def test_publish_without_the_tick_says_so_and_keeps_the_text(app, client, members, outbox):
    client.login("mod")
    response = client.post_form("/announce", _form(_news_id()))
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Tick the box to confirm you checked the preview." in page
    assert "Moka Pro safety recall" in page and "Please **stop using** it." in page
    assert re.search(r'<input[^>]*id="confirmed"[^>]*required', page)
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0 and not outbox

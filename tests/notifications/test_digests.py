"""Summary mail (forum.notifications.digests): who gets one, what is in it, and never twice.

The clock is moved, never waited for: members' ``last_seen_at`` / ``last_digest_at`` /
``created_at`` and posts' ``created_at`` are set in the past.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from forum import jobs
from forum.accounts.ignores import ignore_user
from forum.db_types import utcnow
from forum.discussions.models import NotificationLevel, Post, ReadAccess, Topic
from forum.discussions.watching import set_category_level, set_topic_level
from forum.extensions import db
from forum.notifications import digests
from forum.notifications.digests import DIGEST_JOB, due_members, period_key, send_digest
from forum.notifications.models import Notification
from forum.settings import set_setting
from tests.factories import make_category, make_reply, make_topic, make_user

DAY = timedelta(days=1)


def away_member(name: str, *, days: float = 10, **fields: Any) -> Any:
    """A member who joined long ago and was last seen ``days`` ago."""
    now = utcnow()
    fields.setdefault("created_at", now - timedelta(days=100))
    return make_user(name, last_seen_at=now - timedelta(days=days), **fields)


def age(topic: Topic, days: float) -> None:
    """Write the topic's posts ``days`` ago (the topic too)."""
    moment = utcnow() - timedelta(days=days)
    for post in db.session.scalars(select(Post).where(Post.topic_id == topic.id)):
        post.created_at = moment
    topic.created_at = topic.last_posted_at = moment
    db.session.commit()


def mails_to(outbox: list[Any], user: Any) -> list[Any]:
    return [m for m in outbox if m.to == user.email]


def run_digest_jobs() -> None:
    jobs.enqueue(DIGEST_JOB, {})
    db.session.commit()
    jobs.run_pending()
    db.session.expire_all()


@pytest.fixture
def busy(app: Any, outbox: list[Any]) -> dict[str, Any]:
    """Three topics of the last two days; Bruno's has the most new posts."""
    bruno, carla = make_user("bruno"), make_user("carla")
    kitchen = make_category("Kitchen")
    quiet = make_topic(carla, kitchen, title="A quiet question about kettles")
    busy = make_topic(bruno, kitchen, title="Which descaler works best?", body="I tried vinegar and citric acid.")
    for i in range(3):
        make_reply(busy, carla if i % 2 else make_user(f"fan{i}"), f"Reply number {i} with words.")
    staff_only = make_topic(make_user("boss", role="admin"), make_category("Staff room", read_access=ReadAccess.STAFF),
                            title="Secret launch plans")
    for topic in (quiet, busy, staff_only):
        age(topic, 1)
    jobs.run_pending()
    outbox.clear()
    return {"bruno": bruno, "carla": carla, "busy": busy, "quiet": quiet, "kitchen": kitchen}


# --- who is due -------------------------------------------------------------------------------------

def test_who_is_due(app):
    now = utcnow()
    weekly_away = away_member("weekly_away")                                # default: weekly, away 10 days
    daily_away = away_member("daily_away", days=2, digest="daily")
    away_member("weekly_recent", days=3)                                     # visited 3 days ago: not yet
    away_member("never", digest="never")
    away_member("just_sent", digest="daily", last_digest_at=now - timedelta(hours=3))
    away_member("unverified", verified=False)
    away_member("suspended", suspended_until=now + DAY)
    make_user("newcomer", created_at=now - timedelta(days=2))               # never seen, joined 2 days ago
    due = {u.username for u in due_members(now)}
    assert due == {weekly_away.username, daily_away.username}


def test_the_communitys_default_frequency_applies_to_members_who_never_chose(app):
    now = utcnow()
    member = away_member("member", days=2)
    assert member not in due_members(now)  # weekly
    set_setting("digest_default", "daily")
    db.session.commit()
    assert member in due_members(now)
    set_setting("digest_default", "never")
    db.session.commit()
    assert member not in due_members(now)


def test_an_hourly_schedule_does_not_slip(app):
    now = utcnow()
    member = away_member("member", digest="daily", last_digest_at=now - DAY + timedelta(minutes=20))
    assert member in due_members(now)  # 23 h 40 min ago: this hour's run, not the next one's


# --- what is in it -------------------------------------------------------------------------------------

def test_the_summary_lists_the_most_active_topics_the_member_may_read(busy, outbox):
    anna = away_member("anna")
    assert send_digest(anna)
    [mail] = mails_to(outbox, anna)
    assert mail.subject == "Circolo: what you missed"
    body = mail.body
    assert body.index("Which descaler works best?") < body.index("A quiet question about kettles")
    assert "Secret launch plans" not in body and "Secret launch plans" not in mail.html
    assert "4 new posts" in body and "3 replies" in body and "I tried vinegar and citric acid." in body
    topic = busy["busy"]
    assert f"http://forum.test/t/{topic.slug}/{topic.id}/1" in body and "Kitchen" in body
    assert mail.headers["List-Unsubscribe"].startswith("<http://forum.test/email/unsubscribe/")
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "http://forum.test/settings/notifications" in body
    assert anna.last_digest_at is not None


def test_staff_read_staff_topics_in_theirs(busy, outbox):
    boss = away_member("chief", role="admin")
    send_digest(boss)
    [mail] = mails_to(outbox, boss)
    assert "Secret launch plans" in mail.body


def test_only_what_is_new_since_the_last_visit(busy, outbox):
    age(busy["quiet"], 5)
    anna = away_member("anna", days=3)
    anna.last_seen_at = utcnow() - timedelta(days=3)
    send_digest(anna)
    [mail] = mails_to(outbox, anna)
    assert "Which descaler works best?" in mail.body
    assert "A quiet question about kettles" not in mail.body  # before her last visit


def test_topics_of_ignored_members_are_left_out(busy, outbox):
    anna = away_member("anna")
    ignore_user(anna, busy["bruno"])
    send_digest(anna)
    [mail] = mails_to(outbox, anna)
    assert "Which descaler works best?" not in mail.body and "A quiet question about kettles" in mail.body


def test_muted_topics_and_categories_are_left_out(busy, outbox):
    anna = away_member("anna")
    set_topic_level(anna, busy["busy"], NotificationLevel.MUTED)
    send_digest(anna)
    [mail] = mails_to(outbox, anna)
    assert "Which descaler works best?" not in mail.body and "A quiet question about kettles" in mail.body
    set_category_level(anna, busy["kitchen"], NotificationLevel.MUTED)
    anna.last_digest_at = None
    db.session.commit()
    assert not send_digest(anna)


def test_nothing_new_sends_nothing_and_moves_on(busy, outbox):
    for topic in (busy["busy"], busy["quiet"]):
        age(topic, 20)
    anna = away_member("anna", days=30)
    anna.last_digest_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert not send_digest(anna)
    assert mails_to(outbox, anna) == []
    assert anna.last_digest_at > utcnow() - timedelta(minutes=1)  # not looked at again before next week


def test_written_in_the_members_language(busy, outbox):
    busy["kitchen"].translations = {"it": {"name": "Cucina"}}
    anna = away_member("anna", locale="it", timezone="Europe/Rome")
    send_digest(anna)
    [mail] = mails_to(outbox, anna)
    assert mail.subject == "Circolo: cosa ti sei perso"
    assert "Cucina" in mail.body and "4 nuovi messaggi" in mail.body
    assert '<html lang="it"' in mail.html and "(Europe/Rome)" in mail.body


def test_a_private_or_account_notice_is_never_counted(app, busy, outbox):
    anna = away_member("anna")
    db.session.add(Notification(user_id=anna.id, kind="warning", params={"reason": "x"}))  # about her account
    db.session.commit()
    send_digest(anna)
    [mail] = mails_to(outbox, anna)
    assert "unread notification" not in mail.body


# --- the job -------------------------------------------------------------------------------------------

def test_the_job_sends_once_per_period_even_when_it_runs_again(busy, outbox):
    anna, daily = away_member("anna"), away_member("dora", digest="daily")
    run_digest_jobs()
    run_digest_jobs()  # the next hour (or a second worker): nothing more
    assert len(mails_to(outbox, anna)) == 1 and len(mails_to(outbox, daily)) == 1
    assert all(m.to not in ("bruno@example.com", "carla@example.com") for m in outbox)  # seen lately


def test_the_job_walks_members_in_batches(busy, outbox, monkeypatch):
    monkeypatch.setattr(digests, "BATCH", 2)
    members = [away_member(f"reader{i}") for i in range(5)]
    run_digest_jobs()
    assert {m.to for m in outbox} >= {m.email for m in members}
    batches = db.session.scalars(select(jobs.Job).where(jobs.Job.name == DIGEST_JOB)).all()
    assert len(batches) >= 3  # 2 + 2 + 1: each batch a job of its own


def test_period_keys():
    moment = utcnow().replace(year=2026, month=12, day=5)
    assert period_key("daily", moment) == "2026-12-05"
    assert period_key("weekly", moment) == "2026-W49"

"""The fan-out of a post to its watchers: batches of a bounded number of statements, one notice
per watcher, whatever the number of watchers; the reply itself only queues one job."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from forum import jobs
from forum.accounts.models import User
from forum.accounts.services import current_coc_version
from forum.db_types import utcnow
from forum.discussions import notices as post_notices
from forum.discussions import services as discussions
from forum.discussions.models import NotificationLevel, TopicMember
from forum.extensions import db
from forum.jobs.models import Job
from forum.notifications.models import Notification
from tests.factories import make_topic, make_user, support_category


def add_watchers(topic: Any, n: int, prefix: str = "w") -> list[int]:
    """``n`` verified members watching ``topic``, inserted in bulk (the services would take minutes)."""
    now, version = utcnow(), current_coc_version()
    db.session.execute(insert(User), [
        {"username": f"{prefix}{i}", "username_canonical": f"{prefix}{i}", "email": f"{prefix}{i}@example.com",
         "email_canonical": f"{prefix}{i}@example.com", "password_hash": "x", "display_name": f"W {i}",
         "role": "member", "email_verified_at": now, "approved_at": now, "accepted_coc_version": version,
         "created_at": now, "notification_prefs": {}} for i in range(n)])
    ids = list(db.session.scalars(select(User.id).where(User.username.like(f"{prefix}%")).order_by(User.id)))
    db.session.execute(insert(TopicMember), [
        {"user_id": uid, "topic_id": topic.id, "level": int(NotificationLevel.WATCHING), "level_reason": "chosen",
         "last_read_post_number": 0} for uid in ids])
    db.session.commit()
    return ids


def test_1200_watchers_get_one_notice_each_in_batches_of_few_statements(app, count_queries):
    topic = make_topic(make_user("asker"), support_category(), title="A topic many people watch")
    jobs.run_pending()
    watcher_ids = add_watchers(topic, 1200)
    author = make_user("bruno")

    with count_queries() as request_side:
        post = discussions.create_reply(author, topic, "News for everyone watching.").post
    queued = db.session.scalars(select(Job).where(Job.name == post_notices.JOB)).all()
    assert [job.payload for job in queued if job.payload["post_id"] == post.id] == [{"post_id": post.id, "edit": False}]

    with count_queries() as fan_out:
        jobs.run_pending()
    rows = db.session.execute(select(Notification.user_id, Notification.kind).where(
        Notification.post_id == post.id)).all()
    notified = [uid for uid, kind in rows if kind == "watched_post"]
    assert len(notified) == len(set(notified)) == 1200 and set(notified) == set(watcher_ids)
    assert {kind for _, kind in rows} == {"watched_post", "topic_reply"}  # the asker: a reply to her topic
    batches = 3  # 500 + 500 + 200
    # Per batch: the ids, the users, who ignores the author, who already has a notice, the
    # dedupe keys, the inserts (at most a few statements for 500 rows); plus the job's own.
    assert fan_out.count <= 40 + 8 * batches, "\n".join(fan_out.statements[:80])
    assert request_side.count < 60  # the reply's own work: it does not grow with the watchers

    with count_queries() as again:
        post_notices.notify_post({"post_id": post.id, "edit": False})
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.post_id == post.id)) == 1201  # run twice: nobody twice
    assert again.count <= 40 + 8 * batches


def test_the_reply_costs_the_same_with_0_or_300_watchers(app, count_queries):
    quiet = make_topic(make_user(), support_category(), title="A topic nobody watches")
    busy = make_topic(make_user(), support_category(), title="A topic everyone watches")
    jobs.run_pending()
    add_watchers(busy, 300)
    author = make_user("bruno")
    discussions.create_reply(author, quiet, "Warming up the caches here.")
    jobs.run_pending()
    counts = []
    for topic in (quiet, busy):
        with count_queries() as q:
            discussions.create_reply(author, topic, "The same reply in both topics.")
        counts.append(q.count)
        jobs.run_pending()
    assert counts[0] == counts[1]

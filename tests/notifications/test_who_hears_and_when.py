"""Who is told, and when, at the edges the review of issue 12 found: members who may not take
part are not mailed, a muted topic brings nothing (likes included), reading a topic clears its
notices (and so the mail "email when away" would send), a fan-out that mails many watchers
costs the same statements for 50 or 400 of them, and the summary's count agrees with the bell."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from forum import jobs
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions import bookmarks, reactions, watching
from forum.discussions import notices as post_notices
from forum.discussions import services as discussions
from forum.discussions.models import Category, NotificationLevel, ReadAccess
from forum.extensions import db
from forum.jobs.models import Job, JobState
from forum.notifications import digests
from forum.notifications.models import Notification
from tests.factories import make_category, make_reply, make_topic, make_user, support_category
from tests.notifications.test_fanout_scale import add_watchers


def _run_due_jobs() -> None:
    """Run every queued job now, as a worker would once their time came."""
    db.session.execute(update(Job).where(Job.state == JobState.QUEUED).values(run_at=utcnow() - timedelta(seconds=5)))
    db.session.commit()
    for job_id in list(db.session.scalars(select(Job.id).where(Job.state == JobState.QUEUED))):
        jobs.run(job_id)


def _mail_to(outbox: Any, user: User) -> list[str]:
    return [m.subject for m in outbox if m.to == user.email]


def test_a_suspended_member_gets_no_bookmark_reminder_and_no_notice_mail(app, outbox):
    topic = make_topic(make_user("anna"), make_category("Coffee", slug="coffee"), title="Descaling")
    post = make_reply(topic, make_user("giulia"), "Use citric acid, never vinegar.")
    bruno = make_user("bruno", notification_prefs={"mentioned": "email"})
    bookmarks.save_bookmark(bruno, post, remind_at=utcnow() + timedelta(minutes=5))
    bruno.suspended_until = utcnow() + timedelta(days=7)
    db.session.commit()
    jobs.run_pending()
    outbox.clear()
    bookmarks.send_due_reminders(utcnow() + timedelta(minutes=10))
    db.session.commit()
    make_reply(topic, make_user("carla"), "@bruno what do you think?")
    jobs.run_pending()
    _run_due_jobs()
    assert _mail_to(outbox, bruno) == []
    # Mail about their own account still reaches them (the suspension notice is transactional).


def test_a_muted_topic_brings_no_like_notices(app):
    anna = make_user("anna")
    topic = make_topic(make_user("bruno"), make_category("Kettles", slug="kettles"), title="Kettle whistles")
    post = make_reply(topic, anna, "Descale it with citric acid.")
    jobs.run_pending()
    reactions.react(make_user("dario"), post, reactions.LIKE)
    jobs.run_pending()
    assert list(db.session.scalars(select(Notification.kind).where(Notification.user_id == anna.id))) \
        == [reactions.NOTICE_KIND]  # before muting: she hears of it
    watching.set_topic_level(anna, topic, NotificationLevel.MUTED)
    reactions.react(make_user("carla"), post, reactions.LIKE)
    jobs.run_pending()
    notice = db.session.scalars(select(Notification).where(Notification.user_id == anna.id)).one()
    assert notice.params["count"] == 1  # Carla's like changed nothing


def test_reading_the_topic_clears_its_notices_and_the_away_mail(app, client, outbox):
    anna = make_user("anna", last_seen_at=utcnow())  # on the site: "email when away" waits
    topic = make_topic(anna, make_category("Kettles", slug="kettles"), title="Kettle whistles")
    first = make_reply(topic, make_user("carla"), "Descale it with citric acid.")
    jobs.run_pending()
    later = make_reply(topic, make_user("dario"), "Or lemon juice, @anna.")
    jobs.run_pending()
    notices = {n.post_id: n for n in db.session.scalars(select(Notification).where(Notification.user_id == anna.id))}
    assert set(notices) == {first.id, later.id} and all(n.read_at is None for n in notices.values())
    client.login("anna")
    assert client.post_form(f"/t/{topic.id}/read", {"post_number": str(first.post_number)}).status_code == 204
    db.session.expire_all()
    assert notices[first.id].read_at is not None  # read in the topic: read in the bell
    assert notices[later.id].read_at is None      # not reached yet
    db.session.execute(update(User).where(User.id == anna.id).values(last_seen_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    outbox.clear()
    _run_due_jobs()  # she left: only what she did not read is mailed
    assert _mail_to(outbox, anna) == ["Dario mentioned you in “Kettle whistles”"]


def _fanout_statements(count_queries: Any, n: int) -> int:
    topic = make_topic(make_user(f"asker{n}"), support_category(), title=f"Watched by {n}")
    jobs.run_pending()
    ids = add_watchers(topic, n, prefix=f"e{n}_")
    db.session.execute(update(User).where(User.id.in_(ids)).values(notification_prefs={"watched_post": "email"}))
    db.session.commit()
    post = discussions.create_reply(make_user(f"bruno{n}"), topic, "News for everyone watching.").post
    with count_queries() as queries:
        post_notices.notify_post({"post_id": post.id, "edit": False})
    assert db.session.scalar(select(Job.id).where(Job.dedupe_key.like("notification-email:%")).limit(1))
    return queries.count


def test_mailing_many_watchers_costs_the_same_statements_for_50_or_400(app, count_queries):
    small = _fanout_statements(count_queries, 50)
    big = _fanout_statements(count_queries, 400)
    assert big == small, (small, big)  # 400 fits one batch of 500, as 50 does


def test_the_summarys_unread_count_leaves_out_what_the_member_may_no_longer_read(app):
    anna = make_user("anna")
    topic = make_topic(anna, make_category("Kettles", slug="kettles"), title="Kettle whistles")
    make_reply(topic, make_user("carla"), "Descale it.")
    make_reply(topic, make_user("dario"), "@anna lemon juice works too.")
    jobs.run_pending()
    assert digests._unread_optional(anna) == 2
    category = db.session.get(Category, topic.category_id)
    category.read_access = ReadAccess.STAFF
    db.session.commit()
    assert digests._unread_optional(anna) == 0

"""The statistics job: correct figures on a small known forum, and idempotent."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from forum.db_types import utcnow
from forum.discussions.models import Post, PostReaction, Topic
from forum.extensions import db
from forum.insights import services
from forum.insights.models import DailyStat, MemberDay, SearchDay, TopEntry
from forum.insights.personal_data import ActiveDays
from forum.moderation.models import Flag, ReviewItem
from tests.factories import make_category, make_reply, make_topic, make_user

DAY = date(2026, 3, 10)
NOON = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _at(obj, when: datetime) -> None:
    """Move a topic (and its posts) or a post to ``when``."""
    if isinstance(obj, Topic):
        db.session.execute(update(Topic).where(Topic.id == obj.id).values(created_at=when))
        db.session.execute(update(Post).where(Post.topic_id == obj.id).values(created_at=when))
    else:
        db.session.execute(update(Post).where(Post.id == obj.id).values(created_at=when))
    db.session.commit()


def _row(day: date = DAY, category_id: int = 0, language: str = "") -> DailyStat:
    row = db.session.scalar(select(DailyStat).where(DailyStat.day == day, DailyStat.category_id == category_id,
                                                    DailyStat.language == language))
    assert row is not None, (day, category_id, language)
    return row


@pytest.fixture
def forum(app):
    """Two categories (one for questions), posts in English and Italian on DAY, a staff answer,
    a solved question, a reaction, a flag and a decided review item; noise on the day before."""
    questions = make_category("Questions", slug="q", is_questions=True)
    chat = make_category("Chat", slug="chat")
    ann, bea, staff = make_user("ann"), make_user("bea", locale="it"), make_user("sam", staff=True)
    for user in (ann, bea, staff):
        db.session.execute(update(type(user)).where(type(user).id == user.id).values(created_at=NOON))
    q1 = make_topic(ann, questions, title="How do I descale the machine?")
    _at(q1, NOON)
    answer = make_reply(q1, staff, "Use the descaling programme.")
    _at(answer, NOON + timedelta(hours=2))
    db.session.execute(update(Topic).where(Topic.id == q1.id).values(
        first_staff_reply_at=NOON + timedelta(hours=2), solution_post_id=answer.id))
    q2 = make_topic(bea, questions, title="Perché la macchina perde acqua?")
    db.session.execute(update(Topic).where(Topic.id == q2.id).values(language="it"))
    db.session.execute(update(Post).where(Post.topic_id == q2.id).values(language="it"))
    _at(q2, NOON + timedelta(hours=1))
    chat_topic = make_topic(bea, chat, title="Show us your coffee corner")
    _at(chat_topic, NOON + timedelta(hours=3))
    reply = make_reply(chat_topic, ann, "Mine is tiny but cosy.")
    _at(reply, NOON + timedelta(hours=4))
    old = make_topic(ann, chat, title="Yesterday's news from the cafe")
    _at(old, NOON - timedelta(days=1))
    db.session.add(PostReaction(post_id=reply.id, user_id=bea.id, reaction="heart", created_at=NOON))
    db.session.add(Flag(post_id=reply.id, user_id=staff.id, reason="spam", created_at=NOON))
    db.session.add(ReviewItem(kind="post", status="resolved", reason_code="flagged", post_id=reply.id,
                              topic_id=chat_topic.id, category_id=chat.id, created_at=NOON,
                              resolved_at=NOON + timedelta(minutes=30), resolution="agreed"))
    db.session.add(SearchDay(day=DAY, query="grinder noise", language="en", searches=3, no_results=3, signed_in=1))
    db.session.add(SearchDay(day=DAY, query="descale", language="it", searches=2, no_results=0, signed_in=2))
    db.session.commit()
    return {"questions": questions, "chat": chat, "ann": ann, "bea": bea, "staff": staff, "q1": q1,
            "chat_topic": chat_topic}


def test_whole_forum_figures_of_a_day(forum):
    services.refresh_day(DAY)
    row = _row()
    assert (row.posts, row.topics, row.likes) == (5, 3, 1)
    assert (row.questions, row.solved) == (2, 1)
    assert (row.member_topics, row.responded, row.response_seconds) == (3, 1, 2 * 3600)
    assert (row.flags, row.reviews_decided, row.review_seconds, row.review_median_seconds) == (1, 1, 1800, 1800)
    assert (row.searches, row.searches_no_results) == (5, 3)
    assert row.new_members == 3
    assert row.active_members == 3 and row.active_weekly == 3 and row.active_monthly == 3


def test_figures_per_category_and_per_language(forum):
    services.refresh_day(DAY)
    questions = _row(category_id=forum["questions"].id)
    assert (questions.posts, questions.topics, questions.questions, questions.solved) == (3, 2, 2, 1)
    assert questions.active_members == 3  # ann, bea, sam posted there
    assert questions.active_weekly is None  # distinct members over a week: whole forum only
    chat = _row(category_id=forum["chat"].id)
    assert (chat.posts, chat.topics, chat.likes, chat.flags, chat.reviews_decided) == (2, 1, 1, 1, 1)
    italian = _row(language="it")
    assert (italian.posts, italian.topics, italian.questions, italian.new_members) == (1, 1, 1, 1)
    assert (italian.searches, italian.searches_no_results) == (2, 0)
    both = _row(category_id=forum["questions"].id, language="it")
    assert (both.posts, both.questions, both.solved) == (1, 1, 0)
    yesterday = services.refresh_day(DAY - timedelta(days=1)) or _row(DAY - timedelta(days=1))
    assert (yesterday.posts, yesterday.topics) == (1, 1)


def test_running_twice_gives_the_same_rows(forum):
    def snapshot():
        stats = db.session.execute(select(DailyStat).order_by(DailyStat.category_id, DailyStat.language)).scalars()
        tops = db.session.execute(select(TopEntry.kind, TopEntry.category_id, TopEntry.language, TopEntry.subject_id,
                                         TopEntry.posts).order_by(TopEntry.kind, TopEntry.category_id,
                                                                  TopEntry.language, TopEntry.subject_id)).all()
        skip = {"id", "refreshed_at"}
        return ([{c: v for c, v in vars(r).items() if not c.startswith("_") and c not in skip} for r in stats],
                tops, db.session.scalars(select(MemberDay.user_id).order_by(MemberDay.user_id)).all())

    services.refresh_day(DAY)
    first = snapshot()
    services.refresh_day(DAY)
    assert snapshot() == first
    assert len(first[0]) == len({(r["category_id"], r["language"]) for r in first[0]})


def test_leaders_of_the_day(forum):
    services.refresh_day(DAY)
    members = dict(db.session.execute(select(TopEntry.subject_id, TopEntry.posts).where(
        TopEntry.day == DAY, TopEntry.kind == "member", TopEntry.category_id == 0, TopEntry.language == "")).all())
    assert members == {forum["ann"].id: 2, forum["bea"].id: 2, forum["staff"].id: 1}
    topics = dict(db.session.execute(select(TopEntry.subject_id, TopEntry.posts).where(
        TopEntry.day == DAY, TopEntry.kind == "topic", TopEntry.category_id == 0, TopEntry.language == "")).all())
    assert topics[forum["q1"].id] == 2 and topics[forum["chat_topic"].id] == 2


def test_active_members_count_visits_and_last_weeks_distinct_members(app):
    today = utcnow().date()
    ann, bea = make_user("ann"), make_user("bea")
    db.session.add(MemberDay(day=today - timedelta(days=3), user_id=bea.id))
    db.session.add(MemberDay(day=today - timedelta(days=20), user_id=ann.id))
    db.session.execute(update(type(ann)).where(type(ann).id == ann.id).values(last_seen_at=utcnow()))
    db.session.commit()
    services.refresh_day(today)
    row = _row(today)
    assert (row.active_members, row.active_weekly, row.active_monthly) == (1, 2, 2)
    services.refresh_day(today)  # the visit stays noted once
    assert db.session.scalars(select(MemberDay.user_id).where(MemberDay.day == today)).all() == [ann.id]


def test_a_quiet_day_still_has_its_row(app):
    services.refresh_day(DAY)
    row = _row()
    assert row.posts == 0 and row.active_weekly == 0


def test_the_periodic_job_refreshes_today_and_yesterday(app):
    services.refresh_recent({})
    days = set(db.session.scalars(select(DailyStat.day).where(DailyStat.category_id == 0, DailyStat.language == "")))
    today = utcnow().date()
    assert days == {today, today - timedelta(days=1)}


def test_a_members_active_days_are_in_their_data_and_erased_with_it(app):
    ann = make_user("ann")
    db.session.add(MemberDay(day=DAY, user_id=ann.id))
    db.session.commit()
    assert ActiveDays().export(ann) == [{"day": "2026-03-10"}]
    ActiveDays().erase(ann, remove_content=False)
    db.session.commit()
    assert ActiveDays().export(ann) == []

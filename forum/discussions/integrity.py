"""Checking and repairing the denormalised discussion data against the rows
(``flask --app wsgi forum check [--repair]``, like Discourse's ``rake posts:reset_counters``):
counters, post numbers, last-post pointers, official ranges, and the reaction counters
(``posts.reaction_count``, ``users.likes_given`` / ``likes_received``).

The invariants are the ones :mod:`forum.discussions.counters` maintains (see its docstring);
this module recomputes them set-based (a few statements, plus one index probe per category
for its latest topic), so the seeder uses the same repair after a bulk load of a million posts and the test
suites run the same check after every action.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import and_, case, exists, func, or_, select, update

from forum.accounts.models import User
from forum.interfaces import IntegrityCheck, Mismatch

from .models import Category, Post, PostReaction, PostState, Topic

PUBLISHED = PostState.PUBLISHED.value

__all__ = ["INTEGRITY_CHECK", "Mismatch", "check", "mismatches", "repair"]  # Mismatch lives on the ground floor now


def _published_count() -> Any:
    return func.sum(case((Post.state == PUBLISHED, 1), else_=0))


def _topic_facts(first_topic_id: int = 1) -> Any:
    """Per topic: published posts, highest number, official range, and its latest published post."""
    official = and_(Post.is_official.is_(True), Post.state == PUBLISHED)
    agg = (select(Post.topic_id.label("topic_id"),
                  func.coalesce(_published_count(), 0).label("n"),
                  func.max(Post.post_number).label("highest"),
                  func.max(case((Post.state == PUBLISHED, Post.post_number))).label("last_number"),
                  func.min(case((official, Post.post_number))).label("first_official"),
                  func.max(case((official, Post.post_number))).label("last_official"))
           .where(Post.topic_id >= first_topic_id).group_by(Post.topic_id).subquery("agg"))
    last = Post.__table__.alias("last_post")
    return (select(Topic.id, Topic.post_count, Topic.highest_post_number, Topic.last_posted_at,
                   Topic.last_post_user_id, Topic.first_official_post_number, Topic.last_official_post_number,
                   func.coalesce(agg.c.n, 0).label("n"), func.coalesce(agg.c.highest, 0).label("highest"),
                   func.coalesce(last.c.created_at, Topic.created_at).label("last_at"),
                   case((last.c.id.is_(None), Topic.user_id), else_=last.c.user_id).label("last_user"),
                   agg.c.first_official, agg.c.last_official)
            .outerjoin(agg, agg.c.topic_id == Topic.id)
            .outerjoin(last, and_(last.c.topic_id == Topic.id, last.c.post_number == agg.c.last_number))
            .where(Topic.id >= first_topic_id))


def _category_facts() -> Any:
    live = (select(Topic.category_id.label("cid"), func.count().label("t"), func.sum(Topic.post_count).label("p"))
            .where(Topic.state == PUBLISHED).group_by(Topic.category_id).subquery("live"))
    return (select(Category.id, Category.topic_count, Category.post_count, Category.last_topic_id,
                   Category.last_posted_at, func.coalesce(live.c.t, 0), func.coalesce(live.c.p, 0))
            .outerjoin(live, live.c.cid == Category.id))


def _topic_shape() -> Any:
    """Topics whose state is not their opening post's, or whose accepted answer is elsewhere."""
    opening = Post.__table__.alias("opening")
    answer = Post.__table__.alias("answer")
    return (select(Topic.id, Topic.state, opening.c.state, Topic.solution_post_id, answer.c.topic_id)
            .outerjoin(opening, and_(opening.c.topic_id == Topic.id, opening.c.post_number == 1))
            .outerjoin(answer, answer.c.id == Topic.solution_post_id)
            .where(or_(and_(opening.c.id.is_not(None), opening.c.state != Topic.state),
                       and_(Topic.solution_post_id.is_not(None),
                            or_(answer.c.topic_id.is_(None), answer.c.topic_id != Topic.id)))))


def _latest_topic(executor: Any, category_id: int) -> tuple[int | None, Any]:
    row = executor.execute(select(Topic.id, Topic.last_posted_at)
                           .where(Topic.category_id == category_id, Topic.state == PUBLISHED)
                           .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row else (None, None)


def _user_facts(first_user_id: int = 1) -> Any:
    posts = (select(Post.user_id.label("uid"), func.count().label("n")).where(Post.state == PUBLISHED)
             .group_by(Post.user_id).subquery("posts_by"))
    topics = (select(Topic.user_id.label("uid"), func.count().label("n")).where(Topic.state == PUBLISHED)
              .group_by(Topic.user_id).subquery("topics_by"))
    return (select(User.id, User.post_count, User.topic_count, func.coalesce(posts.c.n, 0).label("posts"),
                   func.coalesce(topics.c.n, 0).label("topics"))
            .outerjoin(posts, posts.c.uid == User.id).outerjoin(topics, topics.c.uid == User.id)
            .where(User.id >= first_user_id))


def mismatches(executor: Any) -> Iterator[Mismatch]:
    """Every stored value that disagrees with the rows (topics' counts are checked against the
    posts, categories' against the stored topic counts, so one wrong topic is reported once)."""
    yield from _topic_mismatches(executor)
    yield from _shape_and_category_mismatches(executor)
    for uid, posts, topics, exp_posts, exp_topics in executor.execute(_user_facts()):
        if (posts, topics) != (exp_posts, exp_topics):
            yield Mismatch("user", uid, "post_count/topic_count", (posts, topics), (exp_posts, exp_topics))
    yield from _reaction_mismatches(executor)


def _topic_mismatches(executor: Any) -> Iterator[Mismatch]:
    for row in executor.execute(_topic_facts()):
        (tid, count, highest, last_at, last_user, first_off, last_off, n, real_highest, exp_at, exp_user,
         exp_first, exp_last) = row
        if count != n:
            yield Mismatch("topic", tid, "post_count", count, n)
        if (highest or 0) < real_highest:
            yield Mismatch("topic", tid, "highest_post_number", highest, real_highest)
        if last_at != exp_at or last_user != exp_user:
            yield Mismatch("topic", tid, "last_posted_at/last_post_user_id", (last_at, last_user), (exp_at, exp_user))
        if (first_off, last_off) != (exp_first, exp_last):
            yield Mismatch("topic", tid, "official range", (first_off, last_off), (exp_first, exp_last))


def _shape_and_category_mismatches(executor: Any) -> Iterator[Mismatch]:
    for tid, state, opening_state, solution, solution_topic in executor.execute(_topic_shape()):
        if opening_state is not None and state != opening_state:
            yield Mismatch("topic", tid, "state (follows its opening post)", state, opening_state)
        if solution is not None and solution_topic != tid:
            yield Mismatch("topic", tid, "solution_post_id (a post of another topic)", solution, None)
    for cid, topics, posts, last_topic, last_at, exp_topics, exp_posts in executor.execute(_category_facts()):
        if (topics, posts) != (exp_topics, exp_posts):
            yield Mismatch("category", cid, "topic_count/post_count", (topics, posts), (exp_topics, exp_posts))
        expected = _latest_topic(executor, cid)
        if (last_topic, last_at) != expected:
            yield Mismatch("category", cid, "last_topic_id/last_posted_at", (last_topic, last_at), expected)


def check(executor: Any) -> list[Mismatch]:
    return list(mismatches(executor))


def repair(executor: Any, *, first_topic_id: int = 1, first_user_id: int = 1) -> None:
    """Rewrite every denormalised value from the rows with set-based UPDATEs (the caller
    commits). ``first_topic_id``/``first_user_id`` limit topics and users to a tail (the
    seeder's new rows); categories are always recomputed whole."""
    facts = _topic_facts(first_topic_id).subquery("facts")
    executor.execute(update(Topic).where(Topic.id == facts.c.id).values(
        post_count=facts.c.n,
        highest_post_number=case((Topic.highest_post_number < facts.c.highest, facts.c.highest),
                                 else_=Topic.highest_post_number),
        last_posted_at=facts.c.last_at, last_post_user_id=facts.c.last_user,
        first_official_post_number=facts.c.first_official, last_official_post_number=facts.c.last_official))
    live = (select(Topic.category_id.label("cid"), func.count().label("t"), func.sum(Topic.post_count).label("p"))
            .where(Topic.state == PUBLISHED).group_by(Topic.category_id).subquery("live"))
    for cid, in executor.execute(select(Category.id)).all():
        counts = executor.execute(select(live.c.t, live.c.p).where(live.c.cid == cid)).first()
        last_id, last_at = _latest_topic(executor, cid)
        executor.execute(update(Category).where(Category.id == cid).values(
            topic_count=int(counts[0]) if counts else 0, post_count=int(counts[1] or 0) if counts else 0,
            last_topic_id=last_id, last_posted_at=last_at))
    users = _user_facts(first_user_id).subquery("users_facts")
    executor.execute(update(User).where(User.id == users.c.id, or_(
        User.post_count != users.c.posts, User.topic_count != users.c.topics)).values(
        post_count=users.c.posts, topic_count=users.c.topics))
    _repair_reactions(executor, first_topic_id=first_topic_id, first_user_id=first_user_id)


# --- reactions: posts.reaction_count, users.likes_given / likes_received ---------------------------

def _reactions_per_post() -> Any:
    return (select(PostReaction.post_id.label("post_id"), func.count().label("n"))
            .group_by(PostReaction.post_id).subquery("reactions_per_post"))


def _like_facts(first_user_id: int = 1) -> Any:
    """Per member: the reactions they made and the reactions on their posts (whatever the
    posts' state), from the rows."""
    given = (select(PostReaction.user_id.label("uid"), func.count().label("n"))
             .group_by(PostReaction.user_id).subquery("likes_given_by"))
    received = (select(Post.user_id.label("uid"), func.count().label("n"))
                .join(PostReaction, PostReaction.post_id == Post.id)
                .group_by(Post.user_id).subquery("likes_received_by"))
    return (select(User.id, User.likes_given, User.likes_received,
                   func.coalesce(given.c.n, 0).label("given"), func.coalesce(received.c.n, 0).label("received"))
            .outerjoin(given, given.c.uid == User.id).outerjoin(received, received.c.uid == User.id)
            .where(User.id >= first_user_id))


def _reaction_mismatches(executor: Any) -> Iterator[Mismatch]:
    per_post = _reactions_per_post()
    expected = func.coalesce(per_post.c.n, 0)
    for pid, stored, exp in executor.execute(
            select(Post.id, Post.reaction_count, expected).outerjoin(per_post, per_post.c.post_id == Post.id)
            .where(Post.reaction_count != expected)):
        yield Mismatch("post", pid, "reaction_count", stored, exp)
    facts = _like_facts().subquery("like_facts")
    for uid, given, received, exp_given, exp_received in executor.execute(
            select(facts).where(or_(facts.c.likes_given != facts.c.given,
                                    facts.c.likes_received != facts.c.received))):
        yield Mismatch("user", uid, "likes_given/likes_received", (given, received), (exp_given, exp_received))


def _repair_reactions(executor: Any, *, first_topic_id: int, first_user_id: int) -> None:
    """Set-based: posts with reactions get their count, posts counted but with none get 0 (an
    index probe each, only for non-zero counts), members get both like counters."""
    per_post = _reactions_per_post()
    executor.execute(update(Post).where(Post.id == per_post.c.post_id, Post.topic_id >= first_topic_id,
                                        Post.reaction_count != per_post.c.n).values(reaction_count=per_post.c.n))
    executor.execute(update(Post).where(Post.reaction_count != 0, Post.topic_id >= first_topic_id,
                                        ~exists().where(PostReaction.post_id == Post.id)).values(reaction_count=0))
    facts = _like_facts(first_user_id).subquery("like_facts")
    executor.execute(update(User).where(User.id == facts.c.id, or_(
        User.likes_given != facts.c.given, User.likes_received != facts.c.received)).values(
        likes_given=facts.c.given, likes_received=facts.c.received))


# Contributed by discussions' init_app: ``forum check`` walks every domain's, this one first.
INTEGRITY_CHECK = IntegrityCheck("discussions", check, repair)

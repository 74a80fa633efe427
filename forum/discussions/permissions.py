"""Who may do what with categories, topics and posts: the one place each rule is written."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_request_context
from sqlalchemy import and_, or_, select, true

from forum.accounts.permissions import PostingBlock, posting_block, posting_block_reason
from forum.accounts.states import can_read_as_member, is_silenced
from forum.extensions import db

from .models import Category, Post, PostAccess, PostState, ReadAccess, Topic


def _access_allows(user: Any, access: str) -> bool:
    """Members-only means members in good standing (accounts' member states), not any
    account: unverified, pending, rejected and suspended accounts read what visitors read."""
    if access == ReadAccess.EVERYONE:
        return True
    if access == ReadAccess.MEMBERS:
        return can_read_as_member(user)
    return bool(user.is_authenticated and user.is_staff and can_read_as_member(user))


def can_read_category(user: Any, category: Category) -> bool:
    return _access_allows(user, category.read_access)


def readable_category_ids(user: Any) -> set[int]:
    """Ids of categories ``user`` may read; one query, cached for the request."""
    key = f"readable_categories_{getattr(user, 'id', None)}"
    if has_request_context() and key in g:
        return g.get(key)
    rows = db.session.execute(select(Category.id, Category.read_access)).all()
    allowed = {cid for cid, access in rows if _access_allows(user, access)}
    if has_request_context():
        setattr(g, key, allowed)
    return allowed


def can_start_topic(user: Any, category: Category) -> bool:
    if not can_read_category(user, category) or not user.is_authenticated:
        return False
    if category.topic_access == PostAccess.STAFF or category.is_locked:  # locked: crisis tools (issue 15)
        return bool(user.is_staff)
    return True


def can_reply(user: Any, topic: Topic) -> bool:
    if not user.is_authenticated or not can_read_category(user, topic.category):
        return False
    if topic.state != PostState.PUBLISHED:
        return bool(user.is_moderator)
    if topic.is_locked:
        return bool(user.is_moderator)
    if topic.category.is_locked:  # a locked category (crisis tools, issue 15): staff still reply
        return bool(user.is_staff)
    return True


def writing_block(user: Any) -> PostingBlock | None:
    """What stops a signed-in member from posting right now, to say it before they write (the
    reply box and the new-topic page show it in place of the form). Accounts' one rule
    (:func:`forum.accounts.permissions.posting_block`); None for visitors, who are asked to
    sign in instead."""
    return posting_block(user) if user.is_authenticated else None


def can_quote(user: Any, post: Post) -> bool:
    """Quote a post into a reply: a published post the member reads, in a topic they may answer."""
    return (post.state == PostState.PUBLISHED and can_see_post_body(user, post)
            and can_reply(user, post.topic))


def can_see_topic(user: Any, topic: Topic) -> bool:
    if not can_read_category(user, topic.category):
        return False
    if topic.state == PostState.PUBLISHED:
        return True
    # A held topic is visible to its author (marked "awaiting approval") and to moderators.
    return bool(user.is_moderator) or (user.is_authenticated and topic.user_id == user.id
                                        and topic.state in (PostState.PENDING, PostState.REJECTED))


def can_see_post_body(user: Any, post: Post) -> bool:
    """Published posts for all; pending/rejected for the author and staff; hidden/deleted
    bodies for moderators only (others see a placeholder)."""
    if post.state == PostState.PUBLISHED:
        return True
    if user.is_moderator:
        return True
    if post.state in (PostState.PENDING, PostState.REJECTED):
        return bool(user.is_authenticated and post.user_id == user.id)
    return False


def readable_accesses(user: Any) -> list[str]:
    """The category ``read_access`` values ``user`` passes, without a query: the rule of
    :func:`readable_category_ids` for a statement that joins the categories itself."""
    return [access.value for access in ReadAccess if _access_allows(user, access)]


def visible_topic_sql(user: Any) -> Any:
    """:func:`can_see_topic` as a condition on ``Topic`` (no query; its category is matched by
    a subquery on ``categories.read_access``)."""
    readable = Topic.category_id.in_(select(Category.id).where(Category.read_access.in_(readable_accesses(user))))
    if user.is_authenticated and user.is_moderator:
        return readable
    state = Topic.state == PostState.PUBLISHED
    if user.is_authenticated:
        state = or_(state, and_(Topic.user_id == user.id, Topic.state.in_((PostState.PENDING, PostState.REJECTED))))
    return and_(readable, state)


def visible_post_body_sql(user: Any) -> Any:
    """:func:`can_see_post_body` as a condition on ``Post``."""
    if user.is_authenticated and user.is_moderator:
        return true()
    state = Post.state == PostState.PUBLISHED
    if user.is_authenticated:
        state = or_(state, and_(Post.user_id == user.id, Post.state.in_((PostState.PENDING, PostState.REJECTED))))
    return state


def can_mention_groups(user: Any) -> bool:
    """``@support`` notifies every member of a staff group: people who run the community or
    speak for the brand (moderators, admins, staff-group members) may page a team that way;
    members may not (their ``@support`` is plain text)."""
    return bool(user.is_authenticated and user.is_staff)


def outranks(actor: Any, author: Any) -> bool:
    """The one rank rule of every moderation action (hide, restore, edit, lock, pin, move,
    split, merge, queue decisions): an actor acts only on content of people of lower rank
    (member < moderator < admin). Admins act on anything; everyone on their own content;
    content whose author is gone counts as a member's."""
    if author is None or actor.is_admin or author.id == actor.id:
        return True
    return bool(author.rank < actor.rank)


def can_restructure(actor: Any, topics: Iterable[Topic], posts: Iterable[Post] = ()) -> bool:
    """Topic tools (lock, pin, move, split, merge) touch topics and the posts they carry: the
    actor must moderate each topic and outrank every author involved."""
    return all(can_moderate_topic(actor, t) and outranks(actor, t.author) for t in topics) \
        and all(outranks(actor, p.author) for p in posts)


def is_frozen_official(post: Post) -> bool:
    """An official reply whose author left every staff group: it stays signed (it was said
    for the brand) but its text is frozen; only moderators may edit or hide it."""
    return bool(post.is_official and (post.author is None or not post.author.is_staff_member))


def can_edit_post(user: Any, post: Post) -> bool:
    if not user.is_authenticated:
        return False
    if post.is_official:
        # Visitors read it under "Official reply from <brand>": the author may change it only
        # while still on staff and the topic is open; otherwise it is moderation's (rank rule).
        if post.topic.is_locked or is_frozen_official(post):
            return bool(user.is_moderator and outranks(user, post.author))
        return bool(user.is_admin or (post.user_id == user.id and can_post_official(user)))
    if user.is_moderator:
        return outranks(user, post.author)
    if post.user_id != user.id or post.state in (PostState.DELETED, PostState.HIDDEN):
        return False
    return not post.topic.is_locked


def can_delete_post(user: Any, post: Post) -> bool:
    """Withdrawing one's own published reply (moderators remove posts through moderation).

    The opening post stays: withdrawing it would orphan the replies. Held posts cannot be
    withdrawn, or restoring them would publish them without review."""
    return bool(user.is_authenticated and post.user_id == user.id and post.state == PostState.PUBLISHED
                and post.post_number != 1)


def can_restore_post(user: Any, post: Post) -> bool:
    """The author may take back their own withdrawal (not a moderator's removal)."""
    return bool(user.is_authenticated and post.state == PostState.DELETED
                and post.state_changed_by_id == user.id == post.user_id)


def can_see_revisions(user: Any, post: Post) -> bool:
    # Official replies are public record: anyone may read their history.
    if post.is_official:
        return True
    return bool(user.is_authenticated and (user.is_staff or post.user_id == user.id))


def can_post_official(user: Any) -> bool:
    """Only members of a staff group speak for the brand; moderators who are community
    volunteers do not, whatever their role."""
    return bool(user.is_authenticated and user.is_staff_member)


def can_mark_solution(user: Any, topic: Topic, post: Post | None = None) -> bool:
    """Questions categories: the topic's author or staff mark (or un-mark) the reply that
    solved it. With ``post``: also whether that post can be the answer (a published reply)."""
    if not user.is_authenticated or not topic.category.is_questions or topic.state != PostState.PUBLISHED:
        return False
    if not user.is_staff:
        if topic.user_id != user.id:
            return False
        if is_silenced(user):
            return False
    if post is None:
        return True
    return post.topic_id == topic.id and post.post_number > 1 and post.state == PostState.PUBLISHED


def can_moderate_topic(actor: Any, topic: Topic) -> bool:
    """Lock, pin, move, split, merge: moderators, never on an admin's topic unless admin."""
    if not (actor.is_authenticated and actor.is_moderator):
        return False
    author = topic.author
    return not (author is not None and author.is_admin and not actor.is_admin)


# --- reactions and bookmarks (issue 12) ------------------------------------------------------------

def may_react_at_all(user: Any) -> bool:
    """Whether ``user`` may react to anything right now: reacting is taking part, so it follows
    accounts' posting rule (a silenced, unverified or unapproved member, or one who must accept
    the new code of conduct first, only reads the reactions). One answer per request."""
    if not user.is_authenticated:
        return False
    key = f"may_react_{user.id}"
    if has_request_context() and key in g:
        return bool(g.get(key))
    allowed = posting_block_reason(user) is None  # the member's own state (read-only mode spares reactions)
    if has_request_context():
        setattr(g, key, allowed)
    return allowed


def can_react(user: Any, post: Post) -> bool:
    """Like (or react to) a post: someone else's published post, in a published topic the member
    may read, by a member who may take part (:func:`may_react_at_all`)."""
    return (post.state == PostState.PUBLISHED and post.topic.state == PostState.PUBLISHED
            and bool(user.is_authenticated) and post.user_id != user.id
            and can_read_category(user, post.topic.category) and may_react_at_all(user))


def can_see_reactions(user: Any, post: Post) -> bool:
    """Who reacted to a post: anyone who reads the published post."""
    return post.state == PostState.PUBLISHED and can_see_topic(user, post.topic) \
        and post.topic.state == PostState.PUBLISHED


def can_bookmark(user: Any, post: Post) -> bool:
    """Bookmarks are a member's own notes: any signed-in account that reads the published post
    (no posting rights needed, a silenced member keeps their reading list)."""
    return bool(user.is_authenticated) and can_see_reactions(user, post)

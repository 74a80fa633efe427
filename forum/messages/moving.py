"""From public to private, and back: staff continue a member's post (or whole topic) in a private
conversation ("we'll continue in private: please send your order number"), and later post a
public summary in the topic.

Moving writes everything in one transaction: the conversation (its first message quotes the
moved posts, attributed; a "moved_from_topic" notice; then the staff member's message), the
member as a participant, the moved posts hidden through discussions' state owner
(:func:`forum.discussions.counters.set_state`, with a reason: never deleted, a moderator
restores them from the topic), a public note in the topic through discussions' reply service,
and the audit entries. Moving a whole topic hides its opening post, which in discussions'
model hides (unlists) the topic with it, and locks it: discussions has no "listed but without
its opening post" state. The note is still written in the topic for the record (readers see it
when a moderator restores the topic); moving one reply leaves the note for everyone to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from forum import outbox
from forum.accounts.models import User
from forum.audit import record_action
from forum.discussions import counters
from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Post, PostState, Topic
from forum.discussions.services import create_reply
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n import LOCALE_NAMES
from forum.i18n_content import default_language, member_language
from forum.plugins.manager import fire
from forum.staff.models import StaffGroup, StaffMembership

from . import permissions
from .models import Conversation, ConversationParticipant, ParticipantRole
from .services import add_notice, member_groups_with_inbox, post_message, start_conversation

Events = list[tuple[str, dict[str, Any]]]
MAX_MESSAGE = 10000


def get_movable_post(user: Any, post_id: int) -> Post:
    post = db.session.get(Post, post_id)
    if post is None or not discussion_permissions.can_see_topic(user, post.topic):
        raise NotFound()
    if not permissions.can_move_to_private(user, post):
        raise PermissionDenied()
    return post


def owner_groups(staff: Any) -> list[StaffGroup]:
    """The staff groups (with an open inbox) the staff member may file the conversation under."""
    return member_groups_with_inbox(staff)


def default_group(staff: Any) -> StaffGroup | None:
    """The staff member's primary group when it takes messages, else their first that does."""
    groups = owner_groups(staff)
    primary = db.session.scalar(select(StaffMembership.group_id).where(
        StaffMembership.user_id == staff.id, StaffMembership.is_primary.is_(True)).limit(1))
    return next((g for g in groups if g.id == primary), groups[0] if groups else None)


def posts_to_move(post: Post, whole_topic: bool) -> list[Post]:
    """One post; or, for a whole topic, its opening post and its author's published replies."""
    if not whole_topic:
        return [post]
    if post.post_number != 1:
        raise ValidationFailed({"whole_topic": _("Only a topic's opening post moves the whole topic.")})
    return list(db.session.scalars(select(Post).where(
        Post.topic_id == post.topic_id, Post.user_id == post.user_id, Post.state == PostState.PUBLISHED)
        .order_by(Post.post_number)))


def _language(topic: Topic) -> str:
    return topic.language if topic.language in LOCALE_NAMES else default_language()


def default_message(post: Post) -> str:
    """The prefilled message to the author, in the author's language."""
    with force_locale(member_language(post.author)):
        return _("Hello %(name)s, we'll continue in private: please send us your order number and any "
                 "details here. Only you and our team read this conversation.",
                 name=post.author.display_name if post.author else "")


def quoted(posts: Sequence[Post], topic: Topic, author: User | None) -> str:
    """The moved posts as the conversation's first message: each quoted and attributed."""
    parts = []
    with force_locale(member_language(author)):
        for post in posts:
            said = "\n".join(f"> {line}" if line.strip() else ">" for line in (post.raw or "").splitlines())
            parts.append(_("%(name)s wrote in the topic “%(title)s” (post #%(number)d):",
                           name=post.author.display_name if post.author else _("a former member"),
                           title=topic.title, number=post.post_number) + "\n\n" + said)
    return "\n\n".join(parts)


def _public_note(topic: Topic, staff: User, group: StaffGroup | None) -> str:
    with force_locale(_language(topic)):
        if group is not None:
            return _("This was continued in private with %(group)s.", group=group.name)
        return _("This was continued in private with %(name)s.", name=staff.display_name)


def move_to_private(staff: User, post: Post, message: str, *, group: StaffGroup | None,
                    whole_topic: bool = False, ip: str | None = None) -> Conversation:
    if not permissions.can_move_to_private(staff, post):
        raise PermissionDenied()
    if group is not None and group.id not in {g.id for g in owner_groups(staff)}:
        raise ValidationFailed({"group": _("Choose one of your teams that take messages.")})
    if not (message or "").strip():
        raise ValidationFailed({"message": _("Write a message to the author.")})
    topic, author = post.topic, post.author
    if author is None:  # can_move_to_private says so already; this tells the type checker
        raise PermissionDenied()
    posts = posts_to_move(post, whole_topic)
    reason = _("Continued in private with the author.")
    try:
        conversation = start_conversation(
            staff, topic.title, quoted(posts, topic, author), to_users=() if group is not None else (author,),
            to_group=group, origin_topic=topic, origin_post=post, commit=False, ip=ip)
        if group is not None:  # a group's conversation: the member takes part beside the team
            db.session.add(ConversationParticipant(conversation_id=conversation.id, user_id=author.id,
                                                   role=ParticipantRole.MEMBER))
            db.session.flush()
        add_notice(conversation, staff, "moved_from_topic", title=topic.title, topic=topic.id,
                   posts=[p.post_number for p in posts])
        post_message(staff, conversation, message[:MAX_MESSAGE], commit=False, ip=ip)
        # The note first: once the opening post is hidden the topic takes no replies from staff
        # who are not moderators.
        note = create_reply(staff, topic, _public_note(topic, staff, group), ip=ip, commit=False).post
        events: Events = [("forum_post_created", {"post": note})]
        for moved in reversed(posts):  # replies before the opening post (which takes the topic with it)
            before = {"state": moved.state}
            counters.set_state(moved, PostState.HIDDEN, staff, reason)
            record_action(staff, "post.hide", "post", moved.id, before=before, after={"state": moved.state},
                          reason=reason)
            events.append(("forum_post_hidden", {"post": moved, "actor": staff, "reason": reason}))
        if whole_topic and not topic.is_locked:
            topic.is_locked = True
            record_action(staff, "topic.lock", "topic", topic.id, before={"locked": False}, after={"locked": True},
                          reason=reason)
            events.append(("forum_topic_changed", {"topic": topic, "actor": staff, "change": "lock"}))
        db.session.flush()
        record_action(staff, "message.move_to_private", "conversation", conversation.id,
                      after={"topic": topic.id, "posts": [p.id for p in posts], "whole_topic": whole_topic,
                             "group": group.id if group is not None else None, "note": note.id})
        outbox.record_all(events)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for name, kwargs in events:
        fire(name, **kwargs)
    return conversation


def origin_topic(conversation: Conversation) -> Topic | None:
    return db.session.get(Topic, conversation.origin_topic_id) if conversation.origin_topic_id else None


def post_public_summary(staff: User, conversation: Conversation, body: str, *, ip: str | None = None) -> Post:
    """A reply in the topic the conversation came from (official when the staff member speaks for
    the brand). It says what the staff member writes, and links to nothing private."""
    if not permissions.can_read_conversation(staff, conversation):
        raise NotFound()
    if not permissions.can_post_public_summary(staff, conversation):
        raise PermissionDenied()
    topic = origin_topic(conversation)
    if topic is None or topic.state != PostState.PUBLISHED:
        raise ValidationFailed({"body": _("The topic this conversation came from is not public any more: "
                                          "the summary cannot be posted there. Your text is kept.")})
    official = discussion_permissions.can_post_official(staff)
    try:
        post = create_reply(staff, topic, body, official=official, ip=ip, commit=False).post
        db.session.flush()
        add_notice(conversation, staff, "public_summary", topic=topic.id, title=topic.title)
        record_action(staff, "message.public_summary", "conversation", conversation.id,
                      after={"topic": topic.id, "post": post.id, "official": official})
        outbox.record("forum_post_created", post=post)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    fire("forum_post_created", post=post)
    return post

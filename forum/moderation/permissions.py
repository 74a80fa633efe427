"""Who may moderate what: the one place each moderation rule is written.

Role rules: moderators and admins moderate. An actor acts only on content of people of lower
rank (``forum.discussions.permissions.outranks``: a moderator never on an admin's nor another
moderator's posts and topics), never changes roles, and sanctions members only. Admins may
act on anyone but themselves.
"""

from __future__ import annotations

from typing import Any

from forum.accounts.models import Role
from forum.accounts.permissions import can_ignore  # noqa: F401 - moderation templates ask mod.perms
from forum.accounts.states import MemberState, is_active_member, member_state
from forum.discussions.models import Post, PostState, Topic
from forum.discussions.permissions import can_restructure, can_see_topic, outranks


def can_moderate(user: Any) -> bool:
    """Open the review queue, act on posts and topics, see flags and staff notes."""
    return bool(user.is_authenticated and user.is_moderator)


def can_view_audit_log(user: Any) -> bool:
    return can_moderate(user)


def can_manage_settings(user: Any) -> bool:
    """Thresholds, reason lists, application questions: admins only."""
    return bool(user.is_authenticated and user.is_admin)


def can_manage_bans(user: Any) -> bool:
    return can_moderate(user)


def can_act_on_user(actor: Any, target: Any) -> bool:
    """Sanctions, notes, applications. A moderator acts on members only."""
    if not can_moderate(actor) or target is None or target.id == actor.id:
        return False
    if actor.is_admin:
        return True
    return target.role == Role.MEMBER


def can_note_user(actor: Any, target: Any) -> bool:
    """Staff notes: any moderator may write about anyone but themselves (notes are not sanctions)."""
    return bool(can_moderate(actor) and target is not None and target.id != actor.id)


def can_change_role(actor: Any, target: Any) -> bool:
    return bool(actor.is_authenticated and actor.is_admin and target is not None and target.id != actor.id)


def can_act_on_post(actor: Any, post: Post) -> bool:
    """Approve, reject, hide, restore, delete, edit-then-approve, queue decisions: on content of
    people of lower rank only (the rank rule is discussions' ``outranks``); admins on anything."""
    return can_moderate(actor) and outranks(actor, post.author)


def can_act_on_topic(actor: Any, topic: Topic) -> bool:
    """Topic tools as the page shows them: the topic's author (the services also check every
    post a split or merge moves)."""
    return can_restructure(actor, [topic])


def can_flag(user: Any, post: Post) -> bool:
    """Active members flag what they can see (not their own posts): an unverified account,
    an applicant, a silenced or suspended member cannot (flags raise the queue's priority)."""
    if not is_active_member(user) or post.state != PostState.PUBLISHED or post.user_id == user.id:
        return False
    return can_see_topic(user, post.topic)  # the service is called with ids too: never flag the unseen


def can_resubmit(user: Any, post: Post) -> bool:
    """The author of a rejected post may fix it and send it back to the queue (not while
    suspended; the posting service still asks whether they may post)."""
    return bool(user.is_authenticated and member_state(user) != MemberState.SUSPENDED
                and post.user_id == user.id and post.state == PostState.REJECTED)

"""Moderators' actions on posts from the topic page: hide, restore, remove (never a hard
delete). The ``stage_*`` functions change state, audit and notify in the caller's
transaction; the public ones check permission, resolve the post's open item and commit."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _

from forum.accounts.models import User
from forum.audit import record_action
from forum.discussions import counters
from forum.discussions.models import Post, PostState
from forum.errors import PermissionDenied, ValidationFailed
from forum.notifications import notify

from .. import permissions
from ..models import Resolution
from . import notices
from .common import Events, clean, commit_and_fire, post_url, stored
from .items import close_items_for_post, topic_title


def stage_hide(actor: User | None, post: Post, reason: str) -> Events:
    before = {"state": post.state}
    counters.set_state(post, PostState.HIDDEN, actor, reason)
    record_action(actor, "post.hide", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    if post.author is not None:
        notify(post.author, notices.POST_HIDDEN, {"title": topic_title(post), "reason": reason,
                                                  "by_flags": actor is None}, url=post_url(post))
    return [("forum_post_hidden", {"post": post, "actor": actor, "reason": reason})]


def stage_restore(actor: User, post: Post, reason: str | None) -> Events:
    before = {"state": post.state}
    counters.set_state(post, PostState.PUBLISHED, actor, None)
    record_action(actor, "post.restore", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    return [("forum_post_restored", {"post": post, "actor": actor})]


def _post_action_check(actor: User, post: Post) -> None:
    if not permissions.can_act_on_post(actor, post):
        raise PermissionDenied()


def hide_post(actor: User, post: Post, reason: str = "") -> None:
    _post_action_check(actor, post)
    if post.state != PostState.PUBLISHED:
        raise ValidationFailed(_("Only a published post can be hidden."))
    events = stage_hide(actor, post, clean(reason) or stored(lambda: _("Hidden by a moderator.")))
    close_items_for_post(actor, post, Resolution.AGREED)
    commit_and_fire(events)


def hide_posts(actor: User, posts: Sequence[Post], reason: str) -> int:
    """Hide several published posts at once, all or none (one commit): a topic timer's "hide
    the replies older than…". The rank rule is checked for every post before anything changes."""
    if any(not permissions.can_act_on_post(actor, post) for post in posts):
        raise PermissionDenied()
    events: Events = []
    for post in posts:
        if post.state != PostState.PUBLISHED:
            raise ValidationFailed(_("Only a published post can be hidden."))
        events += stage_hide(actor, post, clean(reason) or stored(lambda: _("Hidden by a moderator.")))
        close_items_for_post(actor, post, Resolution.AGREED)
    commit_and_fire(events)
    return len(posts)


def restore_post(actor: User, post: Post, reason: str = "") -> None:
    """Bring back a hidden or removed post (not one its author withdrew: that is their call)."""
    _post_action_check(actor, post)
    if post.state not in (PostState.HIDDEN, PostState.DELETED) or post.is_withdrawn_by_author:
        raise ValidationFailed(_("This post cannot be restored."))
    events = stage_restore(actor, post, clean(reason) or None)
    close_items_for_post(actor, post, Resolution.DISAGREED)
    commit_and_fire(events)


def stage_delete(actor: User, post: Post, reason: str) -> Events:
    if post.state == PostState.DELETED:
        raise ValidationFailed(_("This post was already removed."))
    before = {"state": post.state}
    counters.set_state(post, PostState.DELETED, actor, reason)
    record_action(actor, "post.delete", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    if post.author is not None and post.user_id != actor.id:
        notify(post.author, notices.POST_REMOVED, {"title": topic_title(post), "reason": reason},
               url=post_url(post))
    return [("forum_post_deleted", {"post": post, "actor": actor})]


def delete_post(actor: User, post: Post, reason: str = "") -> None:
    """Remove a post (soft delete: the row and its text stay, a moderator can restore it)."""
    _post_action_check(actor, post)
    events = stage_delete(actor, post, clean(reason) or stored(lambda: _("Removed by a moderator.")))
    close_items_for_post(actor, post, Resolution.DELETED)
    commit_and_fire(events)

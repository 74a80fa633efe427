"""What staff identity tells members: a question marked solved, an answer accepted; and the
staff groups a post may mention as a whole (``@support``) for discussions' fan-out.

A group's mention handle is its name as a slug (:func:`mention_handle`): "Support" is
``@support``, "Customer Care" is ``@customer-care``. Who may mention a group is discussions'
rule (:func:`forum.discussions.permissions.can_mention_groups`).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.accounts.models import IgnoredUser, User
from forum.accounts.states import can_read_as_member
from forum.discussions import permissions as discussion_permissions
from forum.discussions.interfaces import MentionableGroups
from forum.discussions.links import post_path
from forum.discussions.models import Post
from forum.discussions.notices import muted_among
from forum.extensions import db
from forum.notifications import Delivery, NotificationKind, register_kinds
from forum.notifications.kinds import Params
from forum.notifications.services import NewNotice, notify_all
from forum.registry import provide
from forum.text import slugify

from .models import StaffGroup, StaffMembership

QUESTION_SOLVED = "question_solved"
ANSWER_ACCEPTED = "answer_accepted"


def _solved(p: Params) -> str:
    return _("%(actor)s marked a reply as the answer to your question “%(title)s”", actor=p["actor"],
             title=p["title"])


def _accepted(p: Params) -> str:
    return _("%(actor)s accepted your answer in “%(title)s”", actor=p["actor"], title=p["title"])


KINDS = (
    NotificationKind(QUESTION_SOLVED, message=_solved, subject=_solved, default_delivery=Delivery.EMAIL_AWAY,
                     label=_l("Your question is marked solved")),
    NotificationKind(ANSWER_ACCEPTED, message=_accepted, subject=_accepted, default_delivery=Delivery.EMAIL_AWAY,
                     label=_l("Your answer is accepted")),
)


def tell_solution(actor: User, post: Post) -> None:
    """``post`` was just marked as its topic's answer by ``actor`` (the caller's transaction):
    the asker hears their question is solved, the answer's author that it was accepted (one
    notice each, never to ``actor``; the answer's author who also asked hears it was accepted).
    Members who may not read the topic, muted it or ignore ``actor`` hear nothing. Once per
    answer and kind: marking it again tells nobody twice."""
    topic = post.topic
    wanted: dict[int, str] = {}
    if topic.user_id is not None:
        wanted[topic.user_id] = QUESTION_SOLVED
    if post.user_id is not None:
        wanted[post.user_id] = ANSWER_ACCEPTED
    wanted.pop(actor.id, None)
    if not wanted:
        return
    users = list(db.session.scalars(select(User).where(User.id.in_(list(wanted)))))
    ids = [user.id for user in users]
    excluded = set(db.session.scalars(select(IgnoredUser.user_id).where(
        IgnoredUser.ignored_user_id == actor.id, IgnoredUser.user_id.in_(ids)))) | muted_among(topic, ids)
    url = post_path(topic, post.post_number)
    params = {"actor": actor.display_name, "title": topic.title}
    notify_all([NewNotice(user, wanted[user.id], params, url=url, dedupe_key=f"solution:{post.id}:{wanted[user.id]}",
                          topic_id=topic.id, post_id=post.id, actor_id=actor.id)
                for user in users
                if user.id not in excluded and can_read_as_member(user)
                and discussion_permissions.can_see_topic(user, topic)
                and discussion_permissions.can_see_post_body(user, post)])


# --- @group mentions (forum.discussions.interfaces.MentionableGroups) -----------------------------------

def mention_handle(name: str) -> str:
    """The ``@handle`` of a staff group, without the ``@``: its name as a slug."""
    return slugify(name, 64)


class StaffGroupMentions:
    """Two queries: the groups (a community has a handful), the members of those named."""

    def members(self, names: Sequence[str]) -> dict[str, list[int]]:
        wanted = {name.lower() for name in names}
        if not wanted:
            return {}
        groups = {gid: mention_handle(name) for gid, name in db.session.execute(select(StaffGroup.id, StaffGroup.name))}
        named = {gid: handle for gid, handle in groups.items() if handle in wanted}
        if not named:
            return {}
        found: dict[str, list[int]] = {}
        for group_id, user_id in db.session.execute(select(StaffMembership.group_id, StaffMembership.user_id).where(
                StaffMembership.group_id.in_(list(named))).order_by(StaffMembership.user_id)):
            found.setdefault(named[group_id], []).append(user_id)
        return found


def init_app(app: Flask) -> None:
    register_kinds(app, *KINDS)
    provide(app, MentionableGroups, StaffGroupMentions())

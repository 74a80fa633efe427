"""Who may use the crisis tools: the one place each rule is written.

* Exempt from slow mode and read-only mode, and still posting in a locked category: staff
  (moderators, admins and staff-group members: ``User.is_staff``).
* Slow mode, topic timers, locking a category, announcing to all members: moderators (the
  people who already lock and pin topics; discussions' ``can_moderate_topic`` for a topic).
* The site banner and read-only mode: admins.
"""

from __future__ import annotations

from typing import Any

from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Category, Topic


def is_exempt(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff)


def can_manage(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_moderator)


def can_manage_topic(user: Any, topic: Topic) -> bool:
    return can_manage(user) and discussion_permissions.can_moderate_topic(user, topic)


def can_manage_category(user: Any, category: Category) -> bool:
    return can_manage(user) and discussion_permissions.can_read_category(user, category)


def can_announce(user: Any) -> bool:
    return can_manage(user)


def can_run_site(user: Any) -> bool:
    """The banner and read-only mode."""
    return bool(user.is_authenticated and user.is_admin)

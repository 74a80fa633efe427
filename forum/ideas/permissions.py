"""Who may vote, set statuses, merge, export and configure boards: the one place each rule is written."""

from __future__ import annotations

from typing import Any

from forum.accounts.permissions import can_administer
from forum.discussions import permissions as discussions
from forum.discussions.models import PostState, ReadAccess, Topic


def can_vote(user: Any, topic: Topic) -> bool:
    """Voting is taking part: a member who reads the published, open idea and may post now
    (discussions' rules: a silenced or unverified member only reads)."""
    return (bool(user.is_authenticated) and topic.state == PostState.PUBLISHED and not topic.is_locked
            and (not topic.category.is_locked or bool(user.is_staff))  # crisis tools' locked category
            and discussions.can_see_topic(user, topic) and discussions.may_react_at_all(user))


def can_set_status(user: Any, topic: Topic) -> bool:
    """Staff (moderators, admins, staff-group members) who read the idea give it a status."""
    return bool(user.is_authenticated and user.is_staff and discussions.can_see_topic(user, topic))


def can_start_merge(user: Any, topic: Topic) -> bool:
    """The merge form is offered to those who may close this idea with discussions' topic tools
    (the target is checked by :func:`can_merge` when they choose it)."""
    return can_set_status(user, topic) and discussions.can_restructure(user, [topic])


def can_merge(user: Any, duplicate: Topic, target: Topic) -> bool:
    """Merging closes the duplicate: discussions' topic-tool rule on both topics."""
    return can_set_status(user, duplicate) and can_set_status(user, target) \
        and discussions.can_restructure(user, [duplicate, target])


def merge_keeps_readers(duplicate: Topic, target: Topic) -> bool:
    """Whoever reads the duplicate reads the target too (its merged note shows the target's title
    and link): the target's board is at least as open, in discussions' read-access order, and a
    published duplicate is not merged into a topic readers do not see."""
    widest_first = list(ReadAccess)  # everyone, members, staff: each reader of one reads those before it
    opener = widest_first.index(ReadAccess(target.category.read_access)) \
        <= widest_first.index(ReadAccess(duplicate.category.read_access))
    return opener and (target.state == PostState.PUBLISHED or duplicate.state != PostState.PUBLISHED)


def can_export(user: Any) -> bool:
    """The product team's CSV: staff."""
    return bool(user.is_authenticated and user.is_staff)


def can_configure(user: Any) -> bool:
    """Which categories are boards, budgets and status labels: admins."""
    return can_administer(user)


def sees_drafts(user: Any) -> bool:
    """Whether staff-only places count for this reader (the /ideas page shows readers only
    what they may read; a staff-only board is staff's drafts)."""
    return bool(user.is_authenticated and user.is_staff)

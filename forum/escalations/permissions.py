"""Who may escalate to support and see escalations: the one place each rule is written.

"Staff" is accounts' rule (``User.is_staff``: moderators, admins and staff-group members, the
people ``forum.staff.permissions.can_view_response_times`` lets watch the topics waiting for
the brand); whether they may read the topic is discussions' (``can_see_topic``).
"""

from __future__ import annotations

from typing import Any

from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Topic


def can_see_escalations(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def can_escalate(user: Any, topic: Topic) -> bool:
    return can_see_escalations(user) and discussion_permissions.can_see_topic(user, topic)


def can_see_escalation(user: Any, escalation: Any) -> bool:
    """An escalation shows to staff who may read its topic (the list, the API)."""
    return can_escalate(user, escalation.topic)


def can_record_ticket(user: Any) -> bool:
    """The helpdesk's integration, through an API key of a staff member, or staff by hand."""
    return can_see_escalations(user)


def can_resolve(user: Any, topic: Topic) -> bool:
    return can_escalate(user, topic)

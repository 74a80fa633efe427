"""Who may do what with tags: the one place these rules live."""

from __future__ import annotations

from typing import Any

from forum.accounts import trust
from forum.discussions import permissions as discussions
from forum.settings import get_setting

# None: staff only. A number N: members at trust level N or above too.
CREATE_MIN_TRUST_LEVEL = "tags.create_min_trust_level"


def can_tag_topics(user: Any) -> bool:
    """Choosing existing tags for one's topics: the trust gate "tag" (``trust_level_to_tag``,
    default: everyone)."""
    return trust.may(user, "tag")


def can_create_tags(user: Any) -> bool:
    """Staff create tags by typing a new name; members too from the trust level this domain's
    setting names, if the "tag" gate lets them tag at all."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_staff:
        return True
    level = get_setting(CREATE_MIN_TRUST_LEVEL)
    if level is None or level == "" or not can_tag_topics(user):
        return False
    return int(trust.trust_level(user) or 0) >= int(level)


def can_edit_topic_tags(user: Any, topic: Any, *, editing_post: bool = False) -> bool:
    """Moderators and staff change any topic's tags they can see; a member their own topic's
    while they may edit its opening post (``editing_post``: the edit form already checked it)."""
    if not getattr(user, "is_authenticated", False) or not discussions.can_see_topic(user, topic):
        return False
    if user.is_staff or user.is_moderator:
        return True
    return bool(editing_post and topic.user_id == user.id)


def can_manage_tags(user: Any) -> bool:
    """Admin → Tags: groups, synonyms, merges, category rules."""
    return bool(getattr(user, "is_admin", False))

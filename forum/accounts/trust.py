"""Trust levels: the one place the rule is written (issue 15).

Levels, as Discourse's: **new** (0), **basic** (1), **member** (2) and **regular** (3) are
earned by activity (forum.members recomputes them on a schedule); **leader** (4) is granted by
staff only. Moderators, admins and brand staff count as leaders for every gate, whatever their
stored level.

The level lives on ``users.trust_level``; ``users.trust_level_locked`` stops automatic changes
(staff set the level by hand, or a demotion for repeated sanctions holds it at *new* until
``trust_level_locked_until``).

This module is the bottom of the house: it reads columns of the user row (no query) and
settings, so every domain may import it. It imports nothing else from accounts, because
:attr:`forum.accounts.models.User.is_new_by_trust` calls it, and the plugin API
(:func:`forum.plugins.is_new_member`) reads that attribute.

**The "new member" rule** (one definition, :func:`newness`): staff and moderators are never
new; a member held at *new* by a lock (demoted, or set by staff) is new whatever their post
count or age; a member at *member* (2) or above is never new; otherwise (levels 0 and 1) each
feature's own "first N posts / first N days" settings decide, as before trust levels.

**Gates** (:func:`may`): ``upload``, ``tag``, ``create_events``, ``message`` each need the level
in the setting ``trust_level_to_<gate>`` (default 0: everyone, today's behaviour), on top of
the feature's own permission.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Any

from flask_babel import lazy_pgettext

from forum.db_types import utcnow
from forum.settings import get_setting


class TrustLevel(IntEnum):
    NEW = 0
    BASIC = 1
    MEMBER = 2
    REGULAR = 3
    LEADER = 4


LEVEL_NAMES = {  # with a context: "New" and "Member" mean other things elsewhere
    TrustLevel.NEW: lazy_pgettext("trust level", "New"),
    TrustLevel.BASIC: lazy_pgettext("trust level", "Basic"),
    TrustLevel.MEMBER: lazy_pgettext("trust level", "Member"),
    TrustLevel.REGULAR: lazy_pgettext("trust level", "Regular"),
    TrustLevel.LEADER: lazy_pgettext("trust level", "Leader"),
}

# Levels earned automatically (leader is staff's to give).
EARNED = (TrustLevel.BASIC, TrustLevel.MEMBER, TrustLevel.REGULAR)

# The gates other domains ask about, each with its setting ``trust_level_to_<gate>``.
GATES = ("upload", "tag", "create_events", "message")

# A flag's weight never goes below this for the level (forum.moderation.services.flags.flag_weight
# owns the formula and applies it): a regular's flag counts at least 0.75, a leader's a full 1.0.
FLAG_WEIGHT_FLOOR = {TrustLevel.REGULAR: 0.75, TrustLevel.LEADER: 1.0}

DEFAULTS: dict[str, Any] = {f"trust_level_to_{gate}": 0 for gate in GATES}


def level_name(level: int) -> str:
    return str(LEVEL_NAMES.get(TrustLevel(level), level)) if 0 <= level <= TrustLevel.LEADER else str(level)


def is_locked(user: Any, now: datetime | None = None) -> bool:
    """No automatic change: staff set the level, or a demotion holds it until a date."""
    if not getattr(user, "trust_level_locked", False):
        return False
    until = getattr(user, "trust_level_locked_until", None)
    return until is None or until > (now or utcnow())


def stored_level(user: Any) -> TrustLevel:
    return TrustLevel(min(max(int(getattr(user, "trust_level", 0) or 0), 0), TrustLevel.LEADER))


def trust_level(user: Any) -> TrustLevel | None:
    """The level gates read: staff-group members, moderators and admins are leaders; None for
    visitors. A moderator's API key capped below moderation (``User.acting_role``) writes at the
    account's own level, as the core's review holds treat it."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(user, "is_moderator", False) or getattr(user, "is_staff_member", False):
        return TrustLevel.LEADER
    return stored_level(user)


def newness(user: Any) -> bool | None:
    """The trust part of the "new member" rule (module doc): True (always new), False (never
    new), or None (the feature's posts / days settings decide)."""
    level = trust_level(user)
    if level is None:
        return None
    if level >= TrustLevel.MEMBER:
        return False
    if level == TrustLevel.NEW and is_locked(user):
        return True
    return None


def required_level(gate: str) -> int:
    if gate not in GATES:
        raise KeyError(f"unknown trust gate {gate!r}")
    return int(get_setting(f"trust_level_to_{gate}") or 0)


def may(user: Any, gate: str) -> bool:
    """Whether ``user``'s trust level opens ``gate`` ("upload", "tag", "create_events",
    "message"). Visitors never; the feature's own permission still applies on top."""
    level = trust_level(user)
    return level is not None and level >= required_level(gate)


def flag_weight_floor(user: Any) -> float:
    """The least one flag of ``user`` weighs for their level (0.0: no floor)."""
    level = trust_level(user)
    return FLAG_WEIGHT_FLOOR.get(level, 0.0) if level is not None else 0.0

"""What the members domain keeps about a member, for their data export (forum.privacy).

The trust level, its lock, the activity counters it is earned with, and the directory choice
are columns of the member's own row: exported here; the erasure anonymises the row itself
(accounts), and an erased member is never listed (forum.members.directory).
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from forum.accounts.models import User
from forum.accounts.trust import level_name


class TrustLevelData:
    name = "trust_level"
    description = _l("Your trust level, the activity it is earned with (days visited, posts read, topics "
                     "entered, flags agreed) and whether you are listed in the member directory.")

    def export(self, user: User) -> list[dict[str, Any]]:
        return [{
            "trust_level": user.trust_level, "trust_level_name": level_name(user.trust_level),
            "trust_level_locked": bool(user.trust_level_locked),
            "trust_level_locked_until": user.trust_level_locked_until.isoformat()
            if user.trust_level_locked_until else None,
            "days_visited": user.days_visited, "posts_read": user.posts_read,
            "topics_entered": user.topics_entered, "flags_agreed": user.flags_agreed,
            "show_in_directory": bool(user.show_in_directory),
        }]

    def erase(self, user: User, *, remove_content: bool) -> None:
        # Columns of the member's row: nobody is listed once erased; the counters say nothing of who they were.
        user.show_in_directory = False


SECTIONS = (TrustLevelData(),)

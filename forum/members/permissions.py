"""Who may do what with trust levels and the member directory: the one place these rules are written.

* The directory (``/members``) is as public as profiles are (``/u/<name>`` is open to
  visitors), so anyone may read it; who is *listed* is the directory's own rule
  (forum.members.directory: active, approved, opted in).
* Sorting it by "Recently seen": moderators and admins (the sort's cursors would let anyone
  else bisect a member's exact last-seen time; staff already see it in moderation).
* A member chooses for themselves whether they are listed.
* Setting and locking a member's trust level: those who may act on the member in moderation
  (moderators on members; admins on anyone but themselves).
* The thresholds (Admin -> Trust levels): admins.
"""

from __future__ import annotations

from typing import Any

from forum.accounts.permissions import can_administer
from forum.moderation.permissions import can_act_on_user


def can_see_directory(user: Any) -> bool:
    return True


def can_sort_by_last_seen(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_moderator)


def can_choose_listing(user: Any) -> bool:
    return bool(user.is_authenticated)


def can_set_trust_level(actor: Any, member: Any) -> bool:
    return can_act_on_user(actor, member)


def can_configure(user: Any) -> bool:
    return can_administer(user)

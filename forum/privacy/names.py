"""How a member's name reads on a page: an erased account is "Former member" in the reader's
language (the row stores it in English). Templates use it through the ``member_name`` filter
(the ``user_link`` macro too): the one place that decides."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .permissions import is_former_member


def member_name(user: Any) -> str:
    return _("Former member") if is_former_member(user) else str(user.display_name)

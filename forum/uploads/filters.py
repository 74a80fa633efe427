"""Uploads' own content filter (a core hook implementation): when the admin asks for it, a new
member's post with files waits for a moderator (``uploads_hold_new_members``)."""

from __future__ import annotations

from typing import Any

from forum.markup import upload_tokens_in
from forum.plugins import Verdict, hookimpl

from .limits import limits_for

NEW_MEMBER_FILES = "new_member_files"
_JUDGED = ("topic", "reply", "edit")


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Verdict | None:
    if author is None or context.kind not in _JUDGED or not upload_tokens_in(draft.raw or ""):
        return None
    if limits_for(author).hold_posts:
        return Verdict.require_approval("new member: posts with files are reviewed", code=NEW_MEMBER_FILES)
    return None

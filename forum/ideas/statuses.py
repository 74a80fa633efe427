"""The statuses staff give ideas, and what they are called (admins may rename them, per language)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from forum.i18n_content import localize
from forum.settings import get_setting

UNDER_REVIEW, PLANNED, IN_PROGRESS, SHIPPED, DECLINED = "under_review", "planned", "in_progress", "shipped", "declined"
MERGED = "merged"  # a duplicate folded into another idea (not offered in the status form)
STATUSES = (UNDER_REVIEW, PLANNED, IN_PROGRESS, SHIPPED, DECLINED)
# Votes on these ideas are given back to the member's budget (as Discourse's Topic Voting does).
CLOSED = (SHIPPED, DECLINED, MERGED)
LABELS_SETTING = "ideas_status_labels"  # {status: Localized}: the admin's own words, else ours

_DEFAULT_LABELS: dict[str, Any] = {
    "": _l("Open for votes"),
    UNDER_REVIEW: _l("Under review"),
    PLANNED: _l("Planned"),
    IN_PROGRESS: _l("In progress"),
    SHIPPED: _l("Shipped"),
    DECLINED: _l("Declined"),
    MERGED: _l("Merged"),
}


def default_label(status: str) -> str:
    return str(_DEFAULT_LABELS.get(status, status))


def status_label(status: str | None, locale: str | None = None) -> str:
    """What the status is called for the reader (or ``locale``): the admin's text for that
    language when there is one, else the built-in translated label (settings are cached: no query)."""
    status = status or ""
    custom = (get_setting(LABELS_SETTING) or {}).get(status)
    return localize(custom, locale) if custom and localize(custom, locale) else default_label(status)


def status_choices() -> list[tuple[str, str]]:
    return [(status, status_label(status)) for status in STATUSES]

"""What the admin area asks of the domains that have admin pages.

A domain contributes an :class:`AdminSection` from its ``init_app``
(``forum.registry.contribute(app, AdminSection, AdminSection(...))``); the admin dashboard
and the admin navigation list them in registration order. No template lists the domains.
The same way, a domain contributes :class:`AdminFigure` s: the numbers that matter today at
the top of the admin overview, each linking to the page where someone acts on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AdminSection:
    endpoint: str     # the page's endpoint, e.g. "events.admin_settings"
    label: Any        # a lazy translation (``lazy_gettext``)
    description: Any  # one line for the dashboard (lazy translation)


@dataclass(frozen=True)
class AdminFigure:
    """One number on the admin overview. ``count(viewer)`` answers in one query (or from the
    request's cache); a figure that needs someone when it is not zero sets ``needs_action``."""

    label: Any                    # lazy translation, e.g. "In the review queue"
    count: Callable[[Any], int]
    endpoint: str                 # where to act on it
    url_values: dict[str, Any] = field(default_factory=dict)
    hint: Any = ""                # lazy translation, e.g. "last 7 days"
    needs_action: bool = False

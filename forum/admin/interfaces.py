"""What the admin area asks of the domains that have admin pages.

A domain contributes an :class:`AdminSection` from its ``init_app``
(``forum.registry.contribute(app, AdminSection, AdminSection(...))``); the admin dashboard
and the admin navigation list them in registration order. No template lists the domains.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AdminSection:
    endpoint: str     # the page's endpoint, e.g. "events.admin_settings"
    label: Any        # a lazy translation (``lazy_gettext``)
    description: Any  # one line for the dashboard (lazy translation)

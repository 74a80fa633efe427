"""Who may do what with connected accounts (pure rules; the services count what they need)."""

from __future__ import annotations

from typing import Any


def can_connect(user: Any) -> bool:
    """A signed-in member connects a provider account from their settings (proving both sides)."""
    return bool(getattr(user, "is_authenticated", False))


def can_disconnect(user: Any, identity: Any, *, other_identities: int, has_password: bool,
                   password_allowed: bool) -> bool:
    """Only their own, and never their last way in: another connected account, or a password
    they may use here (not in SSO-only mode, unless they are an administrator)."""
    if identity.user_id != getattr(user, "id", None):
        return False
    return other_identities > 0 or (has_password and password_allowed)

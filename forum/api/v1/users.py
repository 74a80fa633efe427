"""``/api/v1`` users."""

from __future__ import annotations

from .declare import Resource

api = Resource("users", "")

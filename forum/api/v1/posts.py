"""``/api/v1`` posts."""

from __future__ import annotations

from .declare import Resource

api = Resource("posts", "")

"""``/api/v1`` search."""

from __future__ import annotations

from .declare import Resource

api = Resource("search", "")

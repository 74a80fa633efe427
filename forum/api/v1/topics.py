"""``/api/v1`` topics."""

from __future__ import annotations

from .declare import Resource

api = Resource("topics", "")

"""Crisis tools: site banners, slow mode, topic timers, locked categories, read-only mode, announcements (issue 15)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registers everything this domain adds (filled in by issue 15's work)."""

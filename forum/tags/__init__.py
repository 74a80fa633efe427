"""Tags on topics: tag groups, synonyms and merging, tag pages, the ``tag:`` search filter (issue 15)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registers everything this domain adds (filled in by issue 15's work)."""

"""Ideas boards: votes, statuses with notes, merging and the product team's export (issue 15)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registers everything this domain adds (filled in by issue 15's work)."""

"""The community health dashboard: daily statistics filled by a job, searches with no results (issue 15)."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Registers everything this domain adds (filled in by issue 15's work)."""

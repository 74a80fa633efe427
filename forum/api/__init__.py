"""The forum for other programs: RSS and Atom feeds of what visitors may read
(:mod:`forum.api.feeds`, routes in :mod:`forum.api.feed_views`), and the
``feed_alternates(kind, target)`` template global that pages use for their autodiscovery
``<link rel="alternate">`` tags."""

from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import Markup

from . import feeds
from .feed_views import bp


def feed_alternates(kind: str, target: Any = None) -> Markup:
    """``<link rel="alternate">`` tags for a page's RSS and Atom feeds (absolute URLs)."""
    return Markup("\n  ").join(
        Markup('<link rel="alternate" type="{}" title="{}" href="{}">').format(
            link["type"], link["title"], link["href"])
        for link in feeds.alternates(kind, target))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_template_global(feed_alternates, "feed_alternates")

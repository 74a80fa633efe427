"""The forum for other programs: RSS and Atom feeds of what visitors may read
(:mod:`forum.api.feeds`, routes in :mod:`forum.api.feed_views`), the REST API under
``/api/v1`` (:mod:`forum.api.v1`, API keys in :mod:`forum.api.keys`, public JSON of domain
objects in :mod:`forum.api.representations`), and the
``feed_alternates(kind, target)`` template global that pages use for their autodiscovery
``<link rel="alternate">`` tags."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from forum.accounts.interfaces import PersonalData
from forum.audit import AuditVocabulary
from forum.interfaces import AdminSection
from forum.registry import contribute

from . import audit_vocabulary, feeds, key_views, personal_data, v1
from .feed_views import bp


def feed_alternates(kind: str, target: Any = None) -> Markup:
    """``<link rel="alternate">`` tags for a page's RSS and Atom feeds (absolute URLs)."""
    return Markup("\n  ").join(
        Markup('<link rel="alternate" type="{}" title="{}" href="{}">').format(
            link["type"], link["title"], link["href"])
        for link in feeds.alternates(kind, target))


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    app.register_blueprint(bp)
    app.register_blueprint(key_views.bp)
    v1.init_app(app)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, AdminSection, AdminSection("api_keys.admin_keys", _l("API keys"),
                                               _l("keys for integrations, their scopes and last use")))
    app.add_template_global(feed_alternates, "feed_alternates")

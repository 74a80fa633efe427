"""Tags on topics: tag groups, synonyms and merging, tag pages, the ``tag:`` search filter (issue 15)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forum import settings
from forum.audit import AuditVocabulary
from forum.discussions.interfaces import TopicTags
from forum.interfaces import AdminSection, DemoLoader, IntegrityCheck
from forum.registry import contribute, provide
from forum.search.interfaces import SearchTagNames

# models: the tables; admin_views: the Admin → Tags pages join the blueprint of .views
from . import admin_views, audit_vocabulary, models, permissions, services  # noqa: F401
from .demo import load_demo_tags
from .integrity import INTEGRITY_CHECK
from .views import bp


def _topic_tag_list(topic: Any) -> list[Any]:
    return services.tags_for_topics([topic.id]).get(topic.id, [])


def _may_edit_topic_tags(topic: Any) -> bool:
    return permissions.can_edit_topic_tags(current_user, topic)


def init_app(app: Flask) -> None:
    """Registers everything this domain adds."""
    settings.register_defaults(app, {**services.DEFAULTS, permissions.CREATE_MIN_TRUST_LEVEL: None})
    provide(app, TopicTags, services.TopicTagsFromTags())  # discussions' composer, lists, search documents
    app.register_blueprint(bp)  # the domain's one blueprint: tag pages and Admin → Tags
    app.add_template_global(_topic_tag_list, "topic_tag_list")
    app.add_template_global(_may_edit_topic_tags, "may_edit_topic_tags")
    app.add_template_global(services.filter_tag, "filter_tag")  # lists' "Tag: x" chip (?tag=)
    app.add_template_global(services.tags_for_topics, "topic_tags_by_id")  # search results' chips
    contribute(app, SearchTagNames, services.SearchTagNamesFromTags())  # tag:synonym finds its tag's topics
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, DemoLoader, load_demo_tags)  # the Quickstart's product tags
    contribute(app, IntegrityCheck, INTEGRITY_CHECK)  # `forum check [--repair]`: Tag.topic_count
    contribute(app, AdminSection, AdminSection("tags.admin_index", _l("Tags"),
                                               _l("tags, tag groups, synonyms, merges and category tag rules")))

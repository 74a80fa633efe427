"""Discussions: categories, topics, posts, revisions; the counters' one owner."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import jobs, settings, web_input
from forum.accounts.interfaces import PersonalData, ProfileSection, StoredAddresses, VisibleActivityCounter
from forum.audit import AuditVocabulary
from forum.interfaces import AdminFigure, AdminSection, IntegrityCheck
from forum.notifications import register_kinds
from forum.notifications.interfaces import DigestSource, NoticeAccess
from forum.plugins.manager import register_core
from forum.registry import contribute, provide
from forum.search.interfaces import SearchFeed, SearchScope, SearchSource

from . import audit_vocabulary, integrity, notices, personal_data, reading_views, search, services, views  # noqa: F401 - reading_views declares more of bp's routes
from .activity import posts_in_last_days, visible_activity
from .bookmarks import REMINDER, REMINDER_JOB, run_reminders
from .mail_sources import NoticeAccessFromDiscussions, digest_topics
from .reaction_views import admin_reactions  # noqa: F401 - importing it declares the reaction and bookmark routes on bp
from .reactions import DEFAULTS as REACTION_DEFAULTS
from .reactions import NOTICE, NOTICE_JOB, refresh_notice
from .topic_images import topic_image_path
from .views import bp


def _profile_activity(viewer: Any, member: Any) -> dict[str, Any]:
    return {"topics": services.user_topics(viewer, member), "posts": services.user_posts(viewer, member)}


def _profile_likes(viewer: Any, member: Any) -> dict[str, Any]:
    return {"likes_given": member.likes_given, "likes_received": member.likes_received}


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    contribute(app, StoredAddresses, personal_data.PostAddresses())  # IP retention (forum.privacy)
    services.register_draft_places(app)  # drafts' places: reply box, new topic, edit (messages add theirs)
    app.register_blueprint(bp)
    app.add_template_global(topic_image_path, "topic_image_path")
    for endpoint in views.COMPOSER_ENDPOINTS:
        web_input.allow_larger_requests(app, endpoint, views.composer_request_limit)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, IntegrityCheck, integrity.INTEGRITY_CHECK)  # `forum check`: the counters, first
    contribute(app, ProfileSection, _profile_activity)
    provide(app, VisibleActivityCounter, visible_activity)
    contribute(app, SearchSource, search.PostSource())
    contribute(app, SearchFeed, search.TopicPosts())
    provide(app, SearchScope, search.CategoryScope())
    provide(app, NoticeAccess, NoticeAccessFromDiscussions())  # notice mail: may they still read it
    provide(app, DigestSource, digest_topics)  # the summary mail's topics
    register_core(app, search, "discussions.search")
    notices.init_app(app)  # replies, mentions, quotes, watched posts: the kinds and the fan-out job
    contribute(app, AdminFigure, AdminFigure(_l("Posts"), lambda viewer: posts_in_last_days(7),
                                             "discussions.latest", hint=_l("last 7 days")))
    # Reactions and bookmarks (issue 12): the offered set, the author's notice, reminders.
    settings.register_defaults(app, REACTION_DEFAULTS)
    register_kinds(app, NOTICE, REMINDER)
    contribute(app, ProfileSection, _profile_likes)
    contribute(app, AdminSection, AdminSection("discussions.admin_reactions", _l("Reactions"),
                                               _l("which reactions members may give besides the like")))
    jobs.register_job(app, jobs.JobType(NOTICE_JOB, refresh_notice, max_attempts=5))
    jobs.register_job(app, jobs.JobType(REMINDER_JOB, run_reminders, max_attempts=3))
    jobs.register_periodic(app, jobs.PeriodicJob(REMINDER_JOB, {"minute": "*"}))

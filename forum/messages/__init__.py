"""Private conversations between members, and staff groups' inboxes (issue 16).

Nothing here is public: conversations are not in search, feeds, profiles or the REST API, and
only their readers (:mod:`.permissions`) open them; everyone else gets a 404.
"""

from __future__ import annotations

from flask import Flask

from forum import settings
from forum.audit import AuditVocabulary
from forum.interfaces import DemoLoader
from forum.registry import contribute
from forum.uploads.interfaces import PrivateReferences

from . import audit_vocabulary, notice_text, notices, views
from .demo import load_demo_conversations
from .files import MessageFiles
from .moderation_init import init_app as init_moderation

DEFAULTS = {
    # A member is "new" for messages during their first posts or days (0 turns a test off):
    # they may write to staff groups' inboxes only.
    "messages_new_member_posts": 1,
    "messages_new_member_days": 0,
    "messages_max_recipients": 20,  # other members in one conversation
}


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    views.init_app(app)
    settings.register_defaults(app, DEFAULTS)
    notices.init_app(app)        # the notification kinds and the fan-out job
    notice_text.init_app(app)    # how "left", "invited", "assigned"… read
    init_moderation(app)         # flags, break-glass reading, moving posts to private
    contribute(app, PrivateReferences, MessageFiles())  # files in messages: their readers only
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, DemoLoader, load_demo_conversations)

"""Private conversations between members, and staff groups' inboxes (issue 16).

Nothing here is public: conversations are not in search, feeds, profiles or the REST API, and
only their readers (:mod:`.permissions`) open them; everyone else gets a 404.
"""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l

from forum import settings
from forum.accounts.interfaces import PersonalData, StoredAddresses
from forum.audit import AuditVocabulary
from forum.interfaces import AdminSection, DemoLoader
from forum.registry import contribute
from forum.uploads.interfaces import PrivateReferences

from . import audit_vocabulary, drafts, group_views, notice_text, notices, personal_data, views  # noqa: F401 - group_views declares more of bp's routes
from .demo import load_demo_conversations
from .files import MessageFiles
from .moderation_init import init_app as init_moderation

DEFAULTS = {
    # A member is "new" for messages during their first posts or days (0 turns a test off):
    # they may write to staff groups' inboxes only.
    "messages_new_member_posts": 1,
    "messages_new_member_days": 0,
    "messages_max_recipients": 20,  # other members in one conversation
    "messages_open_inboxes": [],    # kept by services.configure_inbox: the badges' links read it
}


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    views.init_app(app)
    settings.register_defaults(app, DEFAULTS)
    notices.init_app(app)        # the notification kinds and the fan-out job
    notice_text.init_app(app)    # how "left", "invited", "assigned"… read
    init_moderation(app)         # flags, break-glass reading, moving posts to private
    contribute(app, PrivateReferences, MessageFiles())  # files in messages: their readers only
    contribute(app, PersonalData, personal_data.Conversations())
    contribute(app, PersonalData, personal_data.MessageFlags())  # flags raised on messages, and their words
    drafts.register(app)  # the composer's drafts: a conversation's reply box, the new-conversation form
    contribute(app, StoredAddresses, personal_data.MessageAddresses())  # IP retention (forum.privacy)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    contribute(app, DemoLoader, load_demo_conversations)
    contribute(app, AdminSection, AdminSection("messages.admin_inboxes", _l("Staff inboxes"),
                                               _l("which staff groups members can message, and what they say")))

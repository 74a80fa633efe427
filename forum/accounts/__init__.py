"""Accounts: members, registration, sign-in, the code of conduct, member preferences."""

from __future__ import annotations

from flask import Flask

from forum.audit import AuditVocabulary
from forum.extensions import login_manager
from forum.registry import contribute

from . import audit_vocabulary, personal_data, preferences, sessions
from .interfaces import PersonalData, StoredAddresses
from .models import AnonymousUser
from .views import bp


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    contribute(app, StoredAddresses, personal_data.SessionAddresses())  # IP retention (forum.privacy)
    app.register_blueprint(bp)
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    login_manager.anonymous_user = AnonymousUser
    # The login id names a sign-in session (accounts.sessions), not just the member.
    login_manager.id_attribute = "get_login_id"
    login_manager.user_loader(sessions.load_user)
    sessions.init_app(app)
    preferences.init_app(app)  # color_scheme() for base.html

"""Sign-in with the brand's identity providers (OpenID Connect), issue 14.

``providers`` reads and checks the configuration (``FORUM_OIDC_PROVIDERS``, ``FORUM_SSO_ONLY``)
at start-up; ``client`` speaks the protocol through Authlib; ``services`` decides who a sign-in
is (find, link, create, groups); ``views`` are the blueprint; ``signin`` is what the accounts
pages ask of us (the buttons, SSO-only mode, the provider's sign-out).
"""

from __future__ import annotations

from flask import Flask

from forum.accounts.interfaces import ExternalSignIn, PersonalData
from forum.audit import AuditVocabulary
from forum.registry import contribute
from forum.web_security import allow_source

from . import audit_vocabulary, client, personal_data, providers, signin
from .views import bp


def init_app(app: Flask) -> None:
    for section in personal_data.SECTIONS:  # the member's data export and erasure (forum.privacy)
        contribute(app, PersonalData, section)
    providers.init_app(app)  # a wrong configuration stops the start with a clear message
    client.init_app(app, providers.configured_in(app))
    app.register_blueprint(bp)
    for provider in providers.configured_in(app).values():
        # The sign-in button is a form whose redirect leads to the provider (CSP form-action).
        for origin in provider.form_action_origins:
            allow_source(app, "form-action", origin)
    contribute(app, ExternalSignIn, signin.ProviderSignIn())
    contribute(app, AuditVocabulary, audit_vocabulary.VOCABULARY)
    app.add_template_global(signin.login_buttons, "sso_login_buttons")
    app.add_template_global(signin.connections, "sso_connections")

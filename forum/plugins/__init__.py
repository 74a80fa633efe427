"""The public API for plugin authors: import from here, nothing else is promised.

See ``plugins/README.md`` for a walkthrough and :mod:`forum.plugins.spec` for every hook.
The public API is this module and :mod:`forum.plugins.community`; a plugin imports nothing
else from ``forum`` (``tests/plugins/test_public_api_only.py`` checks the bundled ones).

Hooks and content filters:

* ``hookimpl``: decorate your hook implementations.
* ``Verdict`` / ``VerdictKind`` / ``VerdictOrigin`` / ``Draft`` / ``FilterContext``: content
  filters. ``Verdict.origin`` (``"core"`` | ``"plugin"``), ``Verdict.failed`` (the plugin
  raised or returned garbage) and ``Verdict.plugin`` are filled in by the manager;
  ``Verdict.code`` is your machine-readable cause (``reason`` is prose for people).
* ``combine(verdicts)``: the precedence the core applies (reject > require_approval > flag >
  rewrite > allow), e.g. to preview what a list of verdicts would do.

Settings, state, forms:

* ``SettingField`` + ``plugin_setting(id, key)`` / ``plugin_settings(id)``: settings the
  admin UI renders as a form; ``localized_plugin_setting(id, key)`` reads a
  ``translatable=True`` text in the reader's language.
* ``plugin_state(id, default)`` / ``set_plugin_state(id, value)``: one JSON value of internal
  state per plugin (a cache version, a last-run time), staged in the current transaction.
* ``form_field_name(id, name)`` (``FORM_FIELD_PREFIX``): names for extra inputs a plugin adds
  to core forms. ``SETTING_TYPES``: the types a ``SettingField`` may have.
* ``apply_errors(form, exc)``, ``ConfirmForm``: a plugin's own WTForms pages, like the core's.
* ``with_translations(form_class, {name: field_factory}, languages)``: a form class with one
  optional field per other community language for each text members read (``"message__it"``,
  named by ``translation_field(name, language)``, which is also the key of a service's error
  about it); ``fill_translations(form, stored, names, languages)`` puts stored texts in (GET),
  ``read_translations(form, names, languages)`` reads them back as ``{"it": {name: text}}``.
  Templates render the fields with the core's partial:
  ``{% from "admin/_translations.html" import translations with context %}`` then
  ``{{ translations(form, ["message"], translation_languages) }}``.

Data and records:

* ``db``: the database. Your models subclass ``db.Model`` (tables prefixed ``<id>_``); read
  and write through ``db.session``, and commit only in your own services (admin actions),
  never in a filter or a template slot: those run inside the core's transaction.
* ``UTCDateTime`` (column type) and ``utcnow()``: timestamps, always timezone-aware UTC.
* ``audit(actor, action, target_type, target_id, before=, after=, reason=)``: an entry in
  the audit log, staged in the current transaction.
* ``NotFound`` / ``PermissionDenied`` / ``ValidationFailed``: the errors services raise (views
  answer 404 / 403 / the form with its errors).

Reading content:

* ``extract_links(markdown)`` -> ``Links(links, images)``: the URLs the rendered text links
  to and shows (code blocks excluded), through the core's own Markdown pipeline.
* ``is_new_member(author, posts=, days=, context=)``: the shared "new member" test (the
  member's trust level speaks first: level 2 and up never new, held at 0 by a lock always).
* ``languages()`` / ``language_name(code)``: the languages the community offers;
  ``default_language()``: the one admins' untranslated texts are in.
* ``localized(value, locale=None)``: an admin-written text with per-language variants
  (``"text"`` or ``{"en": ..., "it": ...}``) in the reader's language (``reader_language()``),
  with the core's fallback. ``context.locale`` in a content filter is the language the text is
  **written in** (detected from it, or chosen by its author), not the author's interface language.

Links to this site:

* ``public_host()``: this site's host name, from ``FORUM_PUBLIC_URL`` (never the request's
  ``Host``, which the sender chooses); ``external_url(endpoint, **values)`` /
  ``public_url(path)``: absolute links for mail, feeds and webhooks.

In :mod:`forum.plugins.community` (it asks the domains, so the domains never import it):
``is_admin(user)``, ``require_admin()``, ``categories(viewer)``, ``recent_posts_by(author,
since)``, ``count_posts_by(author, since)``, ``trust_level(user)`` (0 new … 4 leader; ``REGULAR``).

Layering: this package's modules (``verdicts``, ``fields``, ``store``, ``content``,
``manager``, ``spec``) import only the ground floor (settings, audit, markup, i18n,
extensions), because accounts, discussions and the other domains import them.
``community`` and ``settings`` (the admin actions) sit above the domains.
"""

from __future__ import annotations

import pluggy

from forum.db_types import UTCDateTime, utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.forms import (
    ConfirmForm,
    apply_errors,
    fill_translations,
    read_translations,
    translation_field,
    with_translations,
)
from forum.urls import external_url, public_host, public_url

from .content import (
    Links,
    default_language,
    extract_links,
    is_new_member,
    language_name,
    languages,
    localized,
    reader_language,
)
from .fields import FORM_FIELD_PREFIX, SETTING_TYPES, SettingField, form_field_name
from .store import audit, set_plugin_state
from .store import get_localized_plugin_setting as localized_plugin_setting
from .store import get_plugin_setting as plugin_setting
from .store import get_plugin_settings as plugin_settings
from .store import get_plugin_state as plugin_state
from .verdicts import Draft, FilterContext, Verdict, VerdictKind, VerdictOrigin, combine

hookimpl = pluggy.HookimplMarker("forum")

__all__ = [
    "FORM_FIELD_PREFIX",
    "SETTING_TYPES",
    "ConfirmForm",
    "Draft",
    "FilterContext",
    "Links",
    "NotFound",
    "PermissionDenied",
    "SettingField",
    "UTCDateTime",
    "ValidationFailed",
    "Verdict",
    "VerdictKind",
    "VerdictOrigin",
    "apply_errors",
    "audit",
    "combine",
    "db",
    "default_language",
    "external_url",
    "extract_links",
    "fill_translations",
    "form_field_name",
    "hookimpl",
    "is_new_member",
    "language_name",
    "languages",
    "localized",
    "localized_plugin_setting",
    "plugin_setting",
    "plugin_settings",
    "plugin_state",
    "public_host",
    "public_url",
    "read_translations",
    "reader_language",
    "set_plugin_state",
    "translation_field",
    "utcnow",
    "with_translations",
]

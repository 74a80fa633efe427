"""Every hook a Circolo plugin can implement. This file is the plugin author's reference.

Naming (see shared DESIGN.md §3):

* ``forum_load_<thing>``: setup, called once per app at start-up.
* ``forum_<noun>_<past_verb>``: events, fired by services AFTER the database commit.
* ``forum_filter_<thing>``: content filters; return a :class:`forum.plugins.Verdict` or ``None``.
* ``forum_gather_<things>``: contribute items to a list.
* ``forum_tpl_<slot>``: template slots; return an HTML string (the plugin escapes what it
  interpolates) or ``None``. Errors are logged and the slot renders empty (fail open).

Implement a hook with ``@hookimpl`` from :mod:`forum.plugins`.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("forum")


# --- setup -------------------------------------------------------------------------------

@hookspec
def forum_load_blueprints(app: Any) -> None:
    """Register blueprints on ``app`` (``app.register_blueprint(bp)``)."""


@hookspec
def forum_load_cli(group: Any) -> None:
    """Add click commands to the ``flask forum`` command group (``group.add_command(cmd)``)."""


@hookspec
def forum_load_app(app: Any) -> None:
    """Anything else at start-up: Jinja filters, config defaults, template globals."""


@hookspec
def forum_gather_settings_schema() -> Any:
    """Return this plugin's settings as a list of :class:`forum.plugins.SettingField`.

    Asked once at start-up. The admin UI (Admin → Plugins → Settings) renders them as a form
    and validates each value by its type; read them with ``plugin_setting(id, key)``.
    """


@hookspec
def forum_gather_admin_links() -> Any:
    """Return this plugin's admin pages as a list of ``(label, endpoint)`` pairs.

    They are linked from the plugin's row in Admin → Plugins. Protect the views with
    ``forum.plugins.community.require_admin`` (e.g. in the blueprint's ``before_request``).
    """


# --- content filters ---------------------------------------------------------------------

@hookspec
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    """Judge text before it is saved.

    ``draft`` is a :class:`forum.plugins.Draft` (``raw``, ``title``); ``author`` the user
    (``None`` for a registration); ``context`` a :class:`forum.plugins.FilterContext` whose
    ``kind`` is ``"topic"``, ``"reply"``, ``"edit"``, ``"event"``, ``"profile"`` or
    ``"signature"``. Return a :class:`forum.plugins.Verdict`, a list of Verdicts (for
    instance a ``rewrite`` that censors AND a ``flag``) or ``None`` for "no opinion".
    Verdicts from all plugins are combined: reject > require_approval > flag > rewrite > allow;
    every ``rewrite`` is applied to the saved text even when the post is held or flagged.
    ``draft.title`` (new topics) may be changed in place to censor a title.

    ``context.extra`` carries the extra inputs plugins added to the form through
    ``forum_tpl_form_fields`` (``pf_<plugin>__<name>``) and ``"form"`` (``"topic"``, ``"reply"``,
    ...), when the content came from a web form; it is empty for scripts and imports.
    A plugin that raises sends the content to the review queue (fail closed).
    """


@hookspec
def forum_filter_registration(form_data: Any, context: Any) -> Any:
    """Judge a registration before the account is created. Return a Verdict or ``None``.

    ``form_data`` is a dict (username, email, display_name, answers, ip, and ``extra``: the
    plugins' extra inputs, see ``forum_tpl_form_fields``, with ``extra["form"] == "register"``);
    ``context`` is a dict with ``kind == "registration"``. ``reject`` shows its message on the
    form, ``require_approval`` holds the account for review.
    """


# --- events (fired after commit) -------------------------------------------------------------

@hookspec
def forum_user_registered(user: Any) -> None:
    """A member account was created."""


@hookspec
def forum_topic_created(topic: Any, post: Any) -> None:
    """A topic and its opening post were saved (possibly pending review: check ``post.state``)."""


@hookspec
def forum_post_created(post: Any) -> None:
    """A reply was saved (possibly pending review: check ``post.state``)."""


@hookspec
def forum_post_edited(post: Any, revision: Any) -> None:
    """A post was edited; ``revision`` holds the previous text."""


@hookspec
def forum_post_deleted(post: Any, actor: Any) -> None:
    """A post was withdrawn by its author or removed by a moderator (soft delete)."""


@hookspec
def forum_post_restored(post: Any, actor: Any) -> None:
    """A hidden or removed post was made visible again."""


@hookspec
def forum_post_approved(post: Any, actor: Any) -> None:
    """A post held for review was approved."""


@hookspec
def forum_post_rejected(post: Any, actor: Any, reason: str) -> None:
    """A post held for review was rejected; its text stays with its author."""


@hookspec
def forum_post_hidden(post: Any, actor: Any, reason: str) -> None:
    """A post was hidden by a moderator or by flags."""


@hookspec
def forum_topic_changed(topic: Any, actor: Any, change: str) -> None:
    """A topic was moved, renamed, locked, pinned, split or merged; ``change`` names which."""


@hookspec
def forum_event_changed(event: Any, actor: Any, change: str) -> None:
    """A meetup was created, updated, approved or cancelled; ``change`` names which."""


@hookspec
def forum_post_flagged(post: Any, flag: Any) -> None:
    """A member flagged a post for the moderators (``flag``: its reason, note and weight).
    Fired once per flag, whether or not the flags hid the post (``forum_post_hidden`` follows
    when they did)."""


@hookspec
def forum_user_approved(user: Any, actor: Any) -> None:
    """A moderator (``actor``) approved a member's application: the account is active."""


@hookspec
def forum_rsvp_changed(event: Any, rsvp: Any, previous: str | None) -> None:
    """A member's answer to a meetup changed (``rsvp.status``: going, maybe, waitlisted, not
    going…; ``previous``: the status before, None for a first answer). Fired for the member's
    own answer and for a move from the waitlist to a seat."""


@hookspec
def forum_escalation_created(escalation: Any) -> None:
    """Staff escalated a topic (or one of its posts) to support: ``escalation`` has the topic,
    the post or None, the reason, the priority and who escalated it."""


# --- template slots (HTML strings; escape what you interpolate) ---------------------------------

@hookspec
def forum_tpl_post_footer(post: Any, user: Any) -> Any:
    """HTML under a post's body."""


@hookspec
def forum_tpl_topic_header(topic: Any, user: Any) -> Any:
    """HTML under a topic's title."""


@hookspec
def forum_tpl_sidebar(user: Any) -> Any:
    """HTML in the page sidebar."""


@hookspec
def forum_tpl_navigation(user: Any) -> Any:
    """HTML (``<a>`` elements) appended to the header navigation."""


@hookspec
def forum_tpl_profile(profile_user: Any, user: Any) -> Any:
    """HTML on a member's profile page."""


@hookspec
def forum_tpl_composer_tools(form_name: str, user: Any) -> Any:
    """Tools under a composer's text box (``form_name``: ``"topic"``, ``"reply"`` or ``"edit"``),
    e.g. the core's file uploader. A tool that changes the text inserts Markdown into the
    form's ``textarea[name=body]`` and dispatches an ``input`` event on it (the draft autosaves).
    """


@hookspec
def forum_tpl_form_fields(form_name: str, user: Any) -> Any:
    """Extra inputs inside a core form: ``form_name`` is ``"register"``, ``"topic"`` or ``"reply"``.

    Name every input ``forum.plugins.form_field_name(<plugin id>, <name>)``; the submitted
    values reach the filters in ``context.extra`` / ``form_data["extra"]``. Used by
    spam_guard for its honeypot and form timer.
    """

"""Moderation's core plugin: registered by ``forum.plugins.manager.CORE_PLUGINS``.

* ``forum_filter_post``: warnings to acknowledge (reject, text kept), categories that hold
  topics or replies, and a new member's first posts (``require_approval``).
* ``forum_post_judged``: inside the posting transaction, records every non-allow verdict in the
  post's moderation history and queues held or filter-flagged posts (plugins' verdicts and
  plugin errors included).
* ``forum_filter_registration``: email-domain and IP-range bans.
* ``forum_post_edited``: a moderator's edit of someone else's post lands in the audit log.
* ``forum_tpl_form_fields``: application questions on the registration form.
"""

from __future__ import annotations

from typing import Any

from forum.plugins import hookimpl


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    from . import services

    return services.core_verdict(author, context)


@hookimpl
def forum_post_judged(post: Any, verdicts: Any, context: Any) -> None:
    from . import services

    services.record_judgement(post, list(verdicts), context)


@hookimpl
def forum_filter_registration(form_data: Any, context: Any) -> Any:
    from . import services

    return services.core_registration_verdict(form_data or {})


@hookimpl
def forum_post_edited(post: Any, revision: Any) -> None:
    from . import services

    services.record_staff_edit(post, revision)


@hookimpl
def forum_tpl_form_fields(form_name: str, user: Any) -> Any:
    """The admin's application questions on the registration form ("approve members" mode)."""
    if form_name != "register":
        return None
    from flask import render_template

    return render_template("moderation/_application_fields.html")

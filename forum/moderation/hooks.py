"""Moderation's core hook implementations (registered by moderation's init_app as
``core:moderation``).

* ``forum_filter_post``: warnings to acknowledge (reject, text kept), categories that hold
  topics or replies, and a new member's content, for every kind (topics, replies, edits,
  meetups, profile text).
* ``forum_filter_registration``: email-domain and IP-range bans; "approve members" mode.
* ``forum_tpl_form_fields``: application questions on the registration form.

Recording judgements is not here: it is part of each write, through the registered
``JudgementRecorder`` (see ``services.verdicts``).
"""

from __future__ import annotations

from typing import Any

from flask import render_template

from forum.plugins import hookimpl

from .services import verdicts


@hookimpl
def forum_filter_post(draft: Any, author: Any, context: Any) -> Any:
    return verdicts.core_verdict(author, context)


@hookimpl
def forum_filter_registration(form_data: Any, context: Any) -> Any:
    return verdicts.core_registration_verdict(form_data or {})


@hookimpl
def forum_tpl_form_fields(form_name: str, user: Any) -> Any:
    """The admin's application questions on the registration form ("approve members" mode)."""
    if form_name != "register":
        return None
    return render_template("moderation/_application_fields.html")

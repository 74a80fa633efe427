"""The composer's file tools (a core template hook) and the files a form sends without script.

With JavaScript (static/js/uploads.js) files are sent one by one to ``POST /uploads`` as they
are chosen, dropped or pasted, and their Markdown goes in at the caret. Without it, the form's
own file field travels with the post: :func:`files_from_form` stores them and the view appends
their Markdown to the text, so a post refused for another reason keeps them.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from forum.errors import ValidationFailed
from forum.plugins import hookimpl

from . import services
from .limits import attachment_extensions, human_size, limits_for
from .permissions import can_upload

FILES_FIELD = "files"
_FORMS = ("topic", "reply", "edit", "message")  # "message": a private conversation's composer


@hookimpl
def forum_tpl_composer_tools(form_name: str, user: Any) -> Any:
    if form_name not in _FORMS or not can_upload(user):
        return None
    limits = limits_for(user)
    extensions = sorted(attachment_extensions())
    accept = ",".join(["image/*"] + [f".{e}" for e in extensions])
    return render_template("uploads/_composer_tools.html", accept=accept, extensions=extensions,
                           max_size=human_size(limits.max_file_bytes), max_bytes=limits.max_file_bytes,
                           field=FILES_FIELD)


def request_limit(user: Any) -> int:
    """The largest request a composer form may send: its files and the text. Four times the
    per-file limit is read so a member whose file is a little too large gets the precise
    message ("This image is 14 MB; the limit is 8 MB"), not a bare 413."""
    limits = limits_for(user)
    files = limits.files_per_post or 20
    return max(limits.max_file_bytes * 4, limits.max_file_bytes * min(files, 4)) + 2 * 1024 * 1024


def files_from_form(user: Any) -> str:
    """Store the files the form's own field sent; their Markdown, one per line ('' for none).
    Raises ValidationFailed on the ``body`` field (the text is kept by the caller). More files
    than a post may hold are refused before any is read (each would be decoded)."""
    sent = [f for f in request.files.getlist(FILES_FIELD) if f and f.filename]
    if not sent:
        return ""
    if not can_upload(user):
        raise ValidationFailed({"body": _("You cannot upload files right now. Your text is kept.")})
    limit = limits_for(user).files_per_post
    if limit and len(sent) > limit:
        raise ValidationFailed({"body": ngettext("A post may hold %(num)d file; this one has %(count)d.",
                                                 "A post may hold %(num)d files; this one has %(count)d.",
                                                 limit, count=len(sent))})
    snippets = []
    for item in sent:
        try:
            snippets.append(services.accept_upload(user, item.filename or "", item.read()).markdown)
        except ValidationFailed as exc:
            message = next(iter(exc.errors.values()), "")
            raise ValidationFailed({"body": f"{item.filename}: {message}"}) from exc
    return "\n\n".join(snippets)  # a paragraph each

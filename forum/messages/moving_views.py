"""Pages of moving a public post to a private conversation, and of the public summary back
(on messages' moderation blueprint)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.errors import ValidationFailed

from . import moving, permissions
from .moderation_forms import MoveToPrivateForm, PublicSummaryForm
from .moderation_views import bp, conversation_url, field_errors
from .services import get_readable_conversation

PERSONAL = "personal"


def _group_choices() -> list[tuple[str, str]]:
    choices = [(str(g.id), g.name) for g in moving.owner_groups(current_user)]
    return [*choices, (PERSONAL, _("Just me (a personal conversation)"))]


@bp.route("/messages/continue-in-private/<int:post_id>", methods=["GET", "POST"])
@login_required
def move_to_private(post_id: int) -> Any:
    post = moving.get_movable_post(current_user, post_id)
    form = MoveToPrivateForm()
    form.group.choices = _group_choices()
    if request.method == "GET":
        form.message.data = moving.default_message(post)
        default = moving.default_group(current_user)
        form.group.data = str(default.id) if default is not None else PERSONAL
        form.whole_topic.data = post.post_number == 1
    elif not form.validate_on_submit():
        abort(400)
    else:
        groups = {str(g.id): g for g in moving.owner_groups(current_user)}
        choice = form.group.data or PERSONAL
        if choice != PERSONAL and choice not in groups:
            form.group.errors = [_("Choose one of your teams that take messages.")]
        else:
            try:
                conversation = moving.move_to_private(
                    current_user, post, form.message.data or "", group=groups.get(choice),
                    whole_topic=bool(form.whole_topic.data) and post.post_number == 1, ip=request.remote_addr)
            except ValidationFailed as exc:
                field_errors(form, exc)
            else:
                flash(_("The conversation continues in private; a note was left in the topic."), "success")
                return redirect(conversation_url(conversation.id))
    return render_template("messages/moderation/move_to_private.html", form=form, post=post, topic=post.topic)


@bp.route("/messages/<int:conversation_id>/public-summary", methods=["GET", "POST"])
@login_required
def public_summary(conversation_id: int) -> Any:
    conversation = get_readable_conversation(current_user, conversation_id)
    if not permissions.can_post_public_summary(current_user, conversation):
        abort(403)
    topic = moving.origin_topic(conversation)
    form = PublicSummaryForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            post = moving.post_public_summary(current_user, conversation, form.body.data or "",
                                              ip=request.remote_addr)
        except ValidationFailed as exc:
            field_errors(form, exc)
        else:
            flash(_("The summary is posted in the topic."), "success")
            return redirect(url_for("discussions.post_by_id", post_id=post.id))
    return render_template("messages/moderation/public_summary.html", form=form, conversation=conversation,
                           topic=topic, back=conversation_url(conversation.id))

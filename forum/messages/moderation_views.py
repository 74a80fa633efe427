"""Pages of messages' moderation: flagging a message, an admin's break-glass reading, and (in
:mod:`.moving_views`) moving a public post to private and the summary back.

Every page answers a non-reader with 404, as the conversation pages do: a conversation's
existence is private too.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.discussions.models import PostState
from forum.errors import ValidationFailed
from forum.extensions import member_action_limit
from forum.moderation import services as moderation

from . import moderation as services
from . import moving, permissions
from .moderation_forms import BreakGlassForm, MessageFlagForm
from .notice_text import notice_text

bp = Blueprint("messages_moderation", __name__)
flag_limit = member_action_limit("RATELIMIT_FLAG", methods=["POST"])


class TemplateHelpers:
    """``msgmod`` in templates: permission answers that need no query (the post is loaded)."""

    def can_move(self, user: Any, post: Any) -> bool:
        return permissions.can_move_to_private(user, post)

    def can_summarize(self, user: Any, conversation: Any) -> bool:
        """Offered while the topic is public: a topic hidden with its moved opening post takes no
        summary until a moderator restores it (the service says so if a page was open meanwhile)."""
        if not permissions.can_post_public_summary(user, conversation):
            return False
        topic = moving.origin_topic(conversation)
        return topic is not None and topic.state == PostState.PUBLISHED

    def can_break_glass(self, user: Any) -> bool:
        return permissions.can_break_glass(user)


@bp.app_context_processor
def inject_helpers() -> dict[str, Any]:
    return {"msgmod": TemplateHelpers()}


def field_errors(form: Any, exc: ValidationFailed) -> None:
    """A service's refusal, next to its field when the form has it, else as a message."""
    for name, message in exc.errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*list(field.errors or []), str(message)]
        else:
            flash(str(message), "error")


def conversation_url(conversation_id: int) -> str:
    return url_for("messages.conversation", conversation_id=conversation_id)


# --- flags -----------------------------------------------------------------------------------------

@bp.route("/messages/flag/<int:message_id>", methods=["GET", "POST"])
@login_required
@flag_limit
def flag(message_id: int) -> Any:
    message = services.get_flaggable_message(current_user, message_id)
    if not permissions.can_flag_message(current_user, message.conversation, message):
        abort(403)
    form = MessageFlagForm()
    form.reason.choices = moderation.flag_reason_choices()
    already = bool(services.flagged_message_ids(current_user, [message.id]))
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.flag_message(current_user, message, form.reason.data or "", form.text.data or "")
        except ValidationFailed as exc:
            field_errors(form, exc)
        else:
            flash(_("Thanks: the moderators will look at this message (and the one before it, nothing else "
                    "of the conversation)."), "success")
            return redirect(conversation_url(message.conversation_id))
    return render_template("messages/moderation/flag.html", form=form, message=message, already=already,
                           back=conversation_url(message.conversation_id))


# --- break-glass reading -------------------------------------------------------------------------

@bp.route("/messages/<int:conversation_id>/break-glass", methods=["GET", "POST"])
def break_glass(conversation_id: int) -> Any:
    conversation = services.get_conversation_for_break_glass(current_user, conversation_id)
    form = BreakGlassForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.break_glass(current_user, conversation, form.reason.data or "")
        except ValidationFailed as exc:
            field_errors(form, exc)
        else:
            return redirect(url_for(".break_glass_read", conversation_id=conversation.id))
    return render_template("messages/moderation/break_glass.html", form=form, conversation=conversation,
                           minutes=services.BREAK_GLASS_MINUTES,
                           expires=services.break_glass_expiry(current_user, conversation))


@bp.get("/messages/<int:conversation_id>/break-glass/read")
def break_glass_read(conversation_id: int) -> Any:
    conversation = services.get_conversation_for_break_glass(current_user, conversation_id)
    messages, expires = services.break_glass_messages(current_user, conversation)
    return render_template("messages/moderation/break_glass_read.html", conversation=conversation,
                           messages=messages, expires=expires, notice_text=notice_text,
                           is_notice=services.is_notice)


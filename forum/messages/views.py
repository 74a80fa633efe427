"""The messages pages: the inbox, the composer, a conversation and what one does in it.

Every conversation URL answers a non-reader with 404 (never 403), whoever they are.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from forum.accounts.permissions import posting_block, posting_block_message
from forum.accounts.services import find_by_username
from forum.accounts.states import can_read_as_member
from forum.discussions.services import discard_draft, page_stamp, read_draft
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import limiter, member_action_limit, per_member, succeeded
from forum.forms import ConfirmForm, apply_errors
from forum.text import ascii_int
from forum.uploads.composer import files_from_form

from . import permissions, quotes, services
from .drafts import CONVERSATION, MESSAGE
from .forms import InviteForm, MessageReplyForm, NewConversationForm
from .models import Conversation
from .notice_text import notice_text

bp = Blueprint("messages", __name__)
# Sending (a new conversation or a reply) and inviting share one allowance; previews and refusals do not count.
message_limit = member_action_limit("RATELIMIT_MESSAGE", methods=["POST"], deduct_when=succeeded)
# Recording reading shares the topics' reading allowance (forum.discussions.reading_views).
read_limit = limiter.limit("60 per minute;1500 per hour", key_func=per_member("read"))


def init_app(app: Flask) -> None:
    app.add_template_global(notice_text, "message_notice_text")
    app.add_template_global(_group_inbox_link, "group_inbox_link")
    app.add_template_global(_message_allowed, "message_allowed")
    app.add_template_global(lambda member: services.is_blocking(current_user, member), "message_blocking")

    @app.context_processor
    def _unread() -> dict[str, Any]:
        return {"unread_conversations": lambda: services.unread_count(current_user)}


def _group_inbox_link(group: Any) -> str | None:
    """Where a staff badge leads when its group takes messages (no query: a setting)."""
    if group is None or group.id not in services.open_inbox_group_ids():
        return None
    return url_for("messages.new", group=group.name)


def _message_allowed(member: Any) -> bool:
    """The profile's "Message" button: the viewer may write to members and ``member`` takes it."""
    return bool(permissions.can_message_members(current_user) and member is not None
                and can_read_as_member(member) and not services.blocked_by(current_user, [member.id]))


def _conversation(conversation_id: int) -> Conversation:
    return services.get_readable_conversation(current_user, conversation_id)


def _back(conversation: Conversation, anchor: str = "") -> Any:
    return redirect(url_for("messages.conversation", conversation_id=conversation.id) + anchor)


def _restore_draft(kind: str, key: int | None) -> dict[str, Any] | None:
    """The member's saved draft for this form (read only); the page offers to discard it."""
    draft = read_draft(current_user, kind, key)
    if draft:
        g.restored_draft = {"kind": kind, "key": "new" if key is None else str(key)}
    return draft


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


# --- the inbox ----------------------------------------------------------------------------------

@bp.get("/messages")
@login_required
def inbox() -> Any:
    archived = request.args.get("archived") == "1"
    page = services.inbox(current_user, request.args.get("cursor"), archived=archived)
    return render_template("messages/inbox.html", page=page, archived=archived,
                           groups=services.member_groups_with_inbox(current_user),
                           can_write=permissions.can_use_messages(current_user))


# --- the composer -------------------------------------------------------------------------------

@bp.route("/messages/new", methods=["GET", "POST"])
@login_required
@message_limit
def new() -> Any:
    group = None
    group_name = request.args.get("group") or ""
    if group_name:
        group = services.group_by_name(group_name)
        if group is None or services.enabled_inbox(group) is None:
            abort(404)
    form = NewConversationForm()
    draft_key = group.id if group is not None else None
    draft = _restore_draft(CONVERSATION, draft_key) if request.method == "GET" else None
    if draft:
        form.to.data, form.title.data, form.body.data = draft.get("to"), draft.get("title"), draft.get("body")
    if request.method == "GET" and request.args.get("to") and not form.to.data:
        form.to.data = request.args.get("to", "")[:1000]
    preview_html = None
    status = 200
    if request.method == "POST" and form.validate_on_submit():
        try:
            extra = files_from_form(current_user)
            if extra:
                form.body.data = ((form.body.data or "").rstrip() + "\n\n" + extra).strip()
            if "preview" in request.form:
                preview_html = services.preview(form.body.data or "", current_user)
            else:
                conversation = services.start_conversation(
                    current_user, form.title.data or "", form.body.data or "",
                    to_users=services.members_named(form.to.data or "") if group is None else (), to_group=group,
                    ip=request.remote_addr)
                discard_draft(current_user, CONVERSATION, draft_key)  # sent: the draft did its job
                return _back(conversation)
        except PermissionDenied:
            form.form_errors.append(_("You cannot send messages right now."))
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="body")
    if form.errors or form.form_errors:
        status = 400
    return render_template("messages/new.html", form=form, group=group, preview_html=preview_html,
                           inbox=services.enabled_inbox(group) if group is not None else None,
                           block=posting_block(current_user), block_message=posting_block_message,
                           members_allowed=permissions.can_message_members(current_user),
                           draft_key=draft_key, draft_page=page_stamp()), status


# --- a conversation -----------------------------------------------------------------------------

def _render_conversation(conversation: Conversation, form: MessageReplyForm | None = None,
                         preview_html: str | None = None, invite_form: InviteForm | None = None) -> Any:
    view = services.conversation_page(current_user, conversation)
    participant = view.viewer if view.viewer is not None and view.viewer.left_at is None else None
    in_group = permissions.in_group(current_user, conversation.group_id)
    # Reading is recorded by a POST (conversation_read.js, or the no-script button): never by this GET.
    return render_template(
        "messages/conversation.html", view=view, conversation=conversation, form=form or MessageReplyForm(),
        invite_form=invite_form or InviteForm(), preview_html=preview_html, participant=participant,
        in_group=in_group, can_write=permissions.can_use_messages(current_user),
        can_invite=permissions.can_invite(current_user, conversation, participant),
        blocked_ids=_blocked_ids(view), draft_page=page_stamp())


def _blocked_ids(view: services.ConversationView) -> set[int]:
    """Which of the other participants the viewer blocks (one query)."""
    others = [p.user_id for p in view.participants if p.user_id != current_user.id]
    return set(services.blocked_by_viewer(current_user, others))


@bp.get("/messages/<int:conversation_id>")
@login_required
def conversation(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    form = MessageReplyForm()
    draft = _restore_draft(MESSAGE, conv.id)
    if draft:
        form.body.data = draft.get("body")
    number = request.args.get("quote", 0, type=int)
    quoted = services.message_by_number(conv, number) if number else None
    if quoted is not None:
        # Quote without JavaScript: the quote goes after the saved draft, once.
        try:
            quote = quotes.quote_source(quoted)
        except NotFound:
            pass
        else:
            if quote.strip() not in (form.body.data or ""):
                text = (form.body.data or "").rstrip()
                form.body.data = f"{text}\n\n{quote}" if text else quote
    return _render_conversation(conv, form)


@bp.get("/messages/<int:conversation_id>/<int:number>/quote")
@login_required
def quote(conversation_id: int, number: int) -> Any:
    """What the composer inserts for Quote: ``{"markdown", "open", "close"}`` of a message of
    this conversation (404 for a non-reader, or a number of no quotable message here)."""
    message = services.message_by_number(_conversation(conversation_id), number)
    if message is None:
        abort(404)
    opening, _raw, closing = quotes.quote_parts(message)
    return jsonify(markdown=quotes.quote_source(message), open=opening, close=closing)


@bp.post("/messages/<int:conversation_id>/reply")
@login_required
@message_limit
def reply(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    form = MessageReplyForm()
    if form.validate_on_submit():
        try:
            extra = files_from_form(current_user)
            if extra:
                form.body.data = ((form.body.data or "").rstrip() + "\n\n" + extra).strip()
            if "preview" in request.form:
                return _render_conversation(conv, form, services.preview(form.body.data or "", current_user))
            message = services.post_message(current_user, conv, form.body.data or "", ip=request.remote_addr)
            discard_draft(current_user, MESSAGE, conv.id)  # sent: the draft did its job
            return _back(conv, f"#m{message.number}")
        except PermissionDenied:
            form.form_errors.append(_("You cannot send messages right now."))
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="body")
    return _render_conversation(conv, form), 400


@bp.post("/messages/<int:conversation_id>/archive")
@login_required
def archive(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    _confirmed()
    try:
        services.set_archived(current_user, conv, True)
    except PermissionDenied:
        abort(403)
    flash(_("Conversation archived: it comes back to your inbox with the next message."), "info")
    return redirect(url_for("messages.inbox"))


@bp.post("/messages/<int:conversation_id>/unarchive")
@login_required
def unarchive(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    _confirmed()
    try:
        services.set_archived(current_user, conv, False)
    except PermissionDenied:
        abort(403)
    return _back(conv)


@bp.post("/messages/<int:conversation_id>/leave")
@login_required
def leave(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    _confirmed()
    try:
        services.leave(current_user, conv)
    except PermissionDenied:
        abort(403)
    flash(_("You left the conversation."), "info")
    return redirect(url_for("messages.inbox"))


@bp.post("/messages/<int:conversation_id>/read")
@login_required
@read_limit
def mark_read(conversation_id: int) -> Any:
    """conversation_read.js (``number``: the last message the page shows; answers the envelope's
    new count as JSON) or the no-script "Mark as read" button (the same number; back to the page)."""
    conv = _conversation(conversation_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    given = request.form.get("number")
    number = ascii_int(given, digits=9) if given else None
    if given and number is None:
        abort(400)
    services.mark_read(current_user, conv, number)
    if request.headers.get("X-Requested-With") != "fetch":
        return redirect(url_for("messages.conversation", conversation_id=conv.id))
    unread = services.unread_count(current_user)
    label = ngettext("%(num)d conversation with new messages", "%(num)d conversations with new messages",
                     unread) if unread else _("Messages")
    return jsonify(unread=unread, label=label)


@bp.post("/messages/<int:conversation_id>/invite")
@login_required
@message_limit
def invite(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    form = InviteForm()
    if form.validate_on_submit():
        try:
            services.invite(current_user, conv, find_by_username(form.username.data or ""))
        except PermissionDenied:
            abort(403)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="username")
        else:
            flash(_("%(name)s was added to the conversation.", name=form.username.data), "success")
            return _back(conv)
    return _render_conversation(conv, invite_form=form), 400


@bp.post("/messages/<int:conversation_id>/members-may-invite")
@login_required
def members_may_invite(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    _confirmed()
    try:
        services.set_members_may_invite(current_user, conv, request.form.get("allowed") == "1")
    except PermissionDenied:
        abort(403)
    return _back(conv)


@bp.post("/messages/<int:conversation_id>/assign")
@login_required
def assign(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    _confirmed()
    try:
        services.assign(current_user, conv, current_user)
    except PermissionDenied:
        abort(403)
    return _back(conv)


@bp.post("/messages/<int:conversation_id>/unassign")
@login_required
def unassign(conversation_id: int) -> Any:
    conv = _conversation(conversation_id)
    _confirmed()
    try:
        services.assign(current_user, conv, None)
    except PermissionDenied:
        abort(403)
    return _back(conv)


@bp.post("/messages/<int:conversation_id>/<int:number>/withdraw")
@login_required
def withdraw(conversation_id: int, number: int) -> Any:
    conv = _conversation(conversation_id)
    _confirmed()
    message = services.message_by_number(conv, number)
    if message is None:
        abort(404)
    try:
        services.withdraw_message(current_user, message)
    except PermissionDenied:
        abort(403)
    return _back(conv, f"#m{number}")


# --- blocks -------------------------------------------------------------------------------------

def _member(username: str) -> Any:
    user = find_by_username(username)
    if user is None:
        abort(404)
    return user


@bp.post("/messages/block/<username>")
@login_required
def block(username: str) -> Any:
    other = _member(username)
    _confirmed()
    try:
        services.block(current_user, other)
    except ValidationFailed as exc:
        flash(next(iter(exc.errors.values()), ""), "error")
    else:
        flash(_("%(name)s can no longer send you messages.", name=other.username), "info")
    return redirect(_next_or_profile(other))


@bp.post("/messages/unblock/<username>")
@login_required
def unblock(username: str) -> Any:
    other = _member(username)
    _confirmed()
    services.unblock(current_user, other)
    flash(_("%(name)s can send you messages again.", name=other.username), "info")
    return redirect(_next_or_profile(other))


def _next_or_profile(other: Any) -> str:
    from_conversation = request.form.get("conversation", "")
    if from_conversation.isdigit():
        return url_for("messages.conversation", conversation_id=int(from_conversation))
    return url_for("accounts.profile", username=other.username)


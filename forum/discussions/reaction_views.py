"""Reactions and bookmarks: thin views over :mod:`.reactions` and :mod:`.bookmarks`, on the
discussions blueprint.

Every form works without JavaScript: a POST, then back to the post (or to ``next``), or, for a
bookmark form with a mistake, the bookmark's own page with the errors and the text kept.
``reactions.js`` sends the same forms with ``X-Requested-With: fetch`` and swaps in the fragment
these views answer with instead of the redirect.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.accounts.permissions import can_administer
from forum.dates import absolute
from forum.errors import ValidationFailed
from forum.extensions import limiter, per_member
from forum.forms import ConfirmForm, apply_errors
from forum.urls import safe_next

from . import bookmarks, links, permissions, reactions, services
from .engagement_forms import BookmarkForm, ReactionForm, ReactionSettingsForm, reminder_choices, reminder_default
from .models import Post
from .views import bp

react_limit = limiter.limit("120 per minute", key_func=per_member("react"), methods=["POST"])
bookmark_limit = limiter.limit("60 per minute", key_func=per_member("bookmark"), methods=["POST"])


def _fetched() -> bool:
    """The request comes from reactions.js, which wants the fragment rather than a redirect."""
    return request.headers.get("X-Requested-With") == "fetch"


def _back(post: Post) -> Any:
    return redirect(safe_next(request.form.get("next"), links.post_on_page(post.topic, post.post_number)))


def _fragment(template: str, post: Post) -> str:
    reactions.forget_cached()
    return render_template(template, post=post, topic=post.topic, perms=permissions,
                           eng=reactions.load_engagement(current_user, [post])[post.id],
                           next_url=safe_next(request.form.get("next"), ""))


# --- reactions -------------------------------------------------------------------------------------

@bp.post("/posts/<int:post_id>/react")
@login_required
@react_limit
def react(post_id: int) -> Any:
    post = services.get_post(current_user, post_id)
    form = ReactionForm()
    if not form.validate_on_submit():
        abort(400)
    if not permissions.can_react(current_user, post):
        abort(403)
    try:
        reactions.react(current_user, post, form.reaction.data or "")
    except ValidationFailed as exc:
        if _fetched():
            return _fragment("discussions/_reactions.html", post), 409
        flash(exc.message, "warning")
    return _fragment("discussions/_reactions.html", post) if _fetched() else _back(post)


@bp.post("/posts/<int:post_id>/unreact")
@login_required
@react_limit
def unreact(post_id: int) -> Any:
    post = services.get_post(current_user, post_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    reactions.unreact(current_user, post)
    return _fragment("discussions/_reactions.html", post) if _fetched() else _back(post)


@bp.get("/posts/<int:post_id>/reactions")
def who_reacted(post_id: int) -> Any:
    """Who reacted: a page (linked from the post), or its list alone for the post's
    "who reacted" box (``?partial=1``, fetched by reactions.js when the box opens)."""
    post = services.get_post(current_user, post_id)
    if not permissions.can_see_reactions(current_user, post):
        abort(404)
    chosen = request.args.get("reaction") or None
    if chosen is not None and chosen not in reactions.REACTIONS:
        abort(404)
    page = reactions.who_reacted(current_user, post, cursor=request.args.get("before"), reaction=chosen)
    template = "discussions/_who_reacted.html" if request.args.get("partial") else "discussions/reactions.html"
    return render_template(template, post=post, topic=post.topic, page=page, chosen=chosen,
                           eng=reactions.load_engagement(current_user, [post])[post.id])


# --- bookmarks ---------------------------------------------------------------------------------------

@bp.route("/posts/<int:post_id>/bookmark", methods=["GET", "POST"])
@login_required
@bookmark_limit
def bookmark(post_id: int) -> Any:
    """GET: the bookmark's own page (note and reminder), where a form with a mistake lands.
    POST: save it; ``quick`` (the one-click Bookmark button) keeps a bookmark that exists."""
    post = bookmarks.get_bookmark_post(current_user, post_id)
    if not permissions.can_bookmark(current_user, post):
        abort(404)
    form = BookmarkForm()
    eng = reactions.load_engagement(current_user, [post])[post.id]
    current = eng.bookmark.remind_at if eng.bookmark is not None else None
    form.remind.choices = reminder_choices(current)
    if request.method == "GET":
        if eng.bookmark is not None:
            form.note.data = eng.bookmark.note
        form.remind.data = reminder_default(eng.bookmark)
        form.next.data = safe_next(request.args.get("next"), "")
    elif form.validate_on_submit():
        try:
            when = bookmarks.reminder_time(form.remind.data or "", zone=get_timezone(), custom=form.remind_at.data,
                                           current=current)
            bookmarks.save_bookmark(current_user, post, note=form.note.data or "", remind_at=when,
                                    keep_existing=bool(request.form.get("quick")))
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="note")
        else:
            if _fetched():
                return _fragment("discussions/_bookmark.html", post)
            if not (request.form.get("quick") and eng.bookmark is not None):  # a second click: nothing changed
                flash(_saved_message(updated=eng.bookmark is not None, when=when), "success")
            return _back(post)
    elif "csrf_token" in form.errors:
        abort(400)
    return render_template("discussions/bookmark.html", post=post, topic=post.topic, form=form, eng=eng), (
        400 if form.errors else 200)


def _saved_message(*, updated: bool, when: datetime | None) -> str:
    if updated:
        return _("Bookmark updated. We will remind you on %(when)s.", when=absolute(when)) if when else _(
            "Bookmark updated.")
    return _("Bookmarked. We will remind you on %(when)s.", when=absolute(when)) if when else _("Bookmarked.")


@bp.post("/posts/<int:post_id>/bookmark/remove")
@login_required
@bookmark_limit
def remove_bookmark(post_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    post = bookmarks.get_bookmark_post(current_user, post_id)
    if bookmarks.remove_bookmark(current_user, post.id) and not _fetched():
        flash(_("Bookmark removed."), "info")
    return _fragment("discussions/_bookmark.html", post) if _fetched() else _back(post)


@bp.get("/bookmarks")
@login_required
def bookmark_list() -> Any:
    page = bookmarks.list_bookmarks(current_user, request.args.get("before"))
    return render_template("discussions/bookmarks.html", page=page, perms=permissions)


# --- admin: which reactions are offered -------------------------------------------------------------

@bp.route("/admin/reactions", methods=["GET", "POST"])
@login_required
def admin_reactions() -> Any:
    if not can_administer(current_user):
        abort(403)
    form = ReactionSettingsForm()
    form.reactions.choices = [(r.name, r.label) for r in reactions.REACTIONS.values() if r.name != reactions.LIKE]
    if request.method == "GET":
        form.reactions.data = [name for name in reactions.offered_reactions() if name != reactions.LIKE]
    elif form.validate_on_submit():
        try:
            reactions.save_offered(current_user, form.reactions.data or [])
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="reactions")
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("discussions.admin_reactions"))
    return render_template("discussions/admin_reactions.html", form=form, catalogue=reactions.REACTIONS), (
        400 if form.errors else 200)


# --- what the templates read -----------------------------------------------------------------------

@bp.app_template_global()
def post_engagement(post: Post, page_posts: Sequence[Post] | None = None) -> reactions.Engagement:
    """The reactions, and the reader's reaction and bookmark, of ``post``; the page's posts are
    loaded with the first one (two queries a page)."""
    return reactions.engagement_of(current_user, post, page_posts)


@bp.app_template_global()
def offered_reactions() -> list[str]:
    return reactions.offered_reactions()


@bp.app_template_global("reminder_choices")
def reminder_choices_of(bookmark: Any) -> list[tuple[str, Any]]:
    """The reminder choices of a bookmark form (``bookmark``: the member's, or None)."""
    return reminder_choices(bookmark.remind_at if bookmark is not None else None)


@bp.app_template_global("reminder_default")
def reminder_default_of(bookmark: Any) -> str:
    return reminder_default(bookmark)


@bp.app_template_global()
def member_zone_name() -> str:
    zone = get_timezone()
    return str(getattr(zone, "key", None) or zone)


@bp.app_template_global()
def local_input_value(moment: datetime) -> str:
    """A moment as a datetime-local field shows it: the reader's wall clock."""
    return bookmarks.as_local(moment, get_timezone()).strftime("%Y-%m-%dT%H:%M")

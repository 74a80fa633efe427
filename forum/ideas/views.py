"""Pages of the ideas domain: boards, the "Ideas by status" page, votes, statuses, merging, export."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from forum.discussions.models import Category, Topic
from forum.discussions.permissions import can_read_category, can_see_topic
from forum.discussions.services import find_topic_ref
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db, limiter, per_member
from forum.forms import ConfirmForm, apply_errors
from forum.urls import safe_next

from . import export, listing, permissions, status, votes
from .boards import board_ids, board_of
from .forms import MergeForm, StatusForm
from .statuses import STATUSES, status_choices

bp = Blueprint("ideas", __name__)

vote_limit = limiter.limit("60 per minute", key_func=per_member("idea-vote"), methods=["POST"])
staff_limit = limiter.limit("60 per minute", key_func=per_member("idea-staff"), methods=["POST"])


def _idea_topic(topic_id: int) -> Topic:
    """A topic of a board the reader may see (404 otherwise: a place they cannot read is not confirmed)."""
    topic = db.session.get(Topic, topic_id)
    if topic is None or topic.category_id not in board_ids() or not can_see_topic(current_user, topic):
        raise NotFound()
    return topic


def _topic_url(topic: Topic) -> str:
    return url_for("discussions.topic", slug=topic.slug, topic_id=topic.id)


@bp.get("/ideas")
def index() -> Any:
    board_slug = request.args.get("board", "")
    only = request.args.get("status", "")
    boards = [c for c in db.session.scalars(select(Category).where(Category.id.in_(sorted(board_ids())))
                                            .order_by(Category.position, Category.name))
              if can_read_category(current_user, c) and c.read_access != "staff"]
    board = next((c for c in boards if c.slug == board_slug), None)
    if board_slug and board is None:
        abort(404)
    board_id = board.id if board else None
    if only and only not in STATUSES:
        abort(404)
    page = listing.of_status(current_user, only, board=board_id, cursor=request.args.get("after")) if only else None
    groups = [] if only else listing.by_status(current_user, board=board_id)
    return render_template("ideas/index.html", boards=boards, board=board, only=only, page=page, groups=groups,
                           statuses=status_choices(), can_export=permissions.can_export(current_user))


@bp.get("/ideas/<slug>")
def board(slug: str) -> Any:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None or not can_read_category(current_user, category):
        abort(404)
    board = board_of(category.id)
    if board is None:
        abort(404)
    order = request.args.get("order", "votes")
    order = order if order in listing.ORDERS else "votes"
    page = listing.board_page(current_user, category, order, request.args.get("after"))
    left = votes.votes_left(current_user, board)
    return render_template("ideas/board.html", category=category, board=board, order=order, page=page, left=left,
                           trending_days=listing.TRENDING_DAYS)


def _back_to(topic: Topic) -> Any:
    return redirect(safe_next(request.form.get("next"), _topic_url(topic)))


@bp.post("/ideas/<int:topic_id>/vote")
@login_required
@vote_limit
def vote(topic_id: int) -> Any:
    topic = _idea_topic(topic_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        votes.vote(current_user, topic)
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return _back_to(topic)
    flash(_("Thanks, your vote counts."), "success")
    return _back_to(topic)


@bp.post("/ideas/<int:topic_id>/unvote")
@login_required
@vote_limit
def unvote(topic_id: int) -> Any:
    topic = _idea_topic(topic_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        votes.unvote(current_user, topic)
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return _back_to(topic)
    flash(_("Your vote was taken back."), "success")
    return _back_to(topic)


@bp.route("/ideas/<int:topic_id>/status", methods=["GET", "POST"])
@login_required
@staff_limit
def set_status(topic_id: int) -> Any:
    topic = _idea_topic(topic_id)
    if not permissions.can_set_status(current_user, topic):
        raise PermissionDenied()
    form = StatusForm()
    form.status.choices = status_choices()
    if form.validate_on_submit():
        try:
            status.set_status(current_user, topic, form.status.data or "", form.note.data)
        except ValidationFailed as exc:
            apply_errors(form, exc)  # the note stays in the form
        else:
            flash(_("Status saved. Voters and watchers will be told."), "success")
            return redirect(_topic_url(topic))
    return render_template("ideas/status.html", topic=topic, form=form, history=status.history(topic.id)), \
        (400 if form.errors else 200)  # refused: the note the moderator typed is kept in the form


@bp.route("/ideas/<int:topic_id>/merge", methods=["GET", "POST"])
@login_required
@staff_limit
def merge(topic_id: int) -> Any:
    topic = _idea_topic(topic_id)
    if not permissions.can_start_merge(current_user, topic):
        raise PermissionDenied()
    form = MergeForm()
    if form.validate_on_submit():
        try:
            target = find_topic_ref(form.target.data or "")
            if target.category_id not in board_ids() or not can_see_topic(current_user, target):
                raise ValidationFailed({"target": _("That topic is not an idea.")})
            moved = status.merge_ideas(current_user, topic, target, form.note.data)
        except ValidationFailed as exc:
            apply_errors(form, exc, "target")
        else:
            flash(_("Merged: %(count)d votes moved to the idea.", count=moved), "success")
            return redirect(_topic_url(target))
    return render_template("ideas/merge.html", topic=topic, form=form), (400 if form.errors else 200)


@bp.get("/ideas/export.csv")
@login_required
def export_csv() -> Any:
    if not permissions.can_export(current_user):
        raise PermissionDenied()
    response = Response(stream_with_context(export.ideas_csv(current_user)), mimetype="text/csv")
    response.headers["Content-Disposition"] = "attachment; filename=ideas.csv"
    return response

"""Escalate to support (a form for staff), the staff list of escalations, resolving one."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.discussions import permissions as discussion_permissions
from forum.discussions.links import post_path
from forum.discussions.models import Post, Topic
from forum.errors import ValidationFailed
from forum.extensions import db, member_action_limit
from forum.forms import ConfirmForm, apply_errors

from . import permissions, services
from .forms import PRIORITY_LABELS, EscalationForm
from .models import EscalationStatus

bp = Blueprint("escalations", __name__)

escalation_limit = member_action_limit("RATELIMIT_ESCALATE", methods=["POST"])


def _topic_and_post(topic_id: int) -> tuple[Topic, Post | None]:
    topic = db.session.get(Topic, topic_id)
    if topic is None or not discussion_permissions.can_see_topic(current_user, topic):
        abort(404)
    if not permissions.can_escalate(current_user, topic):
        abort(403)
    post_id = request.args.get("post", type=int)
    post = db.session.get(Post, post_id) if post_id else None
    if post_id and (post is None or post.topic_id != topic.id):
        abort(404)
    return topic, post


@bp.route("/t/<int:topic_id>/escalate", methods=["GET", "POST"])
@login_required
@escalation_limit
def new(topic_id: int) -> Any:
    topic, post = _topic_and_post(topic_id)
    already = services.open_escalation(topic, post)
    form = EscalationForm()
    if form.validate_on_submit():
        try:
            services.escalate(current_user, topic, post, form.reason.data or "", form.priority.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Escalated to support. The helpdesk has been told."), "success")
            return redirect(post_path(topic, post.post_number if post is not None else 1))
    return render_template("escalations/new.html", form=form, topic=topic, post=post, already=already,
                           priorities=PRIORITY_LABELS), 400 if form.errors else 200


@bp.get("/escalations")
@login_required
def index() -> Any:
    if not permissions.can_see_escalations(current_user):
        abort(403)
    status = EscalationStatus.RESOLVED if request.args.get("status") == "resolved" else EscalationStatus.OPEN
    rows = services.recent_for(current_user, status=status)
    return render_template("escalations/index.html", escalations=rows, status=status, priorities=PRIORITY_LABELS)


@bp.post("/escalations/<int:escalation_id>/resolve")
@login_required
def resolve(escalation_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    escalation = services.get_escalation(escalation_id)
    if not permissions.can_resolve(current_user, escalation.topic):
        abort(403)
    services.resolve(current_user, escalation_id)
    flash(_("Marked resolved."), "success")
    return redirect(post_path(escalation.topic, 1))

"""Watching and reading pages on the discussions blueprint: the level controls of topics and
categories, read tracking (reading.js's POST, and the beacon for readers without JavaScript),
``/new`` and ``/unread``. Thin views over :mod:`forum.discussions.watching` and the listing
services."""

from __future__ import annotations

import base64
from typing import Any

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer

from forum.extensions import limiter, per_member
from forum.forms import ConfirmForm
from forum.text import ascii_int
from forum.urls import safe_next

from . import notices, services, watching
from .models import Topic
from .views import bp

# reading.js sends the highest post seen at most every few seconds while a member scrolls.
read_limit = limiter.limit("60 per minute;1500 per hour", key_func=per_member("read"))
level_limit = limiter.limit("30 per minute", key_func=per_member("level"))

# A transparent 1x1 GIF: what the no-JavaScript beacon answers.
_PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _beacon_signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="forum.read-beacon")


@bp.app_template_global()
def read_beacon_url(topic: Topic, post_number: int) -> str:
    """For readers without JavaScript (in ``<noscript>``): the image that marks ``topic`` read
    up to ``post_number``, signed for this member, this topic and this number, so no other
    page (and no other member) can move their read position."""
    token = _beacon_signer().dumps([current_user.id, topic.id, post_number])
    return url_for("discussions.read_beacon", topic_id=topic.id, s=token)


@bp.app_template_global()
def topic_reading_levels() -> tuple[int, ...]:
    return watching.TOPIC_LEVELS


@bp.app_template_global()
def category_reading_levels() -> tuple[int, ...]:
    return watching.CATEGORY_LEVELS


@bp.app_template_global()
def topic_reading_help(level: int) -> str:
    return watching.topic_level_help(level)


@bp.app_template_global()
def category_reading_help(level: int) -> str:
    return watching.category_level_help(level)


@bp.app_template_global()
def reading_level_name(level: int) -> str:
    return watching.level_name(level)


@bp.app_template_global()
def reading_reason(reading: watching.TopicReading) -> str:
    return watching.reason_text(reading)


@bp.get("/new")
@login_required
def new() -> Any:
    listing = services.new_topics(current_user, cursor=request.args.get("before"))
    return render_template("discussions/reading_list.html", listing=listing, which="new")


@bp.get("/unread")
@login_required
def unread() -> Any:
    listing = services.unread_topics(current_user, cursor=request.args.get("before"))
    return render_template("discussions/reading_list.html", listing=listing, which="unread")


@bp.post("/t/<int:topic_id>/read")
@login_required
@read_limit
def mark_read(topic_id: int) -> Any:
    """reading.js: ``post_number`` (the highest post number seen) with the CSRF token. 204."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    number = ascii_int(request.form.get("post_number"), digits=9)
    if number is None:
        abort(400)
    topic = services.get_topic(current_user, topic_id)
    notices.clear_read_notices(current_user, topic, number)  # committed with the read position
    watching.mark_read(current_user, topic, number)
    return "", 204


@bp.get("/t/<int:topic_id>/read.gif")
@read_limit
def read_beacon(topic_id: int) -> Any:
    """The no-JavaScript fallback: the topic page's ``<noscript>`` image marks read up to the
    last post the page shows. Only with a signature made for this member, topic and number
    (:func:`read_beacon_url`): anything else is a 404 and writes nothing."""
    try:
        user_id, signed_topic, number = _beacon_signer().loads(request.args.get("s", ""))
    except (BadSignature, ValueError, TypeError):
        abort(404)
    if not current_user.is_authenticated or user_id != current_user.id or signed_topic != topic_id \
            or not isinstance(number, int):
        abort(404)
    topic = services.get_topic(current_user, topic_id)
    notices.clear_read_notices(current_user, topic, number)  # committed with the read position
    watching.mark_read(current_user, topic, number)
    response = Response(_PIXEL, mimetype="image/gif")
    response.headers["Cache-Control"] = "no-store"
    return response


def _chosen_level(allowed: tuple[int, ...]) -> int:
    level = ascii_int(request.form.get("level"), digits=1)
    if level is None or level not in allowed:
        abort(400)
    return level


@bp.post("/t/<int:topic_id>/level")
@login_required
@level_limit
def topic_level(topic_id: int) -> Any:
    t = services.get_topic(current_user, topic_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    level = _chosen_level(tuple(int(v) for v in watching.TOPIC_LEVELS))
    watching.set_topic_level(current_user, t, level)
    flash(watching.topic_level_chosen(level), "success")
    back = url_for("discussions.topic", slug=t.slug, topic_id=t.id)
    return redirect(safe_next(request.form.get("next"), back))


@bp.post("/c/<slug>/level")
@login_required
@level_limit
def category_level(slug: str) -> Any:
    cat = services.get_category(current_user, slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    level = _chosen_level(tuple(int(v) for v in watching.CATEGORY_LEVELS))
    watching.set_category_level(current_user, cat, level)
    flash(watching.category_level_chosen(level), "success")
    return redirect(url_for("discussions.category", slug=cat.slug))

"""Tag pages: ``/tags``, ``/tag/<slug>``, the composer's suggestions, and changing a topic's tags."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.discussions import services as discussions
from forum.errors import ValidationFailed
from forum.extensions import limiter, per_member
from forum.forms import apply_errors
from forum.urls import external_url

from . import permissions, services
from .forms import TopicTagsForm

bp = Blueprint("tags", __name__)


@bp.get("/tags")
def index() -> Any:
    return render_template("tags/index.html", groups=services.tag_index(current_user))


@bp.get("/tag/<slug>")
def tag_page(slug: str) -> Any:
    tag = services.get_by_name(slug)
    if tag is None:
        abort(404)
    shown = tag.target if tag.target_id is not None and tag.target is not None else tag
    visible = services.visible_count(current_user, shown.id)
    if not visible:  # a tag on no topic this reader may read names nothing for them (nor its synonyms)
        abort(404)
    if shown.name != slug:
        return redirect(url_for("tags.tag_page", slug=shown.name), 301)
    listing = discussions.list_topics(current_user, cursor=request.args.get("before"),
                                      filters={"topic_ids": services.topics_with_tag(tag.id)})
    return render_template("tags/tag.html", tag=tag, listing=listing, visible_count=visible,
                           synonyms=services.synonyms_of([tag.id]).get(tag.id, []),
                           feed_url=external_url("feeds.tag_rss", slug=tag.name))


# The composer asks as the member types (debounced in tags.js).
suggest_limit = limiter.limit("60 per minute", key_func=per_member("tag-suggest"))


@bp.get("/tags/suggest")
@login_required
@suggest_limit
def suggest() -> Any:
    """``{"tags": [{"name", "topic_count"}], "may_create": bool}`` for what was typed (``q``)."""
    found = services.suggestions(current_user, request.args.get("q", "")[:60])
    return jsonify(tags=[{"name": t.name, "topic_count": t.topic_count} for t in found],
                   may_create=permissions.can_create_tags(current_user))


# Staff's writes are limited like other staff writes (ideas' staff tools): a stuck script or a
# stolen session cannot retag the forum at machine speed.
topic_tags_limit = limiter.limit("60 per minute", key_func=per_member("topic-tags"), methods=["POST"])


@bp.route("/t/<int:topic_id>/tags", methods=["GET", "POST"])
@login_required
@topic_tags_limit
def topic_tags(topic_id: int) -> Any:
    """Staff and moderators change a topic's tags from its page's menu."""
    topic = discussions.get_topic(current_user, topic_id)
    if not permissions.can_edit_topic_tags(current_user, topic):
        abort(403)
    form = TopicTagsForm()
    if request.method == "GET":
        form.tags.data = ", ".join(t.name for t in services.tags_for_topics([topic.id]).get(topic.id, []))
    elif form.validate_on_submit():
        try:
            changed = services.set_topic_tags(current_user, topic, form.tags.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="tags")
        else:
            if changed:
                flash(_("The topic's tags were saved."), "success")
            return redirect(url_for("discussions.topic", slug=topic.slug, topic_id=topic.id))
    return render_template("tags/topic_tags.html", topic=topic, form=form), 400 if form.errors else 200

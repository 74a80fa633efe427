"""Discussion pages: thin views over :mod:`forum.discussions.services`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.accounts.permissions import posting_block_message
from forum.errors import NotFound, ValidationFailed
from forum.extensions import limiter, member_posting_limit, per_member
from forum.forms import ConfirmForm, apply_errors
from forum.i18n_content import translated
from forum.plugins.manager import use_form_extras
from forum.registry import lookup
from forum.text import ascii_int
from forum.urls import safe_next

from . import links, permissions, services
from .forms import EditPostForm, ReplyForm, TopicForm
from .interfaces import PostFiles, TopicTags
from .models import PostState

bp = Blueprint("discussions", __name__)


# One posting allowance per member, shared with every page and the API that posts.
posting_limit = member_posting_limit()


def _blocked(exc: services.PostingBlocked, draft: dict[str, Any], back: str) -> Any:
    """Keep the draft and send the member where they can unblock themselves."""
    services.save_draft(current_user, draft["kind"], draft["key"], draft)
    if exc.reason == "coc":
        flash(_("The code of conduct changed. Please read and accept it: your message is kept."), "warning")
        return redirect(url_for("accounts.code_of_conduct", next=back))
    if exc.reason == "anonymous":
        return redirect(url_for("accounts.login", next=back))
    flash(posting_block_message(exc.reason), "warning")
    return None


def _restore_draft(kind: str, key: int | None) -> dict[str, Any] | None:
    """The member's saved draft for this form (read only: a GET never changes state); the
    template offers to discard it, and saving the post removes it."""
    draft = services.read_draft(current_user, kind, key)
    if draft:
        g.restored_draft = {"kind": kind, "key": "new" if key is None else str(key)}
    return draft


def _draft_done(kind: str, key: int | None) -> None:
    """The post is saved: its draft (if one was kept) has done its job."""
    services.discard_draft(current_user, kind, key)


def _page_arg(page: int) -> dict[str, Any]:
    """Page 1 has no ?page= so every topic has one canonical URL."""
    return {"page": page} if page > 1 else {}


@bp.get("/")
def index() -> Any:
    return render_template("discussions/index.html", categories=services.visible_categories(current_user))


@bp.get("/latest")
def latest() -> Any:
    filters = _list_filters()
    listing = services.list_topics(current_user, cursor=request.args.get("before"), filters=filters)
    return render_template("discussions/latest.html", listing=listing, filters=filters)


def _list_filters() -> dict[str, Any]:
    filters: dict[str, Any] = {}
    for key in ("official", "solved"):
        value = request.args.get(key)
        if value in ("yes", "no"):
            filters[key] = value == "yes"
    if request.args.get("tag"):  # ?tag=moka-pro (tags' rule; an unknown tag lists nothing)
        filters["topic_ids"] = lookup(TopicTags).topics_tagged(request.args["tag"][:80])
    return filters


@bp.get("/c/<slug>")
def category(slug: str) -> Any:
    cat = services.get_category(current_user, slug)
    filters = _list_filters()
    listing = services.list_topics(current_user, category=cat, cursor=request.args.get("before"),
                                   filters=filters)
    return render_template("discussions/category.html", category=cat, listing=listing, filters=filters,
                           can_start=permissions.can_start_topic(current_user, cat))


@bp.get("/t/<slug>/<int:topic_id>")
def topic(slug: str, topic_id: int) -> Any:
    t = services.get_topic(current_user, topic_id)
    page = request.args.get("page", 1, type=int) or 1
    if slug != t.slug:
        return redirect(url_for("discussions.topic", slug=t.slug, topic_id=t.id,
                                **_page_arg(page)), 301)
    result = services.topic_page(current_user, t, page)
    form = ReplyForm()
    draft = _restore_draft("reply", t.id)
    if draft:
        form.body.data = draft.get("body")
    if request.args.get("quote", type=int):
        # Quote without JavaScript is this link. The quote goes after the saved draft (which
        # the composer's autosave keeps), so quotes add up instead of replacing the text; a
        # draft that already holds this quote (the page reloaded) gets it once, not twice.
        try:
            quoted = services.get_post(current_user, request.args.get("quote", 0, type=int))
            quote = services.quote_source(current_user, quoted)
        except NotFound:
            pass
        else:
            if quote.strip() not in (form.body.data or ""):
                form.body.data = _after(form.body.data, quote)
            if quoted.topic_id == t.id:
                form.reply_to.data = str(quoted.post_number)
    return _render_topic(t, result, form)


def _after(text: str | None, addition: str) -> str:
    """``addition`` after ``text``, with a blank line between (Markdown blocks stay apart)."""
    text = (text or "").rstrip()
    return f"{text}\n\n{addition}" if text else addition


def _render_topic(t: Any, result: services.TopicPage, form: ReplyForm, preview_html: str | None = None) -> str:
    can_reply = permissions.can_reply(current_user, t)
    block = permissions.writing_block(current_user)
    return render_template("discussions/topic.html", topic=t, page=result, form=form, preview_html=preview_html,
                           can_reply=can_reply, block=block, block_message=posting_block_message,
                           # The reply box and Quote links: not for a member who could not send them.
                           can_write=can_reply and (block is None or block.lets_member_write),
                           can_post_official=permissions.can_post_official(current_user),
                           perms=permissions, action_form=ConfirmForm(), draft_page=services.page_stamp())


@bp.get("/t/<slug>/<int:topic_id>/<int:post_number>")
def post_permalink(slug: str, topic_id: int, post_number: int) -> Any:
    return redirect(links.post_on_page(services.get_topic(current_user, topic_id), post_number))


@bp.get("/p/<int:post_id>")
def post_by_id(post_id: int) -> Any:
    post = services.get_post(current_user, post_id)
    return redirect(links.post_on_page(post.topic, post.post_number))


def composer_request_limit() -> int:
    """A composer form may carry files (its file field, for browsers without script)."""
    if not current_user.is_authenticated:
        return int(current_app.config["MAX_CONTENT_LENGTH"])
    return lookup(PostFiles).request_limit(current_user)


COMPOSER_ENDPOINTS = ("discussions.reply", "discussions.new_topic", "discussions.edit_post")


def _take_form_files(form: Any) -> bool:
    """Files sent with the form itself are stored and their Markdown appended to the text (so
    a post refused for another reason keeps them); False when a file was refused."""
    try:
        added = lookup(PostFiles).form_files(current_user)
    except ValidationFailed as exc:
        apply_errors(form, exc, default_field="body")
        return False
    if added:
        form.body.data = ((form.body.data or "").rstrip() + "\n\n" + added).lstrip()
    return True


@bp.post("/t/<int:topic_id>/reply")
@login_required
@posting_limit
def reply(topic_id: int) -> Any:
    t = services.get_topic(current_user, topic_id)
    form = ReplyForm()
    if "preview" in request.form:
        # Preview without script: the page again with the text, its files (now stored) and the preview.
        preview_html = None
        if form.validate_on_submit() and _take_form_files(form):
            preview_html = services.preview(form.body.data or "", current_user)
        result = services.topic_page(current_user, t, services.page_of_post(t, t.highest_post_number))
        return _render_topic(t, result, form, preview_html), 400 if form.errors else 200
    if form.validate_on_submit() and _take_form_files(form):
        reply_to = form.reply_to.data or ""
        use_form_extras("reply")  # plugins' extra inputs (spam_guard) reach the filters
        try:
            outcome = services.create_reply(current_user, t, form.body.data or "",
                                            reply_to=ascii_int(reply_to),
                                            ip=request.remote_addr, official=bool(form.official.data))
        except services.PostingBlocked as exc:
            back = url_for("discussions.topic", slug=t.slug, topic_id=t.id, page=services.page_of_post(
                t, t.highest_post_number + 1)) + "#reply"
            response = _blocked(exc, {"kind": "reply", "key": t.id, "body": form.body.data}, back)
            if response is not None:
                return response
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="body")
        else:
            _draft_done("reply", t.id)
            if outcome.held:
                flash(_("Thanks! Your reply is awaiting approval by a moderator."), "info")
            return redirect(url_for("discussions.post_permalink", slug=t.slug, topic_id=t.id,
                                    post_number=outcome.post.post_number))
    # Re-show the last page with the text kept and the errors next to the box.
    result = services.topic_page(current_user, t, services.page_of_post(t, t.highest_post_number))
    return _render_topic(t, result, form), 400


@bp.route("/new-topic", methods=["GET", "POST"])
@login_required
@posting_limit
def new_topic() -> Any:
    readable = services.visible_categories(current_user)
    # Categories where the member may not start topics (e.g. staff-only Announcements) are not offered.
    categories = [c for c in readable if permissions.can_start_topic(current_user, c)]
    form = TopicForm()
    form.category.choices = [(c.id, translated(c, "name")) for c in categories]
    preview_html = None
    closed_category = None
    if request.method == "GET":
        closed_category = _prefill_new_topic(form, categories, readable)
    elif "preview" in request.form:
        # A preview needs only the text: a missing title must not stop it.
        if not ConfirmForm().validate_on_submit():
            abort(400)
        if _take_form_files(form):  # files chosen without script are kept (and shown) by a preview too
            preview_html = services.preview(form.body.data or "", current_user)
    elif form.validate_on_submit():
        # Readable but closed to this member: the service answers 403. Unknown: a form error.
        cat = next((c for c in readable if c.id == form.category.data), None)
        if cat is None:
            form.category.errors = [_("Choose a category you can post in.")]
        else:
            response = _create_topic(form, cat)
            if response is not None:
                return response
    block = permissions.writing_block(current_user)  # said up front, with the form's text kept
    return render_template("discussions/new_topic.html", form=form, preview_html=preview_html,
                           can_post_official=permissions.can_post_official(current_user),
                           block=block, block_message=posting_block_message,
                           can_write=bool(categories) and (block is None or block.lets_member_write),
                           no_categories=not categories, draft_page=services.page_stamp(),
                           closed_category=closed_category), (
        400 if form.errors else 200)


def _typed_tags(form: Any) -> str | None:
    """The tags field as typed; None when the form sent none (a client from before the field),
    so a topic's tags are never cleared by a form that could not show them."""
    return (form.tags.data or "") if "tags" in request.form else None


def _prefill_new_topic(form: TopicForm, categories: list[Any], readable: list[Any]) -> Any:
    """Fill the form from the member's draft or the link's ``?category=``. Answers the category
    the link named when it is readable but closed to this member's new topics (locked, or for
    staff only), so the page says so instead of quietly offering another one."""
    draft = _restore_draft("topic", None)
    if draft:
        form.category.data, form.title.data, form.body.data = (
            draft.get("category"), draft.get("title"), draft.get("body"))
        form.tags.data = draft.get("tags")
    elif request.args.get("category"):
        slug = request.args["category"]
        form.category.data = next((c.id for c in categories if c.slug == slug), None)
        if form.category.data is None:
            return next((c for c in readable if c.slug == slug), None)
    return None


def _create_topic(form: TopicForm, cat: Any) -> Any:
    """Create the topic and answer a redirect, or None to re-show the form with its errors."""
    if not _take_form_files(form):
        return None
    use_form_extras("topic")  # plugins' extra inputs (spam_guard) reach the filters
    try:
        outcome = services.create_topic(current_user, cat, form.title.data or "", form.body.data or "",
                                        ip=request.remote_addr, official=bool(form.official.data),
                                        tags=_typed_tags(form))
    except services.PostingBlocked as exc:
        return _blocked(exc, {"kind": "topic", "key": None, "category": cat.id, "title": form.title.data,
                              "body": form.body.data, "tags": form.tags.data}, url_for("discussions.new_topic"))
    except ValidationFailed as exc:
        apply_errors(form, exc, default_field="body")
        return None
    _draft_done("topic", None)
    if outcome.held:
        flash(_("Thanks! Your topic is awaiting approval by a moderator."), "info")
    t = outcome.post.topic
    return redirect(url_for("discussions.topic", slug=t.slug, topic_id=t.id))


preview_limit = limiter.limit("30 per minute", key_func=per_member("preview"))


@bp.post("/preview")
@login_required
@preview_limit
def preview() -> Any:
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    html = services.preview(request.form.get("body", ""), current_user)
    return render_template("discussions/_preview.html", html=html)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
@posting_limit
def edit_post(post_id: int) -> Any:
    post = services.get_post(current_user, post_id)
    if not permissions.can_edit_post(current_user, post):
        abort(403)
    form = EditPostForm()
    conflict = False
    if request.method == "GET":
        form.body.data = post.raw
        form.title.data = post.topic.title
        form.official.data = post.is_official
        form.language.data = post.language if post.language_chosen else services.AUTO_LANGUAGE
        form.base_revision.data = str(post.edit_count)
        if post.post_number == 1:
            form.tags.data = ", ".join(t.name for t in lookup(TopicTags).for_topics([post.topic_id]).get(
                post.topic_id, []))
    elif form.validate_on_submit() and _take_form_files(form):
        # A tick from someone who may not speak for the brand reaches the service, which refuses it (403).
        official = bool(form.official.data) if (permissions.can_post_official(current_user)
                                                or form.official.data) else None
        try:
            services.edit_post(current_user, post, form.body.data or "",
                               title=form.title.data if post.post_number == 1 else None,
                               reason=form.reason.data, official=official, language=form.language.data or None,
                               base_revision=_base_revision(form.base_revision.data),
                               tags=_typed_tags(form) if post.post_number == 1 else None)
        except services.EditConflict as exc:
            # The member's text stays in the form; the next save starts from the current version.
            conflict = True
            form.form_errors.append(exc.message)
            form.base_revision.data = str(exc.current_revision)
        except services.PostingBlocked as exc:
            response = _blocked(exc, {"kind": "edit", "key": post.id, "body": form.body.data},
                                url_for("discussions.edit_post", post_id=post.id))
            if response is not None:
                return response
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="body")
        else:
            _draft_done("edit", post.id)
            flash(_("Your changes were saved."), "success")
            return redirect(url_for("discussions.post_permalink", slug=post.topic.slug,
                                    topic_id=post.topic_id, post_number=post.post_number))
    draft = _restore_draft("edit", post.id) if request.method == "GET" else None
    if draft:
        form.body.data = draft.get("body")
    return render_template("discussions/edit_post.html", form=form, post=post, conflict=conflict,
                           can_post_official=permissions.can_post_official(current_user)), (
        409 if conflict else 400 if form.errors or form.form_errors else 200)


def _base_revision(value: str | None) -> int | None:
    """The form's revision; None (no check) for a form from before the field existed."""
    return ascii_int(value, digits=9)


@bp.post("/drafts/<kind>/<key>/discard")
@login_required
def discard_draft(kind: str, key: str) -> Any:
    """Throw away a restored draft (the form then shows what it would without it)."""
    if services.draft_place(kind) is None or not (key == "new" or ascii_int(key)):
        abort(404)
    # The member's own draft only (by member, kind and key): nothing to check about the place.
    if ConfirmForm().validate_on_submit():
        services.discard_draft(current_user, kind, ascii_int(key))
        flash(_("Draft discarded."), "info")
    return redirect(safe_next(request.form.get("next"), url_for("discussions.index")))


# Autosave runs every few seconds while a member types (composer.js, debounced): per account,
# with room for a long writing session, and far below what would let one account fill the disk.
autosave_limit = limiter.limit("20 per minute;400 per hour", key_func=per_member("draft"))


@bp.post("/drafts/<kind>/<key>")
@login_required
@autosave_limit
def autosave_draft(kind: str, key: str) -> Any:
    """The composer's autosave into a registered draft place (``reply/<topic id>``,
    ``topic/new``, and the places other domains add: ``message/<conversation id>``…), with the
    page's ``page`` (its server time) and ``seq``. Answers JSON ``{"saved": bool, "message": str}``:
    200 (saved, or removed because the form is empty), 400 with the reason (too long: the text
    stays in the browser), 409 with ``"stale": true`` when a newer save is kept (or the member
    posted there since the page was rendered), 404 where the member may not write (403 for a
    place they read but may not write, like a locked topic)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    place = services.draft_place(kind)
    if place is None or not place.autosaved or not (key == "new" or ascii_int(key)):
        abort(404)
    place_key = ascii_int(key)
    if not place.may_write(current_user, place_key):
        abort(404)
    try:
        kept = services.autosave_draft(current_user, kind, place_key, request.form.to_dict())
    except services.DraftOutdated as exc:
        return jsonify(saved=False, stale=True, message=exc.message), 409
    except ValidationFailed as exc:
        return jsonify(saved=False, message=exc.message), 400
    return jsonify(saved=kept, message=_("Draft saved") if kept else "")


@bp.get("/posts/<int:post_id>/quote")
@login_required
def quote_post(post_id: int) -> Any:
    """What the composer inserts for Quote (the no-JavaScript link reloads the topic instead):
    ``{"markdown": the whole post quoted, "open": "[quote=…]", "close": "[/quote]"}``; the
    composer wraps a selection of the post's text in ``open``/``close`` instead."""
    post = services.get_post(current_user, post_id)
    if not permissions.can_quote(current_user, post):
        abort(404 if not permissions.can_see_post_body(current_user, post) else 403)
    opening, _raw, closing = services.quote_parts(current_user, post)
    return jsonify(markdown=services.quote_source(current_user, post), open=opening, close=closing,
                   post_number=post.post_number)


@bp.post("/posts/<int:post_id>/withdraw")
@login_required
def withdraw_post(post_id: int) -> Any:
    post = services.get_post(current_user, post_id)
    if ConfirmForm().validate_on_submit():
        services.withdraw_post(current_user, post)
        flash(_("Your post was withdrawn. You can restore it."), "info")
    return redirect(url_for("discussions.post_permalink", slug=post.topic.slug, topic_id=post.topic_id,
                            post_number=post.post_number))


@bp.post("/posts/<int:post_id>/unwithdraw")
@login_required
def restore_post(post_id: int) -> Any:
    post = services.get_post(current_user, post_id)
    if ConfirmForm().validate_on_submit():
        services.restore_withdrawn_post(current_user, post)
    return redirect(url_for("discussions.post_permalink", slug=post.topic.slug, topic_id=post.topic_id,
                            post_number=post.post_number))


@bp.get("/posts/<int:post_id>/revisions")
def post_revisions(post_id: int) -> Any:
    post = services.get_post(current_user, post_id)
    if not permissions.can_see_post_body(current_user, post):
        abort(404)
    revs = services.revisions(current_user, post)
    return render_template("discussions/revisions.html", post=post, revisions=revs)


@bp.app_template_global()
def post_state_label(post: Any) -> str:
    return {
        PostState.PENDING: _("Awaiting approval"),
        PostState.REJECTED: _("Rejected"),
        PostState.HIDDEN: _("Hidden"),
        PostState.DELETED: _("Withdrawn by author") if post.is_withdrawn_by_author else _("Removed"),
    }.get(post.state, "")

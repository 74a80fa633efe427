"""Moderation pages: the review queue (/review), post and topic tools, sanctions, bans and the
audit log (moderation settings: :mod:`.settings_views`). Thin views over
:mod:`forum.moderation.services`.

Every staff route checks ``permissions`` first (a member gets 403) and the service checks
again, so a rule lives in one place and no path skips it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from typing import Any

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.accounts.ignores import ignored_user_ids
from forum.accounts.models import PERMANENT, Role
from forum.accounts.permissions import is_silenced, is_suspended
from forum.accounts.services import get_user_or_404
from forum.dates import from_viewer_zone
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Category
from forum.errors import ValidationFailed
from forum.extensions import db, member_action_limit, member_posting_limit
from forum.forms import apply_errors
from forum.pagination import decode_id
from forum.text import ascii_int
from forum.urls import safe_next

from . import permissions, services, settings_views  # noqa: F401 - settings_views declares more of bp's routes
from .blueprint import bp
from .forms import (
    ActionForm,
    BanForm,
    BulkForm,
    EditApproveForm,
    FlagForm,
    MergeForm,
    MoveForm,
    NoteForm,
    PinForm,
    RejectForm,
    ResubmitForm,
    RoleForm,
    SanctionForm,
    SplitForm,
)
from .models import ReviewKind, ReviewReason, SanctionKind

# One posting allowance per member, shared with every page and the API that posts.
posting_limit = member_posting_limit()
flag_limit = member_action_limit("RATELIMIT_FLAG", methods=["POST"])


def moderator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Signed in (else the login page) and a moderator (else 403)."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if not permissions.can_moderate(current_user):
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def _back(default: str) -> Any:
    return redirect(safe_next(request.form.get("next") or request.args.get("next"), default))


def _error(exc: ValidationFailed) -> None:
    for message in exc.errors.values():
        flash(message, "error")


# --- template helpers ---------------------------------------------------------------------------

class TemplateHelpers:
    """``mod`` in templates: cheap, request-cached lookups (no query in a loop)."""

    perms = permissions
    kinds = list(ReviewKind)
    durations = services.DURATION_LABELS

    def counts(self) -> dict[str, int]:
        return services.queue_counts(current_user)

    def total(self) -> int:
        return sum(self.counts().values())

    def ignored(self) -> set[int]:
        return ignored_user_ids(current_user)

    def flagged(self, topic_id: int) -> set[int]:
        return services.flagged_post_ids(current_user, topic_id)

    def flag_reasons(self) -> list[tuple[str, str]]:
        return services.flag_reason_choices()

    def categories(self) -> list[Category]:
        return services.moderator_categories(current_user)

    def kind_label(self, kind: str, one: bool = False) -> str:
        return services.review_kind_label(kind, one=one)

    def reason_label(self, code: str) -> str:
        return services.review_reason_label(code)

    def flag_label(self, key: str) -> str:
        return services.flag_reason_label(key)

    def silenced(self, user: Any) -> bool:
        return bool(user) and is_silenced(user)

    def suspended(self, user: Any) -> bool:
        return bool(user) and is_suspended(user)

    def permanent(self, when: datetime | None) -> bool:
        return bool(when and when >= PERMANENT)

    def record(self, user: Any) -> services.MemberRecord:
        return services.member_record(current_user, user)

    def questions(self) -> list[str]:
        return services.application_question_labels()

    def claimer(self, item: Any) -> int | None:
        return services.active_claimer_id(item)

    def claim_until(self, item: Any) -> datetime | None:
        return services.claim_expires_at(item)

    def subject_template(self, kind: str) -> str:
        subject = services.review_subject(kind)
        return subject.template if subject else "moderation/_unknown_subject.html"


@bp.app_context_processor
def inject_helpers() -> dict[str, Any]:
    return {"mod": TemplateHelpers()}


# --- the review queue ------------------------------------------------------------------------------

def _reject_form() -> RejectForm:
    form = RejectForm()
    form.reason_key.choices = [("", _("Written reason below"))] + services.rejection_reason_choices()
    return form


@bp.get("/review")
@moderator_required
def queue() -> Any:
    filters = services.QueueFilters(kind=request.args.get("kind") or None,
                                    category_id=request.args.get("category", type=int),
                                    reason=request.args.get("reason") or None,
                                    age=request.args.get("age") or None, after=request.args.get("after"))
    page = services.review_queue(current_user, filters)
    bulk = BulkForm()
    bulk.reason_key.choices = [("", _("Reason for rejecting…"))] + services.rejection_reason_choices()
    return render_template("moderation/queue.html", page=page, reject_form=_reject_form(), bulk_form=bulk,
                           action_form=ActionForm(), sanction_form=SanctionForm(), reasons=list(ReviewReason),
                           categories=services.moderator_categories(current_user))


def _item_action(item_id: int, action: Callable[[Any], None], done: str) -> Any:
    item = services.get_item(current_user, item_id)
    try:
        action(item)
    except ValidationFailed as exc:
        _error(exc)
    else:
        flash(done, "success")
    return _back(url_for("moderation.queue"))


@bp.post("/review/<int:item_id>/claim")
@moderator_required
def claim(item_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    return _item_action(item_id, lambda item: services.claim_item(current_user, item),
                        _("You claimed this item for %(n)d minutes.", n=services.claim_minutes()))


@bp.post("/review/<int:item_id>/release")
@moderator_required
def release(item_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    return _item_action(item_id, lambda item: services.release_item(current_user, item), _("Claim released."))


@bp.post("/review/<int:item_id>/approve")
@moderator_required
def approve(item_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    return _item_action(item_id, lambda item: services.approve_item(current_user, item), _("Approved."))


@bp.post("/review/<int:item_id>/reject")
@moderator_required
def reject(item_id: int) -> Any:
    form = _reject_form()
    if not form.validate_on_submit():
        abort(400)
    return _item_action(item_id, lambda item: services.reject_item(current_user, item, form.reason_key.data or "",
                                                                   form.text.data or ""), _("Rejected."))


@bp.post("/review/<int:item_id>/delete")
@moderator_required
def delete(item_id: int) -> Any:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    return _item_action(item_id, lambda item: services.delete_item(current_user, item, form.reason.data or ""),
                        _("The post was removed. It can be restored from the topic."))


@bp.post("/review/<int:item_id>/flags/<outcome>")
@moderator_required
def flags(item_id: int, outcome: str) -> Any:
    form = ActionForm()
    if not form.validate_on_submit() or outcome not in ("agree", "disagree", "ignore"):
        abort(400)
    return _item_action(item_id, lambda item: services.resolve_flag_item(current_user, item, outcome,
                                                                         form.reason.data or ""),
                        _("Flags reviewed. The flaggers were told."))


@bp.route("/review/<int:item_id>/edit", methods=["GET", "POST"])
@moderator_required
def edit_item(item_id: int) -> Any:
    item = services.get_item(current_user, item_id)
    if item.post is None or item.kind not in (ReviewKind.TOPIC, ReviewKind.REPLY):
        abort(404)
    form = EditApproveForm()
    if request.method == "GET":
        form.body.data = item.post.raw
        form.title.data = item.post.topic.title
    elif form.validate_on_submit():
        try:
            services.edit_and_approve(current_user, item, form.body.data or "", title=form.title.data,
                                      reason=form.reason.data)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="body")
        else:
            flash(_("Edited and approved. The author was told."), "success")
            return redirect(url_for("moderation.queue"))
    return render_template("moderation/edit_item.html", item=item, form=form), (400 if form.errors else 200)


@bp.post("/review/bulk")
@moderator_required
def bulk() -> Any:
    form = BulkForm()
    form.reason_key.choices = [("", "")] + services.rejection_reason_choices()
    if not form.validate_on_submit():
        abort(400)
    ids = [n for n in (ascii_int(i) for i in request.form.getlist("item_ids")) if n is not None]
    try:
        result = services.bulk_review(current_user, ids, request.form.get("action", ""),
                                      form.reason_key.data or "", form.text.data or "")
    except ValidationFailed as exc:
        _error(exc)
    else:
        flash(_("%(done)d done, %(skipped)d skipped (claimed by someone else or already reviewed).",
                done=result.done, skipped=result.skipped), "success" if not result.skipped else "warning")
    return _back(url_for("moderation.queue"))


# --- posts -------------------------------------------------------------------------------------------

def _permalink(post: Any) -> str:
    return url_for("discussions.post_by_id", post_id=post.id)


@bp.post("/posts/<int:post_id>/flag")
@login_required
@flag_limit
def flag(post_id: int) -> Any:
    post = discussions.get_post(current_user, post_id)
    if not permissions.can_flag(current_user, post):
        abort(403)
    form = FlagForm()
    form.reason.choices = services.flag_reason_choices()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.flag_post(current_user, post, form.reason.data or "", form.text.data or "")
    except ValidationFailed as exc:
        _error(exc)
    else:
        flash(_("Thanks: the moderators will look at this post."), "success")
    return redirect(_permalink(post))


def _post_tool(post_id: int, action: Callable[[Any, str], None], done: str) -> Any:
    post = discussions.get_post(current_user, post_id)
    if not permissions.can_act_on_post(current_user, post):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        action(post, form.reason.data or "")
    except ValidationFailed as exc:
        _error(exc)
    else:
        flash(done, "success")
    return _back(_permalink(post))


@bp.post("/moderation/posts/<int:post_id>/hide")
@moderator_required
def hide_post(post_id: int) -> Any:
    return _post_tool(post_id, lambda post, reason: services.hide_post(current_user, post, reason),
                      _("The post is hidden."))


@bp.post("/moderation/posts/<int:post_id>/restore")
@moderator_required
def restore_post(post_id: int) -> Any:
    return _post_tool(post_id, lambda post, reason: services.restore_post(current_user, post, reason),
                      _("The post is visible again."))


@bp.post("/moderation/posts/<int:post_id>/delete")
@moderator_required
def delete_post(post_id: int) -> Any:
    return _post_tool(post_id, lambda post, reason: services.delete_post(current_user, post, reason),
                      _("The post was removed. It can be restored."))


@bp.route("/posts/<int:post_id>/resubmit", methods=["GET", "POST"])
@login_required
@posting_limit
def resubmit(post_id: int) -> Any:
    post = discussions.get_post(current_user, post_id)
    if not permissions.can_resubmit(current_user, post):
        abort(403)
    form = ResubmitForm()
    if request.method == "GET":
        form.body.data = post.raw
        form.title.data = post.topic.title
    elif form.validate_on_submit():
        try:
            services.resubmit_post(current_user, post, form.body.data or "",
                                   title=form.title.data if post.post_number == 1 else None)
        except discussions.PostingBlocked:
            form.form_errors.append(_("You cannot post right now."))
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="body")
        else:
            flash(_("Thanks! Your post is back in the moderators' queue."), "success")
            return redirect(_permalink(post))
    return render_template("moderation/resubmit.html", post=post, form=form), (400 if form.errors else 200)


# --- topics ----------------------------------------------------------------------------------------

def _topic_tool(topic_id: int, form: Any, action: Callable[[Any], Any], done: str) -> Any:
    topic = discussions.get_topic(current_user, topic_id)
    if not permissions.can_act_on_topic(current_user, topic):
        abort(403)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(str(message), "error")
        return redirect(url_for("discussions.topic", slug=topic.slug, topic_id=topic.id))
    try:
        result = action(topic)
    except ValidationFailed as exc:
        _error(exc)
        result = None
    else:
        flash(done, "success")
    target = result if result is not None and hasattr(result, "slug") else topic
    return redirect(url_for("discussions.topic", slug=target.slug, topic_id=target.id))


@bp.post("/moderation/topics/<int:topic_id>/lock")
@moderator_required
def lock(topic_id: int) -> Any:
    form = ActionForm()
    return _topic_tool(topic_id, form, lambda t: discussions.lock_topic(current_user, t, True, form.reason.data or ""),
                       _("Topic locked."))


@bp.post("/moderation/topics/<int:topic_id>/unlock")
@moderator_required
def unlock(topic_id: int) -> Any:
    form = ActionForm()
    return _topic_tool(topic_id, form, lambda t: discussions.lock_topic(current_user, t, False, form.reason.data or ""),
                       _("Topic unlocked."))


@bp.post("/moderation/topics/<int:topic_id>/pin")
@moderator_required
def pin(topic_id: int) -> Any:
    form = PinForm()
    return _topic_tool(topic_id, form, lambda t: discussions.pin_topic(
        current_user, t, from_viewer_zone(form.until.data), globally=form.scope.data == "everyone"), _("Topic pinned."))


@bp.post("/moderation/topics/<int:topic_id>/unpin")
@moderator_required
def unpin(topic_id: int) -> Any:
    form = ActionForm()
    return _topic_tool(topic_id, form, lambda t: discussions.unpin_topic(current_user, t, form.reason.data or ""),
                       _("Topic unpinned."))


def _category(category_id: int | None) -> Category:
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        raise ValidationFailed({"category": _("Choose a category.")})
    return category


@bp.post("/moderation/topics/<int:topic_id>/move")
@moderator_required
def move(topic_id: int) -> Any:
    form = MoveForm()
    return _topic_tool(topic_id, form, lambda t: discussions.move_topic(current_user, t, _category(form.category.data),
                                                                     form.reason.data or ""), _("Topic moved."))


@bp.post("/moderation/topics/<int:topic_id>/split")
@moderator_required
def split(topic_id: int) -> Any:
    form = SplitForm()
    ids = [n for n in (ascii_int(i) for i in request.form.getlist("post_ids")) if n is not None]
    return _topic_tool(topic_id, form, lambda t: discussions.split_topic(
        current_user, t, ids, form.title.data or "", _category(form.category.data) if form.category.data else None),
        _("The selected replies are now a new topic."))


@bp.post("/moderation/topics/<int:topic_id>/merge")
@moderator_required
def merge(topic_id: int) -> Any:
    form = MergeForm()
    return _topic_tool(topic_id, form, lambda t: discussions.merge_topic(
        current_user, t, discussions.find_topic_ref(form.target.data or "")), _("Topics merged."))


# --- members -------------------------------------------------------------------------------------------

def _member_tool(username: str, form: Any, action: Callable[[Any], object], done: str) -> Any:
    user = get_user_or_404(username)
    if not form.validate_on_submit():
        abort(400)
    try:
        action(user)
    except ValidationFailed as exc:
        _error(exc)
    else:
        flash(done, "success")
    return _back(url_for("accounts.profile", username=user.username))


@bp.post("/moderation/users/<username>/warn")
@moderator_required
def warn(username: str) -> Any:
    form = SanctionForm()
    return _member_tool(username, form, lambda u: services.warn_user(current_user, u, form.reason.data or "",
                                                                     form.note.data or ""),
                        _("Warning sent. The member must acknowledge it before posting."))


@bp.post("/moderation/users/<username>/silence")
@moderator_required
def silence(username: str) -> Any:
    form = SanctionForm()
    return _member_tool(username, form, lambda u: services.silence_user(
        current_user, u, _silence_duration(form.duration.data or ""), form.reason.data or "", form.note.data or ""),
        _("The member is read-only for now."))


def _silence_duration(key: str) -> timedelta:
    duration = services.parse_duration(key, allow_permanent=False)
    assert duration is not None  # "permanent" was refused above
    return duration


@bp.post("/moderation/users/<username>/suspend")
@moderator_required
def suspend(username: str) -> Any:
    form = SanctionForm()
    return _member_tool(username, form, lambda u: services.suspend_user(
        current_user, u, services.parse_duration(form.duration.data or "", allow_permanent=True),
        form.reason.data or "", form.note.data or ""), _("The member is suspended."))


@bp.post("/moderation/users/<username>/unsilence")
@moderator_required
def unsilence(username: str) -> Any:
    form = ActionForm()
    return _member_tool(username, form, lambda u: services.lift_silence(current_user, u, form.reason.data or ""),
                        _("The member can post again."))


@bp.post("/moderation/users/<username>/unsuspend")
@moderator_required
def unsuspend(username: str) -> Any:
    form = ActionForm()
    return _member_tool(username, form, lambda u: services.lift_suspension(current_user, u, form.reason.data or ""),
                        _("The suspension was lifted."))


@bp.post("/moderation/users/<username>/note")
@moderator_required
def note(username: str) -> Any:
    form = NoteForm()
    return _member_tool(username, form, lambda u: services.add_staff_note(current_user, u, form.body.data or ""),
                        _("Note saved."))


@bp.post("/moderation/users/<username>/role")
@login_required
def role(username: str) -> Any:
    if not current_user.is_admin:
        abort(403)
    form = RoleForm()
    form.role.choices = [(r.value, r.value) for r in Role]
    return _member_tool(username, form, lambda u: services.set_role(current_user, u, form.role.data or ""),
                        _("Role changed."))


@bp.get("/moderation/me")
@login_required
def my_status() -> Any:
    return render_template("moderation/my_status.html", warnings=services.pending_warnings(current_user),
                           silence=services.active_sanction(current_user, SanctionKind.SILENCE)
                           if current_user.silenced_until and current_user.silenced_until > utcnow() else None,
                           form=ActionForm())


@bp.post("/moderation/warnings/<int:sanction_id>/acknowledge")
@login_required
def acknowledge(sanction_id: int) -> Any:
    if not ActionForm().validate_on_submit():
        abort(400)
    services.acknowledge_warning(current_user, sanction_id)
    flash(_("Thank you. You can post again."), "success")
    return _back(url_for("moderation.my_status"))


# --- bans, audit log (settings: settings_views) -------------------------------------------------------------------

@bp.route("/moderation/bans", methods=["GET", "POST"])
@login_required
def bans() -> Any:
    if not permissions.can_manage_bans(current_user):
        abort(403)
    form = BanForm()
    if form.validate_on_submit():
        try:
            services.add_ban(current_user, form.kind.data or "", form.value.data or "", form.reason.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="value")
        else:
            flash(_("Saved: registrations matching it are refused."), "success")
            return redirect(url_for("moderation.bans"))
    return render_template("moderation/bans.html", form=form, bans=services.active_bans(current_user),
                           action_form=ActionForm()), (400 if form.errors else 200)


@bp.post("/moderation/bans/<int:ban_id>/lift")
@login_required
def lift_ban(ban_id: int) -> Any:
    if not permissions.can_manage_bans(current_user):
        abort(403)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    services.lift_ban(current_user, ban_id, form.reason.data or "")
    flash(_("Ban lifted."), "success")
    return redirect(url_for("moderation.bans"))


def _audit_filters() -> services.AuditFilters:
    def day(name: str) -> date | None:
        try:
            return date.fromisoformat(request.args.get(name, ""))
        except ValueError:
            return None

    return services.AuditFilters(actor=(request.args.get("actor") or "").strip()[:64],
                                 action=(request.args.get("action") or "").strip()[:64],
                                 target_type=(request.args.get("target_type") or "").strip()[:32],
                                 target_id=request.args.get("target_id", type=int),
                                 since=day("since"), until=day("until"))


@bp.get("/moderation/audit")
@login_required
def audit() -> Any:
    if not permissions.can_view_audit_log(current_user):
        abort(403)
    filters = _audit_filters()
    page = services.audit_page(current_user, filters, before=decode_id(request.args.get("before")))
    return render_template("moderation/audit.html", page=page, filters=filters)


@bp.get("/moderation/audit.csv")
@login_required
def audit_csv() -> Any:
    if not permissions.can_view_audit_log(current_user):
        abort(403)
    rows = services.audit_csv(current_user, _audit_filters())
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="audit-{stamp}.csv"'})

"""Staff pages: admin for groups, members and expert badges; the staff signature settings;
accepted answers; the staff response page. Thin views over :mod:`forum.staff.services`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum import dates
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.links import post_on_page
from forum.errors import ValidationFailed
from forum.extensions import limiter, per_member
from forum.forms import apply_errors

from . import permissions, services
from .forms import AddMemberForm, ConfirmForm, ExpertForm, GroupForm, StaffProfileForm

bp = Blueprint("staff", __name__)


# --- template helpers ---------------------------------------------------------------------------

bp.add_app_template_global(services.primary_group, "staff_primary_group")
bp.add_app_template_global(services.staff_groups, "staff_groups_of")
bp.add_app_template_global(services.expert_badges, "expert_badges_of")
bp.add_app_template_global(services.staff_title, "staff_title")
bp.add_app_template_global(services.sign_off, "staff_sign_off")
bp.add_app_template_global(services.accepted_answer, "accepted_answer")
bp.add_app_template_global(services.time_to_first_staff_reply, "time_to_first_staff_reply")
bp.add_app_template_global(services.time_to_first_official_reply, "time_to_first_official_reply")
bp.add_app_template_global(permissions.can_view_response_times, "can_view_response_times")
bp.add_app_template_filter(dates.duration, "duration")


# --- admin: groups, members, expert badges ----------------------------------------------------------

def admin_only(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not permissions.can_manage_staff(current_user):
            abort(403 if current_user.is_authenticated else 404)
        return view(*args, **kwargs)

    return wrapper


def _confirmed() -> bool:
    return bool(ConfirmForm().validate_on_submit())


@bp.get("/admin/staff")
@admin_only
def groups() -> Any:
    return render_template("staff/admin_groups.html", groups=services.list_groups())


@bp.route("/admin/staff/groups/new", methods=["GET", "POST"])
@bp.route("/admin/staff/groups/<int:group_id>", methods=["GET", "POST"])
@admin_only
def group_form(group_id: int | None = None) -> Any:
    group = services.get_group(group_id) if group_id else None
    form = GroupForm(obj=group if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            group = services.save_group(current_user, group, {k: form[k].data for k in (
                "name", "label", "color", "icon", "default_title", "position")})
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("The staff group was saved."), "success")
            return redirect(url_for("staff.group_form", group_id=group.id))
    members = services.group_members(group) if group else []
    return render_template("staff/admin_group_form.html", form=form, group=group, members=members,
                           member_form=AddMemberForm(prefix="m"), action_form=ConfirmForm()), (
        400 if form.errors else 200)


@bp.post("/admin/staff/groups/<int:group_id>/delete")
@admin_only
def delete_group(group_id: int) -> Any:
    group = services.get_group(group_id)
    if _confirmed():
        services.delete_group(current_user, group)
        flash(_("The staff group was deleted."), "success")
    return redirect(url_for("staff.groups"))


@bp.post("/admin/staff/groups/<int:group_id>/members")
@admin_only
def add_member(group_id: int) -> Any:
    group = services.get_group(group_id)
    form = AddMemberForm(prefix="m")
    if form.validate_on_submit():
        try:
            user = services.find_user(form.username.data or "")
            services.add_member(current_user, group, user, primary=bool(form.primary.data))
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="username")
        else:
            flash(_("%(name)s joined %(group)s.", name=user.display_name, group=group.name), "success")
            return redirect(url_for("staff.group_form", group_id=group.id))
    return render_template("staff/admin_group_form.html", form=GroupForm(obj=group), group=group,
                           members=services.group_members(group), member_form=form,
                           action_form=ConfirmForm()), 400


@bp.post("/admin/staff/memberships/<int:membership_id>/remove")
@admin_only
def remove_member(membership_id: int) -> Any:
    membership = services.get_membership(membership_id)
    group_id = membership.group_id
    if _confirmed():
        services.remove_member(current_user, membership)
        flash(_("The member was removed from the group."), "success")
    return redirect(url_for("staff.group_form", group_id=group_id))


@bp.post("/admin/staff/memberships/<int:membership_id>/primary")
@admin_only
def make_primary(membership_id: int) -> Any:
    membership = services.get_membership(membership_id)
    if _confirmed():
        services.set_primary(current_user, membership)
    return redirect(url_for("staff.group_form", group_id=membership.group_id))


@bp.route("/admin/staff/experts", methods=["GET", "POST"])
@admin_only
def experts() -> Any:
    form = ExpertForm()
    if form.validate_on_submit():
        try:
            user = services.find_user(form.username.data or "")
            services.grant_expert(current_user, user, label=form.label.data, note=form.note.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="username")
        else:
            flash(_("%(name)s received the badge.", name=user.display_name), "success")
            return redirect(url_for("staff.experts"))
    return render_template("staff/admin_experts.html", form=form, badges=services.list_experts(),
                           action_form=ConfirmForm()), (400 if form.errors else 200)


@bp.post("/admin/staff/experts/<int:badge_id>/revoke")
@admin_only
def revoke_expert(badge_id: int) -> Any:
    badge = services.get_expert_badge(badge_id)
    if _confirmed():
        services.revoke_expert(current_user, badge)
        flash(_("The badge was removed."), "success")
    return redirect(url_for("staff.experts"))


@bp.get("/admin/staff/members")
@admin_only
def members() -> Any:
    show = request.args.get("show", "all")
    show = show if show in ("all", "staff", "experts", "new") else "all"
    page = services.member_list(current_user, show=show, after=request.args.get("after") or None)
    return render_template("staff/admin_members.html", page=page, show=show)


# --- staff signature (title, initials, primary badge) -----------------------------------------

@bp.route("/settings/staff", methods=["GET", "POST"])
@login_required
def staff_settings() -> Any:
    if not permissions.can_edit_staff_profile(current_user):
        abort(403)
    groups = services.staff_groups(current_user)
    form = StaffProfileForm(obj=current_user if request.method == "GET" else None)
    form.primary_group.choices = [(g.id, g.name) for g in groups]
    if request.method == "GET" and groups:
        form.primary_group.data = groups[0].id
    if form.validate_on_submit():
        try:
            services.update_staff_profile(current_user, title=form.title.data,
                                          initials=form.signature_initials.data,
                                          primary_group_id=form.primary_group.data or None)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="title")
        else:
            flash(_("Your staff signature was saved."), "success")
            return redirect(url_for("staff.staff_settings"))
    return render_template("staff/settings.html", form=form, groups=groups), (400 if form.errors else 200)


# --- accepted answers ---------------------------------------------------------------------------

solution_limit = limiter.limit("30/minute", methods=["POST"],
                               key_func=per_member("user"))


@bp.post("/posts/<int:post_id>/solution")
@login_required
@solution_limit
def mark_solution(post_id: int) -> Any:
    post = discussions.get_post(current_user, post_id)
    if _confirmed():
        services.mark_solution(current_user, post)
        flash(_("Marked as the solution."), "success")
    return redirect(post_on_page(post.topic, post.post_number))


@bp.post("/t/<int:topic_id>/solution/remove")
@login_required
@solution_limit
def unmark_solution(topic_id: int) -> Any:
    topic = discussions.get_topic(current_user, topic_id)
    if _confirmed():
        services.unmark_solution(current_user, topic)
        flash(_("The topic is no longer marked as solved."), "info")
    return redirect(url_for("discussions.topic", slug=topic.slug, topic_id=topic.id))


# --- staff response times -------------------------------------------------------------------------

@bp.get("/staff/responses")
@login_required
def responses() -> Any:
    if not permissions.can_view_response_times(current_user):
        abort(403)
    category_id = request.args.get("category", type=int) or None
    awaiting = services.awaiting_staff_response(current_user, category_id=category_id,
                                                cursor=request.args.get("after"))
    figures = services.response_figures(current_user, category_id=category_id)
    points = services.weekly_series(current_user, category_id=category_id)
    chart = services.build_chart(points, [format_date(p.start, "d MMM") for p in points])
    return render_template("staff/responses.html", awaiting=awaiting, figures=figures, chart=chart,
                           categories=services.staff_categories(current_user), category_id=category_id,
                           now=utcnow())

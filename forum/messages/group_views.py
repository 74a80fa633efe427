"""Staff groups' inboxes: the public contact page, a group's list for its members, and the
admin's page that opens an inbox. Routes on the messages blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.errors import ValidationFailed
from forum.forms import apply_errors
from forum.staff.services import get_group, list_groups

from . import permissions, services
from .forms import InboxForm
from .views import bp


@bp.get("/contact")
def contact() -> Any:
    """Who to write to: every open staff inbox, with its description and a button."""
    return render_template("messages/contact.html", inboxes=services.open_inboxes())


@bp.get("/messages/group/<name>")
@login_required
def group_inbox(name: str) -> Any:
    group = services.group_by_name(name)
    if group is None or not permissions.in_group(current_user, group.id):
        abort(404)
    page = services.group_inbox(current_user, group, request.args.get("cursor"))
    return render_template("messages/group_inbox.html", group=group, page=page,
                           inbox=services.inbox_of(group))


@bp.get("/admin/messages/inboxes")
@login_required
def admin_inboxes() -> Any:
    """Every staff group and whether members can message it (admins only: the /admin guard)."""
    inboxes = {inbox.group_id: inbox for _group, inbox in services.all_inboxes()}
    return render_template("messages/admin_inboxes.html", groups=list_groups(), inboxes=inboxes)


@bp.route("/admin/messages/inboxes/<int:group_id>", methods=["GET", "POST"])
@login_required
def admin_inbox(group_id: int) -> Any:
    group = get_group(group_id)
    inbox = services.inbox_of(group)
    form = InboxForm()
    if request.method == "GET" and inbox is not None:
        form.enabled.data = inbox.enabled
        form.description.data = inbox.description
    elif request.method == "POST" and form.validate_on_submit():
        try:
            services.configure_inbox(current_user, group, enabled=bool(form.enabled.data),
                                     description=form.description.data or "")
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("messages.admin_inboxes"))
    return render_template("messages/admin_inbox.html", group=group, form=form), 400 if form.errors else 200

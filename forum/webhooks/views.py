"""Admin → Webhooks: endpoints, their delivery log, test pings and redelivery.

Every route is under /admin, so the admin blueprint's ``require_admin`` guards it too; each
view also checks ``can_manage_webhooks`` (the one rule, in permissions.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.errors import ValidationFailed
from forum.forms import ConfirmForm, apply_errors
from forum.pagination import decode_id

from . import services
from .events import EVENTS, PING, STATE_LABELS
from .forms import EndpointForm
from .permissions import can_manage_webhooks
from .refusals import failure_reason
from .services import EndpointInput
from .signing import TOLERANCE

bp = Blueprint("webhooks", __name__, url_prefix="/admin/webhooks")


@bp.before_request
@login_required
def _admins_only() -> None:
    if not can_manage_webhooks(current_user):
        abort(403)


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


def _input(form: EndpointForm) -> EndpointInput:
    return EndpointInput(url=form.url.data or "", description=form.description.data or "",
                         events=list(form.events.data or []), active=bool(form.active.data),
                         allow_internal=bool(form.allow_internal.data),
                         include_private=bool(form.include_private.data))


@bp.app_template_global("webhook_event_label")
def event_label(name: str) -> str:
    """What the form calls an event (the id is shown beside it: receivers key on it)."""
    return str(EVENTS.get(name, _("Test ping") if name == PING else name))


def _saved(form: EndpointForm, save: Callable[[EndpointInput, list[str]], int], done: str) -> Any | None:
    """The one way the form is saved (add or change): the service's warnings and ``done``
    flashed and a redirect to the endpoint's page, or None with the errors on the form."""
    if not form.validate_on_submit():
        return None
    warnings: list[str] = []
    try:
        endpoint_id = save(_input(form), warnings)
    except ValidationFailed as exc:
        apply_errors(form, exc)
        return None
    for warning in warnings:
        flash(warning, "warning")
    flash(done, "success")
    return redirect(url_for("webhooks.edit_endpoint", endpoint_id=endpoint_id))


@bp.get("")
def admin_list() -> Any:
    return render_template("webhooks/list.html", endpoints=services.list_endpoints(), states=STATE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
def new_endpoint() -> Any:
    form = EndpointForm()
    done = _saved(form, lambda data, warnings: services.create_endpoint(current_user, data, warnings).id,
                  _("Endpoint added. Give its secret to the receiving system, then send a test ping."))
    if done is not None:
        return done
    return render_template("webhooks/form.html", form=form, endpoint=None), 400 if form.errors else 200


def _update(endpoint: Any, data: EndpointInput, warnings: list[str]) -> int:
    services.update_endpoint(current_user, endpoint, data, warnings)
    return int(endpoint.id)


@bp.route("/<int:endpoint_id>", methods=["GET", "POST"])
def edit_endpoint(endpoint_id: int) -> Any:
    endpoint = services.get_endpoint(endpoint_id)
    form = EndpointForm(obj=endpoint) if request.method == "GET" else EndpointForm()
    done = _saved(form, lambda data, warnings: _update(endpoint, data, warnings), _("Saved."))
    if done is not None:
        return done
    response = make_response(render_template("webhooks/form.html", form=form, endpoint=endpoint, tolerance=TOLERANCE,
                                             pending=services.pending_count(endpoint)), 400 if form.errors else 200)
    response.headers["Cache-Control"] = "no-store"  # the page shows the secret: never kept (as API keys)
    return response


@bp.post("/<int:endpoint_id>/secret")
def rotate_secret(endpoint_id: int) -> Any:
    _confirmed()
    services.rotate_secret(current_user, services.get_endpoint(endpoint_id))
    flash(_("A new secret was made. For 24 hours deliveries are signed with both secrets: give the receiving "
            "system the new one within a day."), "success")
    return redirect(url_for("webhooks.edit_endpoint", endpoint_id=endpoint_id))


@bp.post("/<int:endpoint_id>/ping")
def ping(endpoint_id: int) -> Any:
    _confirmed()
    services.send_ping(current_user, services.get_endpoint(endpoint_id))
    flash(_("A test ping is on its way: its outcome appears in the delivery log."), "success")
    return redirect(url_for("webhooks.deliveries", endpoint_id=endpoint_id))


@bp.post("/<int:endpoint_id>/delete")
def delete_endpoint(endpoint_id: int) -> Any:
    _confirmed()
    services.delete_endpoint(current_user, services.get_endpoint(endpoint_id))
    flash(_("Endpoint deleted."), "success")
    return redirect(url_for("webhooks.admin_list"))


@bp.get("/<int:endpoint_id>/deliveries")
def deliveries(endpoint_id: int) -> Any:
    endpoint = services.get_endpoint(endpoint_id)
    before = decode_id(request.args.get("before"))  # a crafted value is a 400 (InvalidCursor)
    rows, more = services.delivery_log(endpoint, before)
    return render_template("webhooks/deliveries.html", endpoint=endpoint, deliveries=rows, more=more,
                           states=STATE_LABELS)


@bp.get("/deliveries/<int:delivery_id>")
def delivery(delivery_id: int) -> Any:
    return render_template("webhooks/delivery.html", delivery=services.get_delivery(delivery_id), states=STATE_LABELS,
                           failure_reason=failure_reason)


@bp.post("/deliveries/<int:delivery_id>/redeliver")
def redeliver(delivery_id: int) -> Any:
    _confirmed()
    again = services.redeliver(current_user, delivery_id)
    flash(_("Queued again as a new delivery."), "success")
    return redirect(url_for("webhooks.deliveries", endpoint_id=again.endpoint_id))

"""``/api/v1/escalations``: staff hand a topic (or one of its posts) to the brand's helpdesk,
and the helpdesk records the ticket it opened (``PUT …/ticket``) and may mark it resolved.
Everything is :mod:`forum.escalations.services` and :mod:`forum.escalations.permissions`, as
the escalation form and the staff list use.

Scopes: reading needs ``read``, escalating, recording a ticket and resolving need ``write``
(no scope of its own): the rule that matters is the member's, ``is_staff`` (moderators, admins,
staff-group members), checked by escalations' permissions on the key's member. A helpdesk
integration therefore uses a key of a staff member (or an admin key acting as one) with
``read`` and ``write``.
"""

from __future__ import annotations

from typing import Any

from forum.discussions import services as discussions
from forum.escalations import permissions, services
from forum.escalations.forms import EscalationForm
from forum.escalations.models import EscalationStatus, Priority
from forum.extensions import member_action_limit

from ..representations import escalation_json
from .declare import DATETIME, ID, URL, Answer, ApiRequest, Resource, member_rate_key, nullable, obj, path, query
from .errors import ApiError
from .writing import json_form

api = Resource("escalations", "Escalations to support (staff), and the helpdesk's tickets.")

ESCALATION = api.schema("Escalation", obj({
    "id": ID, "topic_id": ID, "post_id": nullable(ID),
    "reason": {"type": "string", "description": "What support needs to do (members do not see it)."},
    "priority": {"type": "string", "enum": [p.value for p in Priority]},
    "status": {"type": "string", "enum": [s.value for s in EscalationStatus]},
    "ticket_reference": nullable({"type": "string"}), "ticket_url": nullable(URL),
    "created_by": nullable({"$ref": "#/components/schemas/UserRef"}),
    "created_at": DATETIME, "resolved_at": nullable(DATETIME),
}))

ESCALATION_ID = path("escalation_id", ID)
# The escalation form's allowance, the same bucket (forum.escalations.views.escalation_limit).
escalation_limit = member_action_limit("RATELIMIT_ESCALATE", key_func=member_rate_key("ratelimit_escalate"))


def _visible(req: ApiRequest, escalation_id: int) -> Any:
    """An escalation the caller may see: staff (else 403), on a topic they may read (else 404)."""
    if not permissions.can_see_escalations(req.user):
        raise ApiError(403)
    escalation = services.get_escalation(escalation_id)
    if not permissions.can_see_escalation(req.user, escalation):
        raise ApiError(404)
    return escalation


@api.route("GET", "/escalations", summary="Escalations, newest first (staff)", member=True,
           description="The staff list: the newest 100 open ones (or resolved: `status`), on topics the "
                       "caller may read.",
           params=[query("status", {"type": "string", "enum": [s.value for s in EscalationStatus],
                                    "default": EscalationStatus.OPEN.value})],
           response={"type": "array", "items": ESCALATION})
def list_escalations(req: ApiRequest) -> Any:
    if not permissions.can_see_escalations(req.user):
        raise ApiError(403)
    rows = services.recent_for(req.user, status=req.args.get("status") or EscalationStatus.OPEN.value)
    return [escalation_json(e) for e in rows]


@api.route("GET", "/escalations/{escalation_id}", summary="One escalation (staff)", member=True,
           params=[ESCALATION_ID], response=ESCALATION)
def get_escalation(req: ApiRequest, escalation_id: int) -> Any:
    return escalation_json(_visible(req, escalation_id))


NEW_ESCALATION_BODY = {
    "type": "object", "required": ["topic_id", "reason"], "additionalProperties": False,
    "properties": {"topic_id": ID, "post_id": {**ID, "description": "The post it is about (of that topic)."},
                   "reason": {"type": "string", "minLength": 1, "maxLength": 2000},
                   "priority": {"type": "string", "enum": [p.value for p in Priority],
                                "default": Priority.NORMAL.value}},
}


@api.route("POST", "/escalations", summary="Escalate a topic or one of its posts to support (staff)",
           description="The escalation form: one open escalation per post (or per topic); the helpdesk is "
                       "told through the `escalation_created` webhook.",
           scopes=("write",), member=True, status=201, body=NEW_ESCALATION_BODY, response=ESCALATION,
           limits=[escalation_limit])
def create_escalation(req: ApiRequest) -> Any:
    topic = discussions.get_topic(req.user, req.body["topic_id"])
    # A post of another topic is a 404, as on the form's page (the service checks it).
    post = discussions.get_post(req.user, req.body["post_id"]) if req.body.get("post_id") is not None else None
    if not permissions.can_escalate(req.user, topic):
        raise ApiError(403)
    form = json_form(EscalationForm, {"reason": req.body["reason"],
                                      "priority": req.body.get("priority") or Priority.NORMAL.value})
    escalation = services.escalate(req.user, topic, post, form.reason.data or "", form.priority.data or "")
    return Answer(escalation_json(escalation), 201, {"Location": f"/api/v1/escalations/{escalation.id}"})


TICKET_BODY = {
    "type": "object", "required": ["reference"], "additionalProperties": False,
    "properties": {"reference": {"type": "string", "minLength": 1, "maxLength": 100,
                                 "description": "The helpdesk's ticket reference, e.g. `ABC-123`."},
                   "url": nullable({"type": "string", "maxLength": 500,
                                    "description": "The ticket's address (http or https)."})},
}


@api.route("PUT", "/escalations/{escalation_id}/ticket", summary="Record the helpdesk's ticket (staff)",
           description="Recording it again replaces it (a ticket merged into another); each change is "
                       "audited. Needs a staff member's key with `write`.",
           scopes=("write",), member=True, params=[ESCALATION_ID], body=TICKET_BODY, response=ESCALATION)
def record_ticket(req: ApiRequest, escalation_id: int) -> Any:
    _visible(req, escalation_id)
    return escalation_json(services.record_ticket(req.user, escalation_id, req.body["reference"],
                                                  req.body.get("url")))


@api.route("POST", "/escalations/{escalation_id}/resolve", summary="Mark an escalation resolved (staff)",
           description="Audited; resolving one already resolved changes nothing and answers it as it is.",
           scopes=("write",), member=True, params=[ESCALATION_ID], response=ESCALATION)
def resolve_escalation(req: ApiRequest, escalation_id: int) -> Any:
    _visible(req, escalation_id)
    return escalation_json(services.resolve(req.user, escalation_id))

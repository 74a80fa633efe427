"""``/api/v1``: moderation. The review queue (list, one item, approve, reject), flags (a member
flags a post; moderators list the flagged posts and decide), hiding and restoring a post, and
sanctions (warn, silence, suspend, lift). Each route calls exactly the service the moderation
page's button calls (:mod:`forum.moderation.services`), after the same permission check
(:mod:`forum.moderation.permissions`); the services write the audit entries and queue the
members' notices. Staff routes need the ``moderation`` scope AND a moderator: a key with the
scope whose member is no longer a moderator loses it (:func:`forum.api.keys.scopes_allowed_to`).
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from forum.accounts import services as accounts
from forum.discussions import services as discussions
from forum.extensions import member_action_limit
from forum.moderation import permissions, services
from forum.moderation.forms import ActionForm, FlagForm, RejectForm, SanctionForm
from forum.moderation.models import FlagStatus, ReviewKind, ReviewReason, ReviewStatus, SanctionKind

from ..representations import flag_json, post_json, review_item_json, sanction_json
from .declare import (
    DATETIME,
    ID,
    Answer,
    ApiRequest,
    Resource,
    member_rate_key,
    nullable,
    obj,
    page,
    path,
    query,
    ref,
)
from .errors import ApiError
from .writing import json_form

api = Resource("moderation", "The review queue, flags, hiding posts, and sanctions.")

FLAG = api.schema("Flag", obj({
    "id": ID, "post_id": ID, "user": nullable(ref("UserRef")),
    "reason": {"type": "string", "description": "A key of the site's flag reasons (`spam`, `rude`, …)."},
    "text": {"type": "string"}, "status": {"type": "string", "enum": [s.value for s in FlagStatus]},
    "created_at": DATETIME, "resolved_at": nullable(DATETIME),
}))
REVIEW_ITEM = api.schema("ReviewItem", obj({
    "id": ID, "kind": {"type": "string", "enum": [k.value for k in ReviewKind]},
    "status": {"type": "string", "enum": [s.value for s in ReviewStatus]},
    "reason_code": {"type": "string", "description": "Why it waits: " + ", ".join(r.value for r in ReviewReason)},
    "reason": nullable({"type": "string", "description": "Details for staff (what a filter said)."}),
    "post": nullable(ref("Post")), "topic_id": nullable(ID), "category_id": nullable(ID),
    "user": nullable(ref("UserRef")),
    "subject_id": nullable({"type": "integer", "description": "The held meetup's id (`event` items)."}),
    "score": {"type": "number", "description": "The weight of the open flags."},
    "hidden_by_flags": {"type": "boolean"}, "flags": {"type": "array", "items": FLAG},
    "claimed_by": nullable(ref("UserRef")), "created_at": DATETIME,
    "resolution": nullable({"type": "string"}), "resolved_at": nullable(DATETIME),
}))
SANCTION = api.schema("Sanction", obj({
    "id": ID, "kind": {"type": "string", "enum": [k.value for k in SanctionKind]}, "user": nullable(ref("UserRef")),
    "reason": {"type": "string", "description": "What the member reads."},
    "note": nullable({"type": "string", "description": "Staff only."}), "created_by": nullable(ref("UserRef")),
    "created_at": DATETIME, "expires_at": nullable(DATETIME), "lifted_at": nullable(DATETIME),
}))

MOD = ("moderation",)
ITEM_ID = path("item_id", ID)
POST_ID = path("post_id", ID)
USERNAME = path("username", {"type": "string", "maxLength": 64})
REASON = {"type": "string", "maxLength": 2000}
OPTIONAL_REASON = {"type": "object", "additionalProperties": False, "properties": {"reason": REASON}}
# The web flag form's allowance, the same bucket (forum.moderation.views.flag_limit).
flag_limit = member_action_limit("RATELIMIT_FLAG", key_func=member_rate_key("ratelimit_flag"))


def _reject_form(**kwargs: Any) -> RejectForm:
    form = RejectForm(**kwargs)
    form.reason_key.choices = [("", "")] + services.rejection_reason_choices()
    return form


def _flag_form(**kwargs: Any) -> FlagForm:
    form = FlagForm(**kwargs)
    form.reason.choices = services.flag_reason_choices()
    return form


def _item(req: ApiRequest, item_id: int) -> Any:
    return services.get_item(req.user, item_id)


def _item_json(req: ApiRequest, item_id: int) -> Any:
    return review_item_json(services.get_item(req.user, item_id), req.user)


def _queue(req: ApiRequest, kind: str | None) -> Any:
    filters = services.QueueFilters(kind=kind, category_id=req.args.get("category"), reason=req.args.get("reason"),
                                    age=req.args.get("age"), after=req.cursor)
    result = services.review_queue(req.user, filters, per_page=req.limit)
    return page([review_item_json(i, req.user) for i in result.items], result.next_cursor)


# --- the review queue ------------------------------------------------------------------------------

QUEUE_PARAMS = [query("category", ID, "Only items of this category."),
                query("reason", {"type": "string", "enum": [r.value for r in ReviewReason]}),
                query("age", {"type": "string", "enum": ["1h", "1d", "7d"]}, "Waiting longer than this.")]


@api.route("GET", "/review", summary="The review queue: open items, oldest first", scopes=MOD, member=True,
           paginated=True, response=REVIEW_ITEM,
           params=[query("kind", {"type": "string", "enum": [k.value for k in ReviewKind]}), *QUEUE_PARAMS])
def list_review_items(req: ApiRequest) -> Any:
    return _queue(req, req.args.get("kind"))


@api.route("GET", "/review/{item_id}", summary="One item of the review queue", scopes=MOD, member=True,
           params=[ITEM_ID], response=REVIEW_ITEM)
def get_review_item(req: ApiRequest, item_id: int) -> Any:
    return _item_json(req, item_id)


@api.route("POST", "/review/{item_id}/approve", summary="Approve an item", scopes=MOD, member=True,
           description="Publish a held post, profile text or meetup, or admit an applicant; on a flag item, "
                       "keep the post (the flags are turned down). 422 when another moderator holds a fresh "
                       "claim on it or it was already reviewed.",
           params=[ITEM_ID], response=REVIEW_ITEM, errors=(422,))
def approve_review_item(req: ApiRequest, item_id: int) -> Any:
    services.approve_item(req.user, _item(req, item_id))
    return _item_json(req, item_id)


REJECT_BODY = {"type": "object", "additionalProperties": False, "properties": {
    "reason_key": {"type": "string", "maxLength": 200, "description": "A canned rejection reason's key; "
                                                                      "or leave it out and write `text`."},
    "text": {"type": "string", "maxLength": 2000, "description": "The message to the author."}}}


@api.route("POST", "/review/{item_id}/reject", summary="Reject an item", scopes=MOD, member=True,
           description="Refuse a held post (its author keeps the text and may resubmit), an application, "
                       "profile text or a meetup, with a reason the author reads; on a flag item, uphold the "
                       "flags (the post is hidden).",
           params=[ITEM_ID], body=REJECT_BODY, response=REVIEW_ITEM)
def reject_review_item(req: ApiRequest, item_id: int) -> Any:
    item = _item(req, item_id)
    form = json_form(_reject_form, req.body)
    services.reject_item(req.user, item, form.reason_key.data or "", form.text.data or "")
    return _item_json(req, item_id)


# --- flags ---------------------------------------------------------------------------------------------

@api.route("GET", "/flags", summary="Flagged posts waiting for a moderator, oldest first", scopes=MOD,
           member=True, paginated=True, response=REVIEW_ITEM, params=QUEUE_PARAMS,
           description="The review queue's `flag` items, each with its flags.")
def list_flagged(req: ApiRequest) -> Any:
    return _queue(req, ReviewKind.FLAG.value)


FLAG_DECISION_BODY = {"type": "object", "required": ["outcome"], "additionalProperties": False, "properties": {
    "outcome": {"type": "string", "enum": ["agree", "disagree", "ignore"],
                "description": "agree: hide the post; disagree: keep it (or restore it if flags hid it); "
                               "ignore: no change."},
    "reason": REASON}}


@api.route("POST", "/review/{item_id}/flags", summary="Decide a flag item", scopes=MOD, member=True,
           description="The flaggers are told the outcome, as from the queue page.",
           params=[ITEM_ID], body=FLAG_DECISION_BODY, response=REVIEW_ITEM)
def decide_flags(req: ApiRequest, item_id: int) -> Any:
    item = _item(req, item_id)
    form = json_form(ActionForm, {"reason": req.body.get("reason")})
    services.resolve_flag_item(req.user, item, req.body["outcome"], form.reason.data or "")
    return _item_json(req, item_id)


FLAG_BODY = {"type": "object", "required": ["reason"], "additionalProperties": False, "properties": {
    "reason": {"type": "string", "maxLength": 80, "description": "One of the site's flag reasons: spam, "
                                                                 "off_topic, rude, inappropriate, other (with "
                                                                 "`text`), or one the admins added."},
    "text": {"type": "string", "maxLength": 1000}}}


@api.route("POST", "/posts/{post_id}/flags", summary="Flag a post for the moderators", scopes=("write",),
           member=True, status=201, params=[POST_ID], body=FLAG_BODY, response=FLAG,
           description="The web flag form: active members flag posts they can see (not their own), once each; "
                       "weighted flags may hide the post until reviewed. The same rate limit.",
           limits=[flag_limit])
def flag_post(req: ApiRequest, post_id: int) -> Any:
    post = discussions.get_post(req.user, post_id)
    if not permissions.can_flag(req.user, post):
        raise ApiError(403)
    form = json_form(_flag_form, req.body)
    flag = services.flag_post(req.user, post, form.reason.data or "", form.text.data or "")
    return Answer(flag_json(flag), 201)


# --- posts: hide and restore -----------------------------------------------------------------------------

def _post_tool(req: ApiRequest, post_id: int, action: Any) -> Any:
    post = discussions.get_post(req.user, post_id)
    if not permissions.can_act_on_post(req.user, post):
        raise ApiError(403)
    form = json_form(ActionForm, req.body)
    action(req.user, post, form.reason.data or "")
    return post_json(discussions.get_post(req.user, post_id), req.user)


@api.route("POST", "/posts/{post_id}/hide", summary="Hide a post", scopes=MOD, member=True,
           description="Only a published post; its author is told. Closes its open queue items.",
           params=[POST_ID], body=OPTIONAL_REASON, response=ref("Post"))
def hide_post(req: ApiRequest, post_id: int) -> Any:
    return _post_tool(req, post_id, services.hide_post)


@api.route("POST", "/posts/{post_id}/restore", summary="Restore a hidden or removed post", scopes=MOD,
           member=True, description="Not a post its author withdrew (that is their call).",
           params=[POST_ID], body=OPTIONAL_REASON, response=ref("Post"))
def restore_post(req: ApiRequest, post_id: int) -> Any:
    return _post_tool(req, post_id, services.restore_post)


# --- sanctions --------------------------------------------------------------------------------------------

DURATIONS = [d for d in services.DURATIONS if d != "permanent"]
NOTE = {"type": "string", "maxLength": 2000, "description": "An internal note (staff only)."}
MEMBER_REASON = {**REASON, "minLength": 1, "description": "Why: the member reads it."}


def _sanction_body(durations: list[str] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {"reason": MEMBER_REASON, "note": NOTE}
    if durations is not None:
        properties["duration"] = {"type": "string", "enum": durations}
    return {"type": "object", "additionalProperties": False, "properties": properties,
            "required": ["reason"] + (["duration"] if durations is not None else [])}


def _member_tool(req: ApiRequest, username: str, form_class: type[FlaskForm]) -> tuple[Any, Any]:
    user = accounts.get_user_or_404(username)
    if not permissions.can_moderate(req.user):
        raise ApiError(403)
    return user, json_form(form_class, req.body)


SANCTION_HELP = " Moderators sanction members only; admins anyone but themselves."


@api.route("POST", "/users/{username}/warn", summary="Warn a member", scopes=MOD, member=True, status=201,
           description="An official warning the member must acknowledge before posting again." + SANCTION_HELP,
           params=[USERNAME], body=_sanction_body(None), response=SANCTION)
def warn_user(req: ApiRequest, username: str) -> Any:
    user, form = _member_tool(req, username, SanctionForm)
    return Answer(sanction_json(services.warn_user(req.user, user, form.reason.data or "", form.note.data or "")), 201)


@api.route("POST", "/users/{username}/silence", summary="Silence a member (read-only for a while)", scopes=MOD,
           member=True, status=201, params=[USERNAME], body=_sanction_body(DURATIONS), response=SANCTION,
           description="They can read and sign in, not post, flag or answer events." + SANCTION_HELP)
def silence_user(req: ApiRequest, username: str) -> Any:
    user, form = _member_tool(req, username, SanctionForm)
    duration = services.parse_duration(form.duration.data or "", allow_permanent=False)
    if duration is None:  # "permanent" is refused by parse_duration
        raise ApiError(422)
    return Answer(sanction_json(services.silence_user(req.user, user, duration, form.reason.data or "",
                                                      form.note.data or "")), 201)


@api.route("POST", "/users/{username}/suspend", summary="Suspend a member", scopes=MOD, member=True, status=201,
           description="No sign-in (nor API key) for a while, or `permanent`. They are told by mail."
                       + SANCTION_HELP,
           params=[USERNAME], body=_sanction_body(list(services.DURATIONS)), response=SANCTION)
def suspend_user(req: ApiRequest, username: str) -> Any:
    user, form = _member_tool(req, username, SanctionForm)
    duration = services.parse_duration(form.duration.data or "", allow_permanent=True)
    return Answer(sanction_json(services.suspend_user(req.user, user, duration, form.reason.data or "",
                                                      form.note.data or "")), 201)


@api.route("POST", "/users/{username}/unsilence", summary="Lift a silence", scopes=MOD, member=True, status=204,
           description="The member may post again; the optional `reason` goes to the moderation log.",
           params=[USERNAME], body=OPTIONAL_REASON)
def unsilence_user(req: ApiRequest, username: str) -> Any:
    user, form = _member_tool(req, username, ActionForm)
    services.lift_silence(req.user, user, form.reason.data or "")
    return None


@api.route("POST", "/users/{username}/unsuspend", summary="Lift a suspension", scopes=MOD, member=True,
           description="The member may sign in again; the optional `reason` goes to the moderation log.",
           status=204, params=[USERNAME], body=OPTIONAL_REASON)
def unsuspend_user(req: ApiRequest, username: str) -> Any:
    user, form = _member_tool(req, username, ActionForm)
    services.lift_suspension(req.user, user, form.reason.data or "")
    return None

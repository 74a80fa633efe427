"""``/api/v1/posts``: one post, and editing it, through :mod:`forum.discussions.services`
(revisions, review holds and permissions as on the edit page)."""

from __future__ import annotations

from typing import Any

from forum.discussions import permissions, services
from forum.discussions.forms import EditPostForm

from ..representations import post_json
from . import schemas
from .declare import ID, ApiRequest, Resource, path, ref
from .errors import ApiError
from .topics import posting_limit
from .writing import json_form, posting

api = Resource("posts", "Posts: reading one, editing it.")
POST = ref("Post")  # registered by the topics resource


@api.route("GET", "/posts/{post_id}", summary="One post", params=[path("post_id", ID)], response=POST)
def get_post(req: ApiRequest, post_id: int) -> Any:
    return post_json(services.get_visible_post(req.user, post_id), req.user)


EDIT_BODY = {
    "type": "object", "required": ["body"], "additionalProperties": False,
    "properties": {
        "body": schemas.POST_TEXT,
        "title": {**schemas.TITLE, "description": "The topic's title (opening posts only)."},
        "reason": schemas.text(300),
        "base_revision": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1,
                          "description": "The post's `edit_count` the text was based on: if it changed "
                                         "since, nothing is saved (409)."},
        "official": {"type": "boolean"},
    },
}


@api.route("PATCH", "/posts/{post_id}", summary="Edit a post", scopes=("write",), member=True,
           params=[path("post_id", ID)], body=EDIT_BODY, response=POST, errors=(409,), limits=[posting_limit],
           description="A revision keeps the previous text; an edit the word filters would hold goes back "
                       "to the review queue, as from the edit page.")
def edit_post(req: ApiRequest, post_id: int) -> Any:
    post = services.get_visible_post(req.user, post_id)
    if not permissions.can_edit_post(req.user, post):
        raise ApiError(403)
    form = json_form(EditPostForm, {k: v for k, v in req.body.items() if k in ("body", "title", "reason")})
    official = req.body.get("official")
    with posting():
        services.edit_post(req.user, post, form.body.data or "",
                           title=form.title.data if post.post_number == 1 and "title" in req.body else None,
                           reason=form.reason.data, official=official if isinstance(official, bool) else None,
                           base_revision=req.body.get("base_revision"))
    return post_json(services.get_visible_post(req.user, post_id), req.user)

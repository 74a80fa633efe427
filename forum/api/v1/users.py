"""``/api/v1/users``: public profiles (what the profile page shows anyone), and ``/me``."""

from __future__ import annotations

from typing import Any

from forum.accounts import services as accounts
from forum.accounts.interfaces import VisibleActivityCounter
from forum.registry import lookup

from ..representations import user_json
from . import schemas
from .declare import ApiRequest, Resource, obj, path

api = Resource("users", "Members' public profiles.")
USER = api.schema("User", schemas.USER)
ME = api.schema("Me", obj({"user": USER, "scopes": {"type": "array", "items": {
    "type": "string", "enum": ["read", "write", "moderation", "admin"]}},
    "key": {"type": ["string", "null"], "description": "The key's public name, or null for a session."}}))


def _profile(viewer: Any, user: Any) -> dict[str, Any]:
    # Only the activity this viewer may read, as on the profile page.
    topics, posts = lookup(VisibleActivityCounter)(viewer, user)
    return user_json(user, topic_count=topics, post_count=posts)


@api.route("GET", "/users/{username}", summary="A member's public profile",
           params=[path("username", {"type": "string", "maxLength": 64})], response=USER)
def get_user(req: ApiRequest, username: str) -> Any:
    return _profile(req.user, accounts.get_user_or_404(username))


@api.route("GET", "/me", summary="Who the caller is, and what the key may do", member=True, response=ME)
def get_me(req: ApiRequest) -> Any:
    key = req.caller.key
    return {"user": _profile(req.user, req.user), "scopes": sorted(req.caller.scopes),
            "key": key.display if key is not None else None}

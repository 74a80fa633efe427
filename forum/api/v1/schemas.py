"""JSON Schemas of the representations (:mod:`forum.api.representations`), registered as
OpenAPI components by the resource that owns them. Kept beside each other so a change to a
representation and its schema is one diff."""

from __future__ import annotations

from typing import Any

from .declare import DATETIME, ID, URL, Setting, nullable, obj, ref

USER_REF = obj({"id": ID, "username": {"type": "string"}, "display_name": {"type": "string"}, "url": URL})

USER = obj({
    "id": ID, "username": {"type": "string"}, "display_name": {"type": "string"}, "url": URL,
    "title": nullable({"type": "string"}), "bio_html": {"type": "string", "description": "Sanitised HTML."},
    "is_staff": {"type": "boolean"}, "is_moderator": {"type": "boolean"}, "created_at": DATETIME,
    "topic_count": nullable({"type": "integer"}), "post_count": nullable({"type": "integer"}),
})

CATEGORY = obj({
    "id": ID, "slug": {"type": "string"}, "name": {"type": "string"}, "description": {"type": "string"},
    "color": {"type": "string"},
    "translations": {"type": "object", "additionalProperties": {"type": "object"},
                     "description": "Name and description in the community's other languages."},
    "read_access": {"type": "string", "enum": ["everyone", "members", "staff"]},
    "topic_access": {"type": "string", "enum": ["members", "staff"]},
    "is_questions": {"type": "boolean"}, "topic_count": {"type": "integer"}, "post_count": {"type": "integer"},
    "last_posted_at": nullable(DATETIME), "url": URL,
})

STATES = ["published", "pending", "rejected", "hidden", "deleted"]

TOPIC = obj({
    "id": ID, "title": {"type": "string"}, "slug": {"type": "string"},
    "category": obj({"id": ID, "slug": {"type": "string"}, "name": {"type": "string"}}),
    "author": nullable(ref("UserRef")), "state": {"type": "string", "enum": STATES},
    "created_at": DATETIME, "last_posted_at": DATETIME, "last_poster": nullable(ref("UserRef")),
    "post_count": {"type": "integer"}, "highest_post_number": {"type": "integer"},
    "is_pinned": {"type": "boolean"}, "is_locked": {"type": "boolean"}, "is_solved": {"type": "boolean"},
    "has_official": {"type": "boolean"}, "language": {"type": "string"}, "url": URL,
    "tags": {"type": "array", "items": {"type": "string"}, "description": "Tag names (also their addresses)."},
})

TAG = obj({
    "name": {"type": "string"}, "description": {"type": "string"}, "topic_count": {"type": "integer"},
    "synonyms": {"type": "array", "items": {"type": "string"}}, "url": URL,
})

POST = obj({
    "id": ID, "topic_id": ID, "post_number": {"type": "integer"},
    "reply_to_post_number": nullable({"type": "integer"}), "author": nullable(ref("UserRef")),
    "state": {"type": "string", "enum": STATES},
    "cooked": nullable({"type": "string", "description": "Sanitised HTML; null when the body is not "
                                                         "visible to the caller (hidden, withdrawn)."}),
    "raw": nullable({"type": "string", "description": "Markdown source; only for who may edit the post."}),
    "language": {"type": "string"}, "is_official": {"type": "boolean"}, "created_at": DATETIME,
    "edited_at": nullable(DATETIME), "edit_count": {"type": "integer"}, "reaction_count": {"type": "integer"},
    "url": URL,
})


def text(max_length: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length, **extra}


# The lengths the forms and the posting services check (forum/config.py), read when used.
TITLE = {"type": "string", "minLength": Setting("MIN_TITLE_LENGTH"), "maxLength": Setting("MAX_TITLE_LENGTH")}
POST_TEXT = {"type": "string", "minLength": Setting("MIN_POST_LENGTH"), "maxLength": Setting("MAX_POST_LENGTH")}

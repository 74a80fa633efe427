"""``/api/v1/topics``: listing (cursor-paginated, as /latest and the category pages), one
topic, its posts (a cursor walk by post number), and starting a topic: all through
:mod:`forum.discussions.services`, as the pages do."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _

from forum import pagination
from forum.discussions import services
from forum.discussions.forms import ReplyForm, TopicForm
from forum.tags import services as tag_services

from ..representations import post_json, topic_json
from . import schemas
from .declare import ID, Answer, ApiRequest, Resource, member_limit, page, path, query
from .writing import json_form, posting

api = Resource("topics", "Topics: listing, reading and starting them, and replying.")
api.schema("UserRef", schemas.USER_REF)
TOPIC = api.schema("Topic", schemas.TOPIC)
POST = api.schema("Post", schemas.POST)
TOPIC_WITH_POST = api.schema("NewTopic", {"type": "object", "required": ["topic", "post", "held"],
                                          "additionalProperties": False,
                                          "properties": {"topic": TOPIC, "post": POST, "held": {"type": "boolean"}}})
NEW_POST = api.schema("NewPost", {"type": "object", "required": ["post", "held"], "additionalProperties": False,
                                  "properties": {"post": POST, "held": {"type": "boolean"}}})

# One posting allowance per member, the web's: only what was posted counts.
posting_limit = member_limit("RATELIMIT_POSTING", successes_only=True)
HELD_HELP = " `held`: the text waits for a moderator (the review queue), as it would from the web form."


@api.route("GET", "/topics", summary="List topics by last activity", paginated=True,
           description="Pinned topics lead the first page (those pinned for everyone; in a category, "
                       "all its pins). Muted topics and categories are left out for the caller, as on "
                       "the pages.",
           params=[query("category", {"type": "string", "maxLength": 64}, "A category's slug."),
                   query("tag", {"type": "string", "maxLength": 64}, "Only topics with this tag (a synonym "
                                                                      "names its tag).")],
           response=TOPIC)
def list_topics(req: ApiRequest) -> Any:
    category = services.get_category(req.user, req.args["category"]) if req.args.get("category") else None
    filters = {"topic_ids": tag_services.topics_tagged(req.args["tag"])} if req.args.get("tag") else None
    listing = services.list_topics(req.user, category=category, cursor=req.cursor, per_page=req.limit,
                                   filters=filters)
    return page([topic_json(t, listing.tags.get(t.id, [])) for t in listing.pinned + listing.topics],
                listing.next_cursor)


@api.route("GET", "/topics/{topic_id}", summary="One topic", params=[path("topic_id", ID)], response=TOPIC)
def get_topic(req: ApiRequest, topic_id: int) -> Any:
    return topic_json(services.get_topic(req.user, topic_id))


@api.route("GET", "/topics/{topic_id}/posts", summary="A topic's posts, in order", paginated=True,
           description="Held posts are listed only for their author and moderators; hidden and "
                       "withdrawn ones as placeholders (`cooked` null), as on the page.",
           params=[path("topic_id", ID)], response=POST)
def list_topic_posts(req: ApiRequest, topic_id: int) -> Any:
    topic = services.get_topic(req.user, topic_id)
    after = pagination.decode_id(req.cursor) or 0
    posts, last = services.posts_after(req.user, topic, after, req.limit)
    return page([post_json(p, req.user) for p in posts], str(last) if last is not None else None)


NEW_TOPIC_BODY = {
    "type": "object", "required": ["category_id", "title", "body"], "additionalProperties": False,
    "properties": {"category_id": ID, "title": schemas.TITLE, "body": schemas.POST_TEXT,
                   "official": {"type": "boolean", "description": "An official reply (staff only)."},
                   "tags": {"type": "array", "maxItems": 30, "items": {"type": "string", "maxLength": 60},
                            "description": "Tag names, as the form's Tags field (staff may create new ones)."}},
}


@api.route("POST", "/topics", summary="Start a topic", scopes=("write",), member=True, status=201,
           description="The same rules as the new-topic form: permissions, the code of conduct, word "
                       "filters and review holds for newcomers." + HELD_HELP,
           body=NEW_TOPIC_BODY, response=TOPIC_WITH_POST, limits=[posting_limit])
def create_topic(req: ApiRequest) -> Any:
    category = next((c for c in services.visible_categories(req.user) if c.id == req.body["category_id"]), None)
    # Every wrong field at once: the category's problem beside the form's.
    problems = {} if category is not None else {"category_id": _("Choose a category you can post in.")}
    form = json_form(TopicForm, req.body, {"category_id": "category"}, problems=problems)
    assert category is not None  # json_form raised otherwise
    with posting():
        outcome = services.create_topic(req.user, category, form.title.data or "", form.body.data or "",
                                        ip=request.remote_addr, official=bool(form.official.data),
                                        tags=",".join(req.body["tags"]) if "tags" in req.body else None)
    topic = outcome.post.topic
    return Answer({"topic": topic_json(topic), "post": post_json(outcome.post, req.user), "held": outcome.held},
                  201, {"Location": f"/api/v1/topics/{topic.id}"})


NEW_REPLY_BODY = {
    "type": "object", "required": ["body"], "additionalProperties": False,
    "properties": {"body": schemas.POST_TEXT,
                   "reply_to_post_number": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
                   "official": {"type": "boolean"}},
}


@api.route("POST", "/topics/{topic_id}/posts", summary="Reply to a topic", scopes=("write",), member=True,
           status=201, params=[path("topic_id", ID)], body=NEW_REPLY_BODY, response=NEW_POST,
           description="The same rules as the reply form." + HELD_HELP, limits=[posting_limit])
def create_reply(req: ApiRequest, topic_id: int) -> Any:
    topic = services.get_topic(req.user, topic_id)
    form = json_form(ReplyForm, req.body, {"reply_to_post_number": "reply_to"})
    with posting():
        outcome = services.create_reply(req.user, topic, form.body.data or "",
                                        reply_to=req.body.get("reply_to_post_number"),
                                        ip=request.remote_addr, official=bool(form.official.data))
    post = outcome.post
    return Answer({"post": post_json(post, req.user), "held": outcome.held}, 201,
                  {"Location": f"/api/v1/posts/{post.id}"})

"""``/api/v1/search``: the site's search (:mod:`forum.search.services`), filtered by what the
caller may read, as on /search. The cursor is the number of the next results page."""

from __future__ import annotations

from typing import Any

from forum import pagination
from forum.search import services
from forum.search.index import SearchUnavailable
from forum.search.query import QueryRejected
from forum.search.views import REJECTION_MESSAGES
from forum.tags import services as tag_services
from forum.urls import public_url

from ..representations import iso
from .declare import DATETIME, ID, URL, ApiRequest, Resource, caller_is_member, member_limit, nullable, obj, page, query
from .errors import ApiError

api = Resource("search", "Full-text search of what the caller may read.")
HIT = api.schema("SearchHit", obj({
    "kind": {"type": "string", "description": "`post`, `event`…"}, "title": {"type": "string"}, "url": URL,
    "excerpt_html": {"type": "string", "description": "Escaped text whose only tags are `<mark>`."},
    "author_username": {"type": "string"}, "created_at": DATETIME,
    "topic_id": nullable(ID), "post_id": nullable(ID), "event_id": nullable(ID), "category_id": nullable(ID),
    "tags": {"type": "array", "items": {"type": "string"}, "description": "The topic's tags (`tag:` filters)."},
}))

# The web's split and buckets (forum/search/views.py): visitors per address, members per account.
visitor_search_limit = member_limit("RATELIMIT_SEARCH", exempt_when=caller_is_member)
member_search_limit = member_limit("RATELIMIT_SEARCH_MEMBER", exempt_when=lambda: not caller_is_member())


@api.route("GET", "/search", summary="Search",
           description="Visitors are limited per address (as /search), members per account.",
           paginated=True, response=HIT, errors=(503,),
           limits=[visitor_search_limit, member_search_limit],
           params=[query("q", {"type": "string", "minLength": 1, "maxLength": 500},
                         "The search text (the search box's syntax: `category:`, `tag:`, `@author`…).",
                         required=True),
                   query("category", {"type": "string", "maxLength": 64}, "A category's slug."),
                   query("author", {"type": "string", "maxLength": 64}, "A username."),
                   query("sort", {"type": "string", "enum": ["relevance", "newest"]})])
def search(req: ApiRequest) -> Any:
    number = pagination.decode_id(req.cursor) or 1
    request = services.SearchRequest(text=req.args["q"], category=req.args.get("category"),
                                     author=req.args.get("author"), sort=req.args.get("sort") or "relevance",
                                     page=number)
    try:
        result = services.search(req.user, request, per_page=req.limit)
        entries = services.entries(result)
    except QueryRejected as exc:
        message = REJECTION_MESSAGES.get(exc.code, REJECTION_MESSAGES["empty"])()
        raise ApiError(400, message, fields={"q": message}) from exc
    except SearchUnavailable as exc:
        raise ApiError(503) from exc
    hits = result.results
    more = hits.page * hits.per_page < hits.total and bool(hits.hits)
    tags = tag_services.names_for_topics(sorted({e.hit.topic_id for e in entries if e.hit.topic_id}))
    return page([{"kind": e.hit.kind, "title": e.result.title,
                  "url": public_url(e.result.url) if e.result.url.startswith("/") else e.result.url,
                  "excerpt_html": e.hit.excerpt_html, "author_username": e.hit.author_username,
                  "created_at": iso(e.hit.created_at), "topic_id": e.hit.topic_id, "post_id": e.hit.post_id,
                  "event_id": e.hit.event_id, "category_id": e.hit.category_id,
                  "tags": tags.get(e.hit.topic_id, []) if e.hit.topic_id else []} for e in entries],
                str(hits.page + 1) if more else None)

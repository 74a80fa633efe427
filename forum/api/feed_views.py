"""Feed routes: ``/latest.rss``, ``/c/<slug>.rss``, ``/t/<slug>/<id>.rss``, ``/u/<username>.rss``,
``/tag/<slug>.rss`` and their ``.atom`` twins. What goes in a feed is :mod:`forum.api.feeds`' policy; these
routes add the HTTP caching: a shared cache may keep a feed five minutes (it is the same
document for everyone), and a reader that sends the ETag or Last-Modified it has gets a 304."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, request

from . import feeds

bp = Blueprint("feeds", __name__)

MIMETYPES = {"rss": "application/rss+xml", "atom": "application/atom+xml"}
CACHE_CONTROL = "public, max-age=300"


def _answer(scope: Callable[[], feeds.Feed], fmt: str) -> Response:
    feed = feeds.build(scope)
    response = Response(mimetype=MIMETYPES[fmt])
    response.headers["Cache-Control"] = CACHE_CONTROL
    response.set_etag(feed.etag)
    response.last_modified = feed.last_modified
    # make_conditional answers 304 (and drops the body) when If-None-Match matches, or when
    # there is no If-None-Match and If-Modified-Since is not older than Last-Modified.
    response.make_conditional(request)
    if response.status_code != 304:
        response.set_data(feeds.render(feed, fmt))
    return response


def _routes(fmt: str) -> None:
    def latest() -> Any:
        return _answer(feeds.latest_feed, fmt)

    def category(slug: str) -> Any:
        return _answer(lambda: feeds.category_feed(slug), fmt)

    def topic(slug: str, topic_id: int) -> Any:
        return _answer(lambda: feeds.topic_feed(topic_id), fmt)

    def member(username: str) -> Any:
        return _answer(lambda: feeds.member_feed(username), fmt)

    bp.add_url_rule(f"/latest.{fmt}", f"latest_{fmt}", latest, methods=["GET"])
    bp.add_url_rule(f"/c/<slug>.{fmt}", f"category_{fmt}", category, methods=["GET"])
    bp.add_url_rule(f"/t/<slug>/<int:topic_id>.{fmt}", f"topic_{fmt}", topic, methods=["GET"])
    bp.add_url_rule(f"/u/<username>.{fmt}", f"member_{fmt}", member, methods=["GET"])

    def tag(slug: str) -> Any:
        return _answer(lambda: feeds.tag_feed(slug), fmt)

    bp.add_url_rule(f"/tag/<slug>.{fmt}", f"tag_{fmt}", tag, methods=["GET"])


for _format in feeds.FORMATS:
    _routes(_format)

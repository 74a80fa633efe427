"""Cursor pagination, ETags, the error shape on every kind of failure, and constant SQL per
list (the N+1 guard, as tests/discussions/test_discussions_queries.py)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError, OperationalError

from forum.discussions import services
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import make_category, make_reply, make_topic, make_user


def _walk(client: Any, url: str, headers: dict[str, str]) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor: str | None = ""
    while cursor is not None:
        separator = "&" if "?" in url else "?"
        body = client.get(f"{url}{separator}cursor={cursor}" if cursor else url, headers=headers).get_json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next"]
        assert len(pages) < 50, "the walk does not end"
    return pages


def test_a_cursor_walk_meets_every_topic_once(client):
    category = make_category("Walk", slug="walk")
    made = [make_topic(make_user(), category, title=f"Walking topic {i}").id for i in range(11)]
    key = bearer(make_key(make_user("walker")))
    pages = _walk(client, "/api/v1/topics?category=walk&limit=3", key)
    seen = [i for p in pages for i in p]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))
    assert [len(p) for p in pages] == [3, 3, 3, 2]
    assert seen == sorted(made, reverse=True)  # newest activity first


def test_a_cursor_walk_meets_every_post_once_in_order(client):
    topic = make_topic(make_user(), title="A long conversation")
    for i in range(6):
        make_reply(topic, make_user(), f"Reply number {i} in the conversation.")
    pages = _walk(client, f"/api/v1/topics/{topic.id}/posts?limit=4", {})
    numbers = [n for p in pages for n in p]
    assert len(numbers) == 7 == len(set(numbers)) and [len(p) for p in pages] == [4, 3]


@pytest.mark.parametrize("query", ["cursor=nonsense", "limit=0", "limit=101", "limit=abc", "cursor=1_2_3"])
def test_a_bad_cursor_or_limit_is_a_400_with_the_error_shape(client, query):
    assert_error(client.get(f"/api/v1/topics?{query}"), 400)


def test_reads_carry_a_strong_etag_and_answer_304(client):
    topic = make_topic(make_user(), title="Cached reading")
    key = bearer(make_key(make_user("cacher")))
    first = client.get(f"/api/v1/topics/{topic.id}", headers=key)
    etag = first.headers["ETag"]
    assert etag.startswith('"') and first.headers["Cache-Control"] == "private, no-cache"
    again = client.get(f"/api/v1/topics/{topic.id}", headers={**key, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    make_reply(topic, make_user())
    changed = client.get(f"/api/v1/topics/{topic.id}", headers={**key, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_errors_have_one_shape_wherever_they_come_from(client):
    assert_error(client.get("/api/v1/no-such-thing"), 404, "not_found")
    assert_error(client.get("/api/v1/topics/999999"), 404, "not_found")
    assert_error(client.get("/api/v1/topics/99999999999999"), 404)
    assert_error(client.delete("/api/v1/topics"), 405, "method_not_allowed")
    html = client.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
    assert_error(html, 404)


def test_error_messages_are_in_the_callers_language(client):
    make_user("giulia", locale="it")
    key = bearer(make_key(db_user := make_user("paola", locale="it")))
    assert db_user.locale == "it"
    message = assert_error(client.get("/api/v1/topics/999999", headers=key), 404)["message"]
    english = assert_error(client.get("/api/v1/topics/999999"), 404)["message"]
    assert message != english


def _count(client: Any, count_queries: Any, url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    client.get(url, headers=headers)  # warm-up
    with count_queries() as q:
        response = client.get(url, headers=headers)
    assert response.status_code == 200
    return q.count, q.statements


def _same(small: tuple[int, list[str]], big: tuple[int, list[str]]) -> None:
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])


@pytest.fixture(params=["visitor", "key"])
def who(request):
    return bearer(make_key(make_user("counter"))) if request.param == "key" else {}


def test_topic_list_1_vs_30_topics(client, count_queries, who):
    cat = make_category("Counted", slug="counted")
    make_topic(make_user(), cat, title="The only one here")
    small = _count(client, count_queries, "/api/v1/topics?category=counted", who)
    for i in range(29):
        topic = make_topic(make_user(), cat, title=f"Counted topic {i}")
        make_reply(topic, make_user())
    _same(small, _count(client, count_queries, "/api/v1/topics?category=counted", who))


def test_topic_posts_1_vs_20_posts_by_20_authors(client, count_queries, who):
    small = make_topic(make_user(), title="One lonely post")
    big = make_topic(make_user(), title="Twenty voices here")
    for _ in range(19):
        make_reply(big, make_user())
    _same(_count(client, count_queries, f"/api/v1/topics/{small.id}/posts", who),
          _count(client, count_queries, f"/api/v1/topics/{big.id}/posts", who))


def test_categories_1_vs_10(client, count_queries, who):
    make_topic(make_user(), make_category("First", slug="first"), title="Activity somewhere")
    small = _count(client, count_queries, "/api/v1/categories", who)
    for i in range(9):
        make_topic(make_user(), make_category(f"More {i}", slug=f"more-{i}"), title=f"Activity {i}")
    _same(small, _count(client, count_queries, "/api/v1/categories", who))


def test_a_body_over_the_size_limit_is_a_413_in_the_error_shape(client, app):
    key = bearer(make_key(make_user("verbose")))
    topic = make_topic(make_user(), title="Somewhere to write a lot")
    limit = int(app.config["MAX_CONTENT_LENGTH"])
    response = client.post(f"/api/v1/topics/{topic.id}/posts", headers=key,
                           json={"body": "x" * (limit + 10)})
    assert_error(response, 413, "too_large")


def test_a_database_that_is_down_is_a_503_and_a_failed_statement_a_500_in_the_error_shape(client, app, monkeypatch):
    def fails(error: Exception) -> Any:
        def raising(*args: Any, **kwargs: Any) -> Any:
            raise error
        return raising

    monkeypatch.setattr(services, "visible_categories",
                        fails(OperationalError("SELECT 1", {}, Exception("could not connect to server"))))
    assert_error(client.get("/api/v1/categories"), 503, "unavailable")
    monkeypatch.setattr(services, "visible_categories", fails(IntegrityError("INSERT", {}, Exception("unique"))))
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # as in production: no traceback to the caller
    assert_error(client.get("/api/v1/categories"), 500, "server_error")

"""Hostile input on every route: never a 5xx, on SQLite and PostgreSQL.

Every route of the authorization table (so a new route is fuzzed as soon as it has its row) is
called as a member and as an admin with hostile values in the query string and in every common
form field, and every URL rule is called with hostile path values. Each request runs in a
savepoint that is rolled back, so one request's writes never change what the next one sees.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest

from forum.extensions import db
from forum.text import strip_control_chars
from tests.test_authorization import TABLE, build_world, fill

HOSTILE = {
    "nul": "before\x00after",
    "controls": "bell\x07 escape\x1b c1\x85 del\x7f",
    "rtl": "\u202egnp.exe",
    "huge_int": "99999999999999999999999",
    "negative": "-1",
    "traversal": "../../etc/passwd",
    "markup": "<script>alert(1)</script>\"'",
    "long": "x" * 100_000,
    "superscript_digit": "²",  # a digit to str.isdigit(), not to int(): it was a server error
}
FIELDS = ("title", "body", "q", "name", "username", "login", "email", "password", "display_name", "bio",
          "reason", "message", "description", "venue", "cohosts", "category", "page", "after", "slug",
          "label", "pattern", "answer", "note", "next", "kind", "status", "capacity", "start_date",
          "start_time", "target", "version", "value", "locale", "timezone", "item_ids", "post_ids",
          "reply_to", "base_revision", "seq")
QUERY = ("q", "page", "after", "category", "target_id", "quote", "next", "author", "sort")


def run(client: Any, method: str, url: str, data: dict[str, Any] | None = None) -> int:
    connection = db.session.get_bind()
    savepoint = connection.begin_nested()
    try:
        db.session.remove()
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        return int(response.status_code)
    finally:
        db.session.remove()
        savepoint.rollback()


@pytest.mark.slow
@pytest.mark.parametrize("actor", ["active", "admin"])
def test_no_route_answers_5xx_to_hostile_fields_and_parameters(app, client, actor):
    with app.test_request_context("/"):
        world = build_world(actor)
    world.pop("actor")
    assert client.login("actor").status_code == 302
    token = client.csrf_token()
    cookies = dict(client._cookies)
    failures: list[str] = []
    for (rule, method), row in TABLE.items():
        url = fill(row.url, world)
        for name, value in HOSTILE.items():
            client._cookies = dict(cookies)
            if method == "GET":
                separator = "&" if "?" in url else "?"
                target = url + separator + "&".join(f"{key}={quote(value)}" for key in QUERY)
                status = run(client, "GET", target)
            else:
                data = {**{f: value for f in FIELDS}, **{k: fill(v, world) for k, v in row.data.items()},
                        "csrf_token": token}
                status = run(client, "POST", url, data)
            if status >= 500:
                failures.append(f"{method} {rule} with {name}: {status}")
    assert not failures, "\n".join(failures)


def test_invalid_utf8_in_a_form_and_a_query_is_not_a_5xx(app, client):
    from tests.factories import make_topic, make_user

    make_user("writer")
    client.login("writer")
    topic = make_topic()
    raw = b"csrf_token=" + client.csrf_token().encode() + b"&body=caf\xc3\x28 \xff\xfe broken"
    reply = client.post(f"/t/{topic.id}/reply", data=raw, content_type="application/x-www-form-urlencoded")
    assert reply.status_code == 400 and "not valid UTF-8" in reply.get_data(as_text=True)
    search = client.get("/search?q=caf%C3%28%FF")
    assert search.status_code == 400 and "not valid UTF-8" in search.get_data(as_text=True)
    assert client.get("/search?q=caff%C3%A8").status_code == 200  # real UTF-8 (caffè) is fine


def test_hostile_path_values_on_every_rule_are_not_a_5xx(app, client):
    failures = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in (rule.methods or set()):
            continue
        url = re.sub(r"<int:[^>]+>", "99999999999999999999999", rule.rule)
        url = re.sub(r"<(?:[^:>]+:)?[^>]+>", "a%00b", url)
        status = client.get(url).status_code
        if status >= 500:
            failures.append(f"{rule.rule} as {url}: {status}")
    assert not failures, "\n".join(failures)


def test_a_nul_in_a_post_is_removed_not_a_500(app, client):
    from sqlalchemy import select

    from forum.discussions.models import Post
    from tests.factories import make_topic, make_user

    make_user("writer")
    client.login("writer")
    topic = make_topic()
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "Grinder\x00 squeaks\x07 loudly."})
    assert response.status_code == 302
    raw = db.session.scalars(select(Post.raw).where(Post.topic_id == topic.id).order_by(Post.id.desc())).first()
    assert raw == "Grinder squeaks loudly."
    assert strip_control_chars("tab\tnew\nline\r") == "tab\tnew\nline\r"  # what people type stays

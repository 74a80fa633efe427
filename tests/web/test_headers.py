"""Browser policy on every answer: CSP, caching of personal pages, request size (413)."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.settings import set_setting
from tests.factories import make_topic, make_user


def directives(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("url", ["/", "/login", "/register", "/nope-404", "/search?q=x"])
def test_every_page_has_a_strict_content_security_policy(client, url):
    policy = directives(client.get(url))
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["style-src-elem"]


def test_no_page_carries_an_inline_script(client):
    make_topic(make_user("writer"), title="A topic to render")
    client.login("writer")
    for url in ["/", "/login", "/new-topic", "/settings", "/events", "/search?q=topic"]:
        page = client.get(url).get_data(as_text=True)
        inline = [tag for tag in re.findall(r"<script\b[^>]*>", page) if "src=" not in tag]
        handlers = re.findall(r"<[^>]+\son[a-z]+\s*=", page)
        assert not inline and not handlers, (url, inline, handlers)


def test_the_brand_css_gets_this_responses_nonce(client):
    set_setting("brand_primary", "#123456")
    db.session.commit()
    response = client.get("/")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)
    assert f'<style nonce="{nonce}">' in response.get_data(as_text=True)
    assert nonce not in client.get("/").headers["Content-Security-Policy"]  # fresh per response


def test_pages_for_a_signed_in_member_are_never_publicly_cacheable(client):
    make_user("mario")
    client.login("mario")
    for url in ["/", "/settings", "/calendar.ics"]:
        cache = client.get(url).headers.get("Cache-Control", "")
        assert "public" not in cache and "private" in cache, (url, cache)


def test_visitors_still_get_the_public_calendar_cacheable(client):
    assert "public" in client.get("/calendar.ics").headers["Cache-Control"]


def test_no_hsts_over_plain_http(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_a_huge_post_is_refused_before_it_is_read(client, app):
    body = b"login=x&password=" + b"a" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded",
                           headers={"Accept-Language": "it"})
    assert response.status_code == 413
    assert "MB" in response.get_data(as_text=True)


def test_the_longest_post_still_fits(client, app):
    make_user("mario")
    topic = make_topic(make_user("other"), title="Room for long replies")
    client.login("mario")
    body = "è" * (app.config["MAX_POST_LENGTH"] - 10)  # two bytes each, percent-encoded: ~6 per char
    response = client.post_form(f"/t/{topic.id}/reply", {"body": body})
    assert response.status_code == 302

"""Accepting new rules: an admin publishes, members are asked on their next post, drafts survive."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from forum.accounts.models import CodeOfConduct, CodeOfConductAcceptance
from forum.discussions.models import Category, Post, Topic
from forum.extensions import db
from tests.accounts.helpers import FAST_HASH, text, user
from tests.factories import make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


V2_BODY = "# House rules, version two\n\nBe kind. No spam. **Stay on topic**, please."
V2_SUMMARY = "Added: stay on topic."


def publish_v2(app, admin_name: str = "boss") -> None:
    admin = app.test_client()
    make_user(admin_name, role="admin")
    admin.login(admin_name)
    response = admin.post_form("/admin/code-of-conduct", {"body": V2_BODY, "summary": V2_SUMMARY})
    assert response.status_code == 302, text(response)


def test_an_admin_publishes_a_new_version_through_the_form(client, app):
    publish_v2(app)
    coc = db.session.scalar(select(CodeOfConduct).where(CodeOfConduct.version == 2))
    assert coc is not None and coc.summary == V2_SUMMARY
    assert "<strong>Stay on topic</strong>" in coc.body_html
    # The publisher accepted it on the way.
    assert user("boss").accepted_coc_version == 2
    public = text(client.get("/code-of-conduct"))
    assert "version 2" in public and "House rules, version two" in public


def test_publishing_needs_a_body_and_a_summary(client):
    make_user("boss", role="admin")
    client.login("boss")
    response = client.post_form("/admin/code-of-conduct", {"body": "too short", "summary": ""})
    assert response.status_code == 400
    page = text(response)
    assert 'id="body-error"' in page and 'id="summary-error"' in page
    assert db.session.scalar(select(CodeOfConduct).where(CodeOfConduct.version == 2)) is None


def test_members_see_the_banner_until_they_accept(client, app):
    make_user("carla")
    publish_v2(app)
    client.login("carla")
    home = text(client.get("/latest"))
    assert "The code of conduct was updated." in home and "Read and accept version 2" in home
    link = re.search(r'class="banner warning coc-banner".*?href="([^"]+)"', home, re.S).group(1)
    assert link.startswith("/code-of-conduct?next=")
    page = text(client.get(link.replace("&amp;", "&")))
    assert V2_SUMMARY in page  # what changed, up front
    assert "I have read and accept the code of conduct (version 2)" in page
    client.post_form("/code-of-conduct", {"version": "2", "accept": "y"})
    assert "The code of conduct was updated." not in text(client.get("/latest"))


def test_unaccepted_members_can_still_read(client, app):
    topic = make_topic(title="Readable after the change")
    make_user("carla")
    publish_v2(app)
    client.login("carla")
    assert client.get(f"/t/{topic.slug}/{topic.id}").status_code == 200
    assert client.get("/").status_code == 200


def test_a_reply_attempt_asks_for_acceptance_and_keeps_the_draft(client, app):
    topic = make_topic(title="Weekend brewing plans")
    make_user("carla")
    publish_v2(app)
    client.login("carla")
    draft = "I'll try a <Kenyan> roast this weekend & report back."
    response = client.post_form(f"/t/{topic.id}/reply", {"body": draft})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/code-of-conduct"
    back = parse_qs(location.query)["next"][0]
    assert back.startswith(f"/t/{topic.slug}/{topic.id}")
    from forum.discussions.models import Draft

    assert db.session.scalar(select(Draft.data).where(Draft.kind == "reply"))["body"] == draft  # kept server-side
    assert db.session.scalar(select(Post).where(Post.raw == draft)) is None

    page = text(client.get(response.headers["Location"]))
    assert "Your message is kept" in page

    # Without ticking the box nothing changes.
    refused = client.post_form("/code-of-conduct", {"version": "2", "next": back})
    assert refused.status_code == 400 and "Tick the box" in text(refused)
    assert user("carla").accepted_coc_version == 1

    accepted = client.post_form("/code-of-conduct", {"version": "2", "accept": "y", "next": back})
    assert accepted.status_code == 302 and accepted.headers["Location"] == back
    member = user("carla")
    assert member.accepted_coc_version == 2
    row = db.session.scalar(select(CodeOfConductAcceptance).where(
        CodeOfConductAcceptance.user_id == member.id, CodeOfConductAcceptance.coc_version == 2))
    assert row is not None and row.accepted_at is not None

    form_page = text(client.get(back))
    textarea = re.search(r'<textarea[^>]*name="body"[^>]*>(.*?)</textarea>', form_page, re.S).group(1)
    assert textarea.strip() == "I&#39;ll try a &lt;Kenyan&gt; roast this weekend &amp; report back."
    # Now the reply goes through.
    assert client.post_form(f"/t/{topic.id}/reply", {"body": draft}).status_code == 302
    assert db.session.scalar(select(Post).where(Post.raw == draft)) is not None


def test_a_new_topic_attempt_keeps_title_body_and_category(client, app):
    general = db.session.scalar(select(Category).where(Category.slug == "general"))
    make_user("carla")
    publish_v2(app)
    client.login("carla")
    response = client.post_form("/new-topic", {"category": general.id, "title": "Decaf that tastes good?",
                                               "body": "Looking for recommendations."})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/code-of-conduct"
    back = parse_qs(urlsplit(response.headers["Location"]).query)["next"][0]
    assert back == "/new-topic"
    client.post_form("/code-of-conduct", {"version": "2", "accept": "y", "next": back})
    page = text(client.get(back))
    assert 'value="Decaf that tastes good?"' in page
    assert "Looking for recommendations.</textarea>" in page
    assert re.search(rf'<option selected value="{general.id}">|<option value="{general.id}" selected', page)
    assert db.session.scalar(select(Topic).where(Topic.title == "Decaf that tastes good?")) is None


def test_accepting_an_outdated_version_is_refused(client, app):
    make_user("carla")
    publish_v2(app)
    client.login("carla")
    response = client.post_form("/code-of-conduct", {"version": "1", "accept": "y"})
    assert response.status_code == 400 and "newer code of conduct" in text(response)
    assert user("carla").accepted_coc_version == 1


def test_accepting_twice_stores_one_row(client, app):
    make_user("carla")
    publish_v2(app)
    client.login("carla")
    client.post_form("/code-of-conduct", {"version": "2", "accept": "y"})
    client.post_form("/code-of-conduct", {"version": "2", "accept": "y"})
    rows = db.session.scalars(select(CodeOfConductAcceptance).where(CodeOfConductAcceptance.coc_version == 2))
    assert sorted(r.user.username for r in rows) == ["boss", "carla"]


def test_anonymous_visitors_read_the_code_but_cannot_accept(client):
    assert client.get("/code-of-conduct").status_code == 200
    assert client.post_form("/code-of-conduct", {"version": "1", "accept": "y"}).status_code == 403


def test_the_next_parameter_of_the_acceptance_page_stays_on_site(client, app):
    make_user("carla")
    publish_v2(app)
    client.login("carla")
    response = client.post_form("/code-of-conduct", {"version": "2", "accept": "y", "next": "//evil.com"})
    assert response.headers["Location"] == "/"


def test_admins_see_who_accepted_which_version(client, app):
    make_user("carla")
    make_user("dario")
    publish_v2(app)
    client.login("carla")
    client.post_form("/code-of-conduct", {"version": "2", "accept": "y"})
    client.post_form("/logout")
    client.login("boss")
    v2 = text(client.get("/admin/code-of-conduct/2/acceptances"))
    assert "@carla" in v2 and "@boss" in v2 and "@dario" not in v2
    assert "2 of 3 members accepted this version." in v2
    v1 = text(client.get("/admin/code-of-conduct/1/acceptances"))
    assert "@carla" in v1 and "@dario" in v1
    overview = text(client.get("/admin/code-of-conduct"))
    assert "2 members" in overview and V2_SUMMARY in overview
    assert client.get("/admin/code-of-conduct/9/acceptances").status_code == 404


def test_acceptance_lists_are_paged(client, app):
    from forum.accounts import services

    make_user("boss", role="admin")
    for n in range(5):
        make_user(f"member{n}")
    client.login("boss")
    with app.test_request_context():
        from flask_login import login_user

        login_user(user("boss"))
        first = services.coc_acceptances(user("boss"), 1, page=1, per_page=4)
        second = services.coc_acceptances(user("boss"), 1, page=2, per_page=4)
    assert len(first.rows) == 4 and first.has_more
    assert len(second.rows) == 2 and not second.has_more
    assert {a.user_id for a in first.rows}.isdisjoint({a.user_id for a in second.rows})

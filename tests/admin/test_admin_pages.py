"""The admin area: access, categories (with restricted reading and posting), brand settings."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from forum.discussions.models import Category
from forum.extensions import db
from tests.accounts.helpers import FAST_HASH
from tests.factories import make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def admin_get_urls(app: Any) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/admin") and "GET" in (rule.methods or set()):
            values = {name: 1 for name in rule.arguments}
            urls.append(rule.build(values, append_unknown=False)[1])
    return sorted(set(urls))


@pytest.fixture
def admin_client(client: Any) -> Any:
    make_user("boss", role="admin")
    client.login("boss")
    return client


def category(slug: str) -> Category | None:
    db.session.expire_all()
    return db.session.scalar(select(Category).where(Category.slug == slug))


# --- access -----------------------------------------------------------------------------------

def test_admin_pages_answer_404_to_visitors_and_403_to_members(client, app):
    # Every page under /admin, whichever domain registers it.
    urls = admin_get_urls(app)
    assert {"/admin/", "/admin/categories", "/admin/brand", "/admin/code-of-conduct"} <= set(urls)
    wrong = {url: code for url in urls if (code := client.get(url).status_code) != 404}
    assert not wrong, f"visitors must get 404 on admin pages: {wrong}"
    for role in ("member", "moderator"):
        make_user(f"a{role}", role=role, staff=True)
        client.login(f"a{role}")
        wrong = {url: code for url in urls if (code := client.get(url).status_code) != 403}
        assert not wrong, f"a {role} must get 403 on admin pages: {wrong}"
        client.post_form("/logout")


def test_admin_posts_are_refused_to_members_before_anything_changes(client):
    make_user("carla")
    client.login("carla")
    response = client.post_form("/admin/categories/new", {"name": "Sneaky", "read_access": "everyone",
                                                          "topic_access": "members"})
    assert response.status_code == 403
    assert category("sneaky") is None


def test_the_admin_pages_render_for_an_admin(admin_client):
    for url in ("/admin/", "/admin/categories", "/admin/categories/new", "/admin/brand",
                "/admin/code-of-conduct", "/admin/code-of-conduct/1/acceptances"):
        response = admin_client.get(url)
        assert response.status_code == 200, url
    page = text(admin_client.get("/admin/categories"))
    assert 'aria-current="page"' in page and "General" in page


# --- categories ---------------------------------------------------------------------------------

def test_create_a_category(admin_client):
    response = admin_client.post_form("/admin/categories/new", {
        "name": "  Coffee   Machines ", "slug": "", "description": "Espresso and more.", "color": "#123abc",
        "position": "7", "read_access": "everyone", "topic_access": "members", "is_questions": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/admin/categories"
    created = category("coffee-machines")
    assert created is not None
    assert (created.name, created.description, created.color, created.position) == (
        "Coffee Machines", "Espresso and more.", "#123abc", 7)
    assert created.is_questions and not created.approve_topics
    assert "Coffee Machines" in text(admin_client.get("/"))


def test_a_category_without_a_colour_gets_the_default(admin_client):
    admin_client.post_form("/admin/categories/new", {"name": "Plain", "read_access": "everyone",
                                                     "topic_access": "members"})
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", category("plain").color)


def test_edit_a_category(admin_client):
    general = category("general")
    response = admin_client.post_form(f"/admin/categories/{general.id}", {
        "name": "General chat", "slug": "general", "description": "Anything goes.", "color": "#2f5d8a",
        "position": "2", "read_access": "everyone", "topic_access": "members", "approve_replies": "y"})
    assert response.status_code == 302
    edited = category("general")
    assert edited.name == "General chat" and edited.approve_replies and not edited.is_questions


def test_a_staff_only_category_is_hidden_from_members_and_visitors(admin_client, app):
    admin_client.post_form("/admin/categories/new", {"name": "Team room", "slug": "team", "read_access": "staff",
                                                     "topic_access": "staff"})
    team = category("team")
    assert team.read_access == "staff"
    topic = make_topic(author=make_user("mod", role="moderator"), category=team, title="Internal planning")
    assert admin_client.get("/c/team").status_code == 200

    visitor = app.test_client()
    assert visitor.get("/c/team").status_code == 404
    assert visitor.get(f"/t/{topic.slug}/{topic.id}").status_code == 404
    assert "Team room" not in text(visitor.get("/"))
    make_user("carla")
    member = app.test_client()
    member.login("carla")
    assert member.get("/c/team").status_code == 404
    assert "Internal planning" not in text(member.get("/latest"))


def test_members_only_reading_and_staff_only_topics(admin_client, app):
    admin_client.post_form("/admin/categories/new", {"name": "Insiders", "read_access": "members",
                                                     "topic_access": "members"})
    admin_client.post_form("/admin/categories/new", {"name": "News", "slug": "news", "read_access": "everyone",
                                                     "topic_access": "staff"})
    assert app.test_client().get("/c/insiders").status_code == 404
    make_user("carla")
    member = app.test_client()
    member.login("carla")
    assert member.get("/c/insiders").status_code == 200
    form = text(member.get("/new-topic"))
    news = category("news")
    insiders = category("insiders")
    assert f'value="{insiders.id}"' in form and f'value="{news.id}"' not in form
    refused = member.post_form("/new-topic", {"category": news.id, "title": "Members cannot start this",
                                              "body": "Trying anyway."})
    assert refused.status_code in (400, 403)
    assert "Members cannot start this" not in text(member.get("/c/news"))


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": ""}, "name", "Please enter a name."),
    ({"name": "x" * 81}, "name", "Use at most 80 characters."),
    ({"color": "red"}, "color", "Use a colour like #1a73e8."),
    ({"color": "#12345g"}, "color", "Use a colour like #1a73e8."),
    ({"color": "#123456;background:url(x)"}, "color", "Use a colour like #1a73e8."),
    ({"read_access": "nobody"}, "read_access", "Not a valid choice"),
    ({"position": "first"}, "position", "Not a valid integer value."),
    ({"slug": "general"}, "slug", "Another category already uses this address."),
])
def test_category_errors_are_shown_next_to_their_field(admin_client, data, field, message):
    form = {"name": "Valid name", "read_access": "everyone", "topic_access": "members"}
    form.update(data)
    response = admin_client.post_form("/admin/categories/new", form)
    assert response.status_code == 400
    page = html.unescape(text(response))
    error = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', page, re.S)
    assert error is not None, f"no error next to {field}"
    assert message in error.group(1)
    assert re.search(rf'aria-describedby="[^"]*{field}-error[^"]*"', page)
    assert category("valid-name") is None


def test_editing_a_category_cannot_steal_another_address(admin_client):
    support = category("support")
    response = admin_client.post_form(f"/admin/categories/{support.id}", {
        "name": "Support", "slug": "general", "read_access": "everyone", "topic_access": "members"})
    assert response.status_code == 400 and "Another category already uses this address." in text(response)
    assert category("support") is not None


def test_an_unknown_category_is_404(admin_client):
    assert admin_client.get("/admin/categories/999").status_code == 404


# --- brand --------------------------------------------------------------------------------------

def brand_form(**overrides: str) -> dict[str, str]:
    data = {"community_name": "Caffè Club", "community_tagline": "Brew better", "logo_url": "",
            "brand_primary": "", "brand_accent": "", "theme": ""}
    data.update(overrides)
    return data


@pytest.mark.parametrize("colour", ["red", "#fff", "#12345g", "123456", "#1234567", "#123456;}body{x:y",
                                    "rgb(1,2,3)", "#123456 !important"])
def test_brand_refuses_colours_that_are_not_hex(admin_client, colour):
    response = admin_client.post_form("/admin/brand", brand_form(brand_primary=colour, brand_accent=colour))
    assert response.status_code == 400
    page = text(response)
    assert 'id="brand_primary-error"' in page and 'id="brand_accent-error"' in page
    assert "--brand-primary" not in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JavaScript:alert(1)", "http://cdn.example/logo.png",
                                 "//evil.example/logo.png", "/\\evil.example/logo.png", "data:image/png;base64,AA",
                                 "https://x.example/a b.png", 'https://x.example/"onerror="alert(1)',
                                 "vbscript:msgbox(1)", "logo.png"])
def test_brand_refuses_logo_urls_that_are_not_https_or_local(admin_client, url):
    response = admin_client.post_form("/admin/brand", brand_form(logo_url=url))
    assert response.status_code == 400
    assert 'id="logo_url-error"' in text(response)
    assert "Use an https:// address or a path on this site." in text(response)


@pytest.mark.parametrize("url", ["https://cdn.example/logo.svg", "/theme/img/logo.png"])
def test_brand_accepts_https_and_local_logos(admin_client, url):
    assert admin_client.post_form("/admin/brand", brand_form(logo_url=url)).status_code == 302
    assert f'<img src="{url}"' in text(admin_client.get("/"))


def test_brand_colours_reach_the_page_as_css_custom_properties(admin_client, app):
    response = admin_client.post_form("/admin/brand", brand_form(brand_primary="#12ab34", brand_accent="#ABCDEF"))
    assert response.status_code == 302
    page = text(app.test_client().get("/"))
    style = re.search(r'<style nonce="[^"]+">(.*?)</style>', page, re.S)
    assert style is not None
    assert "--brand-primary: #12ab34;" in style.group(1) and "--brand-accent: #ABCDEF;" in style.group(1)
    assert "Caffè Club" in page and "Brew better" in page


def test_brand_form_shows_the_saved_values(admin_client):
    admin_client.post_form("/admin/brand", brand_form(brand_primary="#12ab34"))
    page = text(admin_client.get("/admin/brand"))
    assert 'value="#12ab34"' in page and 'value="Caffè Club"' in page


def test_brand_refuses_an_unknown_theme(admin_client):
    response = admin_client.post_form("/admin/brand", brand_form(theme="no-such-theme"))
    assert response.status_code == 400 and "Unknown theme." in text(response)


def test_the_brand_service_checks_its_rules_too(app):
    # The form is only one way in: the service refuses the same values.
    from forum.admin import services
    from forum.errors import PermissionDenied, ValidationFailed

    admin = make_user("boss", role="admin")
    member = make_user("carla")
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as refused:
            services.save_brand(admin, {"logo_url": "javascript:alert(1)", "brand_primary": "red"})
        assert set(refused.value.errors) == {"logo_url", "brand_primary"}
        with pytest.raises(PermissionDenied):
            services.save_brand(member, {"community_name": "Mine now"})


# --- the overview: today's figures --------------------------------------------------------------

FIGURE = re.compile(r'<li class="figure( needs-action)?">\s*<a href="([^"]+)">\s*'
                    r'<span class="figure-value">([^<]+)</span>\s*<span class="figure-label">([^<]+)</span>')


def figures(page: str) -> dict[str, tuple[str, str, bool]]:
    """label -> (value, link, needs action)."""
    return {html.unescape(label): (value, html.unescape(link), bool(flag))
            for flag, link, value, label in FIGURE.findall(page)}


def test_the_overview_shows_the_numbers_that_matter_today_with_links_to_act(admin_client, count_queries):
    from datetime import timedelta

    from forum.db_types import utcnow
    from forum.moderation.services import flag_post
    from tests.factories import opening_post, support_category

    member = make_user("asker", created_at=utcnow() - timedelta(days=30))
    make_user("fresh")  # joined today
    topic = make_topic(author=member, category=support_category(), title="My grinder is jammed")
    old = make_topic(author=member, title="An old topic")
    opening_post(old).created_at = utcnow() - timedelta(days=10)
    flag_post(make_user("reporter"), opening_post(topic), "spam")
    db.session.commit()

    with count_queries() as queries:
        page = text(admin_client.get("/admin/"))
    shown = figures(page)
    assert shown["In the review queue"] == ("1", "/review", True)
    assert shown["Flags to review"] == ("1", "/review?kind=flag", True)
    assert shown["New members"][0:2] == ("3", "/admin/staff/members?show=new")  # boss, fresh, reporter
    assert shown["Posts"] == ("1", "/latest", False)  # the old topic's post is 10 days old
    assert shown["Awaiting a staff answer"][0:2] == ("2", "/staff/responses")
    assert queries.count <= 12  # one query per figure at most, whatever the forum's size

    # Each link leads somewhere that acts on the number.
    assert "My grinder is jammed" in text(admin_client.get("/staff/responses"))
    members = text(admin_client.get("/admin/staff/members?show=new"))
    assert "@fresh" in members and "@asker" not in members

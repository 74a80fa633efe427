"""Tag pages, the index, list filters, the staff menu, the API and the feeds."""

from __future__ import annotations

import feedparser

from forum.discussions import services as discussions
from forum.discussions.models import ReadAccess
from tests.api.conftest import bearer, make_key
from tests.factories import make_category, make_topic, make_user
from tests.tags.conftest import make_group, make_tag, tags_of


def _world():
    boss = make_user("boss", role="admin")
    products = make_group("Product", translations={"it": {"name": "Prodotto"}, "fr": {"name": "Produit"}})
    moka = make_tag("moka-pro", group=products)
    make_tag("mokapro", target=moka)
    make_tag("grinder")
    public = make_category("Coffee", slug="coffee")
    club = make_category("Club", slug="club", read_access=ReadAccess.MEMBERS)
    tagged = discussions.create_topic(boss, public, "Public moka question", "Words about it.", tags="moka-pro")
    discussions.create_topic(boss, club, "Members moka secret", "Words about it.", tags="moka-pro")
    discussions.create_topic(boss, public, "Grinder only topic", "Words about it.", tags="grinder")
    return tagged.post.topic


def test_tag_page_lists_only_readable_topics_and_synonyms_redirect(client):
    _world()
    page = client.get("/tag/moka-pro").get_data(as_text=True)
    assert "Public moka question" in page and "Members moka secret" not in page
    assert "Grinder only topic" not in page
    assert client.get("/tag/mokapro").headers["Location"].endswith("/tag/moka-pro")
    assert client.get("/tag/nothing-here").status_code == 404
    make_user("reader")
    client.login("reader")
    assert "Members moka secret" in client.get("/tag/moka-pro").get_data(as_text=True)


def test_index_groups_tags_under_translated_group_names(client):
    _world()
    page = client.get("/tags").get_data(as_text=True)
    assert "Product" in page and "Other tags" in page and "grinder" in page
    assert "mokapro" not in page  # synonyms are not tags of their own
    italian = client.get("/tags", headers={"Accept-Language": "it"}).get_data(as_text=True)
    assert "Prodotto" in italian


def test_lists_filter_by_tag(client):
    _world()
    latest = client.get("/latest?tag=moka-pro").get_data(as_text=True)
    assert "Public moka question" in latest and "Grinder only topic" not in latest
    category = client.get("/c/coffee?tag=grinder").get_data(as_text=True)
    assert "Grinder only topic" in category and "Public moka question" not in category
    assert "Grinder only topic" not in client.get("/latest?tag=unknown").get_data(as_text=True)


def test_staff_change_tags_from_the_topic_menu_members_do_not(client):
    topic = _world()
    make_user("member")
    client.login("member")
    assert "Edit tags" not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert client.get(f"/t/{topic.id}/tags").status_code == 403
    client = client.application.test_client()  # another browser
    make_user("mod", role="moderator")
    client.login("mod")
    assert "Edit tags" in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    bad = client.post_form(f"/t/{topic.id}/tags", {"tags": "grinder, ???"})
    assert bad.status_code == 400 and 'value="grinder, ???"' in bad.get_data(as_text=True)  # text kept
    assert client.post_form(f"/t/{topic.id}/tags", {"tags": "grinder, mokapro"}).status_code == 302
    assert tags_of(topic.id) == ["grinder", "moka-pro"]


def test_api_topics_carry_tags_filter_by_tag_and_list_tags(client):
    _world()
    key = bearer(make_key(make_user("caller")))
    listed = client.get("/api/v1/topics?tag=moka-pro", headers=key).get_json()
    assert [(t["title"], t["tags"]) for t in listed["items"]] == [("Members moka secret", ["moka-pro"]),
                                                                    ("Public moka question", ["moka-pro"])]
    tags = {t["name"]: t for t in client.get("/api/v1/tags", headers=key).get_json()}
    assert set(tags) == {"moka-pro", "grinder"}
    assert tags["moka-pro"]["synonyms"] == ["mokapro"] and tags["moka-pro"]["topic_count"] == 2


def test_api_creates_a_topic_with_tags(client):
    make_tag("grinder")
    category = make_category("Coffee", slug="coffee")
    key = bearer(make_key(make_user("writer")))
    response = client.post("/api/v1/topics", headers=key, json={
        "category_id": category.id, "title": "Tagged through the API", "body": "Words about grinders.",
        "tags": ["grinder"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["topic"]["tags"] == ["grinder"]
    refused = client.post("/api/v1/topics", headers=key, json={
        "category_id": category.id, "title": "Invented tag via API", "body": "Words about grinders.",
        "tags": ["not-a-tag-yet"]})
    assert refused.status_code == 422 and "tags" in refused.get_json()["error"]["fields"]


def test_tag_feed_holds_what_a_visitor_reads(client):
    _world()
    for fmt in ("rss", "atom"):
        response = client.get(f"/tag/moka-pro.{fmt}")
        assert response.status_code == 200
        parsed = feedparser.parse(response.data)
        assert parsed.bozo == 0
        assert [e.title for e in parsed.entries] == ["Public moka question"]
    assert client.get("/tag/mokapro.rss").status_code == 200  # a synonym's feed is its tag's
    assert client.get("/tag/nothing.rss").status_code == 404


def test_topic_without_tags_shows_no_chips(client):
    topic = make_topic(make_user(), make_category(), title="Plain topic without tags")
    assert 'class="topic-tags"' not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)

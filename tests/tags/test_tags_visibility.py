"""Tags name only what the reader may read: /tags, /tags/suggest, /api/v1/tags and /tag/<slug>
count a reader's visible topics; a tag used only in a staff-only category is not named to others."""

from __future__ import annotations

import pytest

from forum.discussions import services as discussions
from forum.discussions.models import ReadAccess
from tests.api.conftest import bearer, make_key
from tests.factories import make_category, make_user
from tests.tags.conftest import make_tag


def _world():
    boss = make_user("boss", role="admin")
    make_tag("moka-pro")
    recall = make_tag("recall-moka-pro-2027")
    make_tag("recall-2027", target=recall)
    public = make_category("Coffee", slug="coffee")
    staff = make_category("Staff room", slug="staff-room", read_access=ReadAccess.STAFF)
    discussions.create_topic(boss, public, "Public moka question", "Words about it.", tags="moka-pro")
    discussions.create_topic(boss, staff, "The recall plan for moka", "Words about it.",
                             tags="moka-pro, recall-moka-pro-2027")


def _as(client, who: str):
    if who != "visitor":
        make_user(who, role="moderator" if who == "mod" else "member")
        client.login(who)


@pytest.mark.parametrize(("who", "sees_secret", "moka_count"), [("visitor", False, 1), ("member", False, 1),
                                                                ("mod", True, 2)])
def test_tag_index_and_suggestions_count_only_readable_topics(client, who, sees_secret, moka_count):
    _world()
    _as(client, who)
    page = client.get("/tags").get_data(as_text=True)
    assert ("recall-moka-pro-2027" in page) is sees_secret
    assert f"× {moka_count}" in page and ("× 2" in page) is sees_secret
    assert client.get("/tag/recall-moka-pro-2027").status_code == (200 if sees_secret else 404)
    assert client.get("/tag/recall-2027").status_code == (301 if sees_secret else 404)  # no redirect naming it
    if who != "visitor":
        found = client.get("/tags/suggest?q=moka").get_json()["tags"]
        assert [(t["name"], t["topic_count"]) for t in found] == [("moka-pro", moka_count)]
        found = client.get("/tags/suggest?q=rec").get_json()["tags"]
        assert [t["name"] for t in found] == (["recall-moka-pro-2027"] if sees_secret else [])


@pytest.mark.parametrize(("who", "sees_secret", "moka_count"), [("visitor", False, 1), ("member", False, 1),
                                                                ("mod", True, 2)])
def test_api_tags_lists_only_readable_tags(client, who, sees_secret, moka_count):
    _world()
    headers = {} if who == "visitor" else bearer(make_key(make_user(who, role="moderator" if who == "mod"
                                                                        else "member")))
    tags = {t["name"]: t["topic_count"] for t in client.get("/api/v1/tags", headers=headers).get_json()}
    assert tags == ({"moka-pro": 2, "recall-moka-pro-2027": 1} if sees_secret else {"moka-pro": moka_count})


def test_tag_page_counts_the_readers_topics(client):
    _world()
    assert "1 topic" in client.get("/tag/moka-pro").get_data(as_text=True)


def test_a_staff_only_tags_feed_is_a_404_like_a_missing_one(client):
    _world()
    assert client.get("/tag/recall-moka-pro-2027.rss").status_code == 404
    assert client.get("/tag/moka-pro.atom").status_code == 200

"""``tag:`` in the search box (Whoosh): several tags are ANDed; a change of tags reindexes the
topic's posts through the index's own path."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from forum.discussions import services as discussions
from forum.extensions import db
from forum.search.index import NullSearchIndex, SearchQuery
from forum.search.query import parse_query_box
from forum.tags import services as tags
from forum.tags.models import Tag
from tests.factories import make_category, make_reply, make_topic, make_user


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def titles(client, query: str) -> list[str]:
    html = client.get("/search", query_string={"q": query}).get_data(as_text=True)
    found = re.findall(r'<article class="card search-hit">\s*<h2><a [^>]+>(.*?)</a>', html)
    return sorted({re.sub(r"<[^>]+>", "", t) for t in found})


def _tags(*names: str) -> None:
    for name in names:
        db.session.add(Tag(name=name, description="", topic_count=0))
    db.session.commit()


def test_the_box_reads_several_tags():
    text, box = parse_query_box("leak tag:Moka-Pro tag:firmware-2-1 category:support")
    assert text == "leak"
    assert box["tags"] == ["moka-pro", "firmware-2-1"] and box["category"] == "support"


def test_tag_filters_are_anded_and_work_without_words(client):
    _tags("moka-pro", "firmware-2-1")
    staff = make_user("boss", role="admin")
    cat = make_category("Coffee", slug="coffee")
    discussions.create_topic(staff, cat, "Moka Pro leaking water", "The gasket leaks water.", tags="moka-pro")
    discussions.create_topic(staff, cat, "Moka Pro firmware update", "Water heater update.",
                             tags="moka-pro, firmware-2-1")
    make_topic(staff, cat, title="Untagged water talk", body="Water everywhere, no tags.")
    assert titles(client, "tag:moka-pro") == ["Moka Pro firmware update", "Moka Pro leaking water"]
    assert titles(client, "water tag:moka-pro tag:firmware-2-1") == ["Moka Pro firmware update"]
    assert titles(client, "tag:no-such-tag") == []
    page = client.get("/search", query_string={"q": "firmware"}).get_data(as_text=True)
    assert 'href="/tag/firmware-2-1"' in page  # the hit shows its topic's tags


def test_changing_tags_reindexes_every_post_of_the_topic(client):
    _tags("grinder")
    staff = make_user("boss", role="admin")
    topic = make_topic(staff, make_category("Coffee", slug="coffee"), title="Burr grinder noise",
                       body="It squeaks loudly.")
    make_reply(topic, make_user(), "Mine squeaks too, since the update.")
    assert titles(client, "squeaks tag:grinder") == []
    tags.set_topic_tags(staff, topic, "grinder")
    discussions_page = client.get("/search", query_string={"q": "squeaks tag:grinder"}).get_data(as_text=True)
    assert discussions_page.count('class="card search-hit"') == 2  # the opening post and the reply


def test_null_backend_accepts_a_tag_only_search():
    query = SearchQuery(text="", allowed_category_ids=None, tags=frozenset({"moka-pro"}))
    assert NullSearchIndex().search(query).total == 0


def test_a_synonym_in_tag_filter_finds_its_tags_topics(client):
    _tags("moka-pro")
    synonym = Tag(name="mokapro", description="", topic_count=0,
                  target_id=db.session.scalar(select(Tag.id).where(Tag.name == "moka-pro")))
    db.session.add(synonym)
    db.session.commit()
    staff = make_user("boss", role="admin")
    discussions.create_topic(staff, make_category("Coffee", slug="coffee"), "Moka Pro leaking water",
                             "The gasket leaks water.", tags="moka-pro")
    assert titles(client, "tag:mokapro") == ["Moka Pro leaking water"]
    assert titles(client, "water tag:MokaPro") == ["Moka Pro leaking water"]
    assert tags.canonical_names(["mokapro", "moka-pro", "nothing"]) == ["moka-pro", "nothing"]

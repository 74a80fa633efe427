"""Admin → Tags through its pages, and the tag page's keyset walk."""

from __future__ import annotations

from sqlalchemy import select

from forum.discussions import services as discussions
from forum.extensions import db
from forum.tags.models import CategoryTagRule, Tag, TagGroup
from tests.factories import make_category, make_user
from tests.tags.conftest import make_tag, tags_of


def test_admin_creates_groups_tags_rules_and_merges_through_the_pages(client):
    make_user("boss", role="admin")
    category = make_category("Helpdesk", slug="helpdesk")
    client.login("boss")
    assert client.post_form("/admin/tags/groups", {"group-name": "Product", "group-position": "1",
                                                  "group-name__it": "Prodotto"}).status_code == 302
    group = db.session.scalar(select(TagGroup))
    assert group.translations == {"it": {"name": "Prodotto"}}
    assert client.post_form("/admin/tags", {"tag-name": "Moka Pro", "tag-groups": str(group.id)}).status_code == 302
    assert client.post_form("/admin/tags", {"tag-name": "moka"}).status_code == 302
    duplicate = client.post_form("/admin/tags", {"tag-name": "moka pro"})
    assert duplicate.status_code == 400 and "There is already a tag “moka-pro”" in duplicate.get_data(as_text=True)
    assert client.post_form("/admin/tags/rules", {"rule-category": str(category.id), "rule-min_tags": "1",
                                                 "rule-required_group": str(group.id)}).status_code == 302
    rule = db.session.get(CategoryTagRule, category.id)
    assert (rule.min_tags, rule.required_group_id) == (1, group.id)
    moka = db.session.scalar(select(Tag).where(Tag.name == "moka"))
    assert client.post_form(f"/admin/tags/{moka.id}/merge", {"merge-into": "moka-pro"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Tag, moka.id).target.name == "moka-pro"
    page = client.get("/admin/tags").get_data(as_text=True)
    assert "moka-pro" in page and "Helpdesk" in page
    # The rule at work: typing the merged tag satisfies it.
    topic = discussions.create_topic(make_user(), category, "Needs a product tag", "Some words here.", tags="moka")
    assert tags_of(topic.post.topic.id) == ["moka-pro"]


def test_tag_page_walks_older_topics_once_each(client, app):
    app.config["TOPICS_PER_PAGE"] = 3
    make_tag("walk")
    staff = make_user(role="admin")
    cat = make_category()
    made = {discussions.create_topic(staff, cat, f"Walking tagged topic {i}", "Some words.",
                                     tags="walk").post.topic.title for i in range(7)}
    seen: list[str] = []
    url = "/tag/walk"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [t for t in made if f">{t}</a>" in html]
        marker = 'rel="next" href="'
        url = html.split(marker)[1].split('"')[0].replace("&amp;", "&") if marker in html else ""
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))

"""The composer's Tags field: new topics and edits of an opening post carry tags, in the same
write; bad tags are a translated message with the text kept."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.tags.models import Tag, TopicTag
from tests.factories import make_category, make_topic, make_user, opening_post


def _tags_of(topic_id: int) -> list[str]:
    return sorted(db.session.scalars(select(Tag.name).join(TopicTag, TopicTag.tag_id == Tag.id)
                                     .where(TopicTag.topic_id == topic_id)))


def _tag(name: str, **fields) -> Tag:
    tag = Tag(name=name, description="", topic_count=0, **fields)
    db.session.add(tag)
    db.session.commit()
    return tag


def test_member_creates_a_topic_with_existing_tags_from_the_form(client):
    _tag("moka-pro")
    _tag("firmware-2-1")
    category = make_category("Coffee", slug="coffee")
    make_user("mario")
    client.login("mario")
    response = client.post_form("/new-topic", {"category": category.id, "title": "My Moka Pro leaks water",
                                               "body": "Since yesterday the Moka Pro leaks.",
                                               "tags": "Moka Pro, firmware-2-1"})
    assert response.status_code == 302
    topic_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    assert _tags_of(topic_id) == ["firmware-2-1", "moka-pro"]
    assert db.session.scalar(select(Tag.topic_count).where(Tag.name == "moka-pro")) == 1
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="/tag/moka-pro"' in page
    listing = client.get("/latest").get_data(as_text=True)
    assert 'href="/tag/firmware-2-1"' in listing


def test_a_member_cannot_create_a_tag_the_text_is_kept(client):
    category = make_category("Coffee", slug="coffee")
    make_user("mario")
    client.login("mario")
    response = client.post_form("/new-topic", {"category": category.id, "title": "A brand new machine",
                                               "body": "Which tag should this get?", "tags": "nuova-macchina"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is no tag “nuova-macchina”" in page
    assert "Which tag should this get?" in page and 'value="nuova-macchina"' in page
    assert db.session.scalar(select(Tag.id).where(Tag.name == "nuova-macchina")) is None


def test_staff_create_a_tag_by_typing_it(client):
    category = make_category("Coffee", slug="coffee")
    make_user("boss", role="admin")
    client.login("boss")
    response = client.post_form("/new-topic", {"category": category.id, "title": "The new grinder is here",
                                               "body": "Announcing the grinder.", "tags": "grinder-x"})
    assert response.status_code == 302
    tag = db.session.scalar(select(Tag).where(Tag.name == "grinder-x"))
    assert tag is not None and tag.topic_count == 1


def test_editing_the_opening_post_changes_tags_and_counts(client):
    _tag("moka-pro")
    _tag("grinder")
    author = make_user("mario")
    topic = make_topic(author, make_category("Coffee", slug="coffee"), title="A question about coffee")
    client.login("mario")
    post = opening_post(topic)
    form = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert 'name="tags"' in form
    response = client.post_form(f"/posts/{post.id}/edit", {"title": topic.title, "body": post.raw,
                                                           "base_revision": "0", "tags": "moka-pro"})
    assert response.status_code == 302
    assert _tags_of(topic.id) == ["moka-pro"]
    response = client.post_form(f"/posts/{post.id}/edit", {"title": topic.title, "body": post.raw,
                                                           "base_revision": "0", "tags": "grinder"})
    assert response.status_code == 302
    assert _tags_of(topic.id) == ["grinder"]
    counts = dict(db.session.execute(select(Tag.name, Tag.topic_count)).all())
    assert counts == {"moka-pro": 0, "grinder": 1}
    assert db.session.get(type(post), post.id).edit_count == 0  # tags alone make no revision

"""Tag rules: synonyms, merging, required tags, the per-topic maximum, who creates tags, counts."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.audit.models import AuditLog
from forum.discussions import services as discussions
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import set_setting
from forum.tags import admin, services
from forum.tags.models import Tag
from tests.factories import make_category, make_topic, make_user
from tests.tags.conftest import counts, make_group, make_tag, tags_of


def _topic(author, category, title: str, tags: str):
    return discussions.create_topic(author, category, title, "Some words about the machine.", tags=tags).post.topic


def test_names_are_normalised_and_deduplicated():
    assert services.parse_names(" Moka Pro, moka-pro ,Firmware 2.1,,Perché") == ["moka-pro", "firmware-2-1",
                                                                              "perche"]
    with pytest.raises(ValidationFailed) as caught:
        services.parse_names("moka, ???")
    assert "tags" in caught.value.errors


def test_typing_a_synonym_tags_its_target(app):
    target = make_tag("moka-pro")
    make_tag("mokapro", target=target)
    topic = _topic(make_user(), make_category(), "Synonyms at work here", "mokapro")
    assert tags_of(topic.id) == ["moka-pro"]
    assert counts() == {"moka-pro": 1, "mokapro": 0}


def test_merge_moves_topics_without_duplicates_and_leaves_a_synonym(app):
    boss = make_user("boss", role="admin")
    old, new = make_tag("moka"), make_tag("moka-pro")
    cat = make_category()
    both = _topic(boss, cat, "Tagged with both tags", "moka, moka-pro")
    only_old = _topic(boss, cat, "Tagged with the old tag", "moka")
    admin.merge_tag(boss, old, "moka-pro")
    assert tags_of(both.id) == ["moka-pro"] and tags_of(only_old.id) == ["moka-pro"]
    assert counts() == {"moka": 0, "moka-pro": 2}
    assert db.session.get(Tag, old.id).target_id == new.id
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "tag.merge"))
    assert entry.after == {"into": "moka-pro", "topics": 1} and entry.before == {"topics": 2}
    # Typing the old name still tags the merged one.
    later = _topic(boss, cat, "After the merge happened", "moka")
    assert tags_of(later.id) == ["moka-pro"]


def test_delete_removes_the_tag_from_its_topics_and_is_audited(app):
    boss = make_user("boss", role="admin")
    tag = make_tag("obsolete")
    topic = _topic(boss, make_category(), "An obsolete product", "obsolete")
    admin.delete_tag(boss, tag)
    assert tags_of(topic.id) == [] and counts() == {}
    assert db.session.scalar(select(AuditLog.before).where(AuditLog.action == "tag.delete"))["topics"] == 1


def test_a_category_can_require_tags_from_a_group(app):
    boss = make_user("boss", role="admin")
    products = make_group("Product")
    make_tag("moka-pro", group=products)
    make_tag("question")
    cat = make_category("Helpdesk", slug="helpdesk")
    admin.save_rule(boss, cat, min_tags=1, required_group_id=products.id, allowed_group_ids=[])
    member = make_user()
    with pytest.raises(ValidationFailed) as caught:
        _topic(member, cat, "No product tag given", "question")
    assert "Product" in caught.value.errors["tags"]
    assert db.session.scalar(select(Tag.topic_count).where(Tag.name == "question")) == 0  # rolled back
    topic = _topic(member, cat, "With a product tag", "question, moka-pro")
    assert tags_of(topic.id) == ["moka-pro", "question"]


def test_allowed_groups_refuse_other_tags(app):
    boss = make_user("boss", role="admin")
    firmware = make_group("Firmware version")
    make_tag("firmware-2-1", group=firmware)
    make_tag("offtopic")
    cat = make_category()
    admin.save_rule(boss, cat, min_tags=0, required_group_id=None, allowed_group_ids=[firmware.id])
    with pytest.raises(ValidationFailed) as caught:
        _topic(make_user(), cat, "Wrong kind of tag", "offtopic")
    assert "offtopic" in caught.value.errors["tags"]
    assert tags_of(_topic(make_user(), cat, "Right kind of tag", "firmware-2-1").id) == ["firmware-2-1"]


def test_at_most_the_configured_number_of_tags(app):
    for name in "abcdef":
        make_tag(f"tag-{name}")
    with pytest.raises(ValidationFailed):
        _topic(make_user(), make_category(), "Too many tags here", ", ".join(f"tag-{n}" for n in "abcdef"))
    set_setting(services.MAX_PER_TOPIC, 6)
    db.session.commit()
    assert len(tags_of(_topic(make_user(), make_category(), "Six is fine now", ", ".join(
        f"tag-{n}" for n in "abcdef")).id)) == 6


def test_members_cannot_create_tags_staff_can(app):
    with pytest.raises(ValidationFailed):
        _topic(make_user(), make_category(), "Member invents a tag", "brand-new")
    assert db.session.scalar(select(Tag).where(Tag.name == "brand-new")) is None
    _topic(make_user(role="admin"), make_category(), "Staff invents a tag", "brand-new")
    assert counts() == {"brand-new": 1}


def test_who_changes_a_topics_tags(app):
    make_tag("grinder")
    author, other = make_user("author"), make_user("other")
    topic = make_topic(author, make_category(), title="Whose tags are these")
    with pytest.raises(PermissionDenied):
        services.set_topic_tags(other, topic, "grinder")
    with pytest.raises(PermissionDenied):  # the author changes them through the edit form, not the staff menu
        services.set_topic_tags(author, topic, "grinder")
    moderator = make_user("mod", role="moderator")
    assert services.set_topic_tags(moderator, topic, "grinder") is True
    assert db.session.scalar(select(AuditLog.after).where(AuditLog.action == "topic.tags")) == {"tags": ["grinder"]}


def test_only_admins_manage_tags(app):
    with pytest.raises(PermissionDenied):
        admin.create_tag(make_user(role="moderator"), "nope")
    tag = admin.create_tag(make_user("boss", role="admin"), "Moka Pro", "The moka")
    assert tag.name == "moka-pro"


def test_admin_lets_members_from_a_trust_level_create_tags(client):
    make_user("boss", role="admin")
    client.login("boss")
    assert client.get("/admin/tags").status_code == 200
    response = client.post_form("/admin/tags/settings", {"settings-max_per_topic": "3", "settings-creators": "0"})
    assert response.status_code == 302
    assert db.session.scalar(select(AuditLog.after).where(AuditLog.action == "tag.settings")) == {
        "max_per_topic": 3, "create_min_trust_level": 0}
    # Trust level 0 and the trust gate's own default (0): a member may now create a tag by typing it.
    topic = _topic(make_user("newbie"), make_category(), "A member's brand new tag", "member-made")
    assert tags_of(topic.id) == ["member-made"]

"""Pins in a category or for everyone (issue 11's "pinned announcement" on /latest): the
moderators' pin tool offers both, /latest leads with the global ones only, unpinning clears
both, and every change is audited."""

from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

from sqlalchemy import select

from forum.audit.models import AuditLog
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Topic
from forum.discussions.services import reads, topic_tools
from forum.extensions import db
from tests.factories import make_category, make_topic

TOPIC_ID_RE = re.compile(r'data-topic-id="(\d+)"')


def _latest_ids(client) -> list[int]:
    return [int(i) for i in TOPIC_ID_RE.findall(client.get("/latest").get_data(as_text=True))]


def _audit(topic: Topic) -> list[tuple[str, dict, dict]]:
    return [(e.action, e.before, e.after) for e in db.session.scalars(
        select(AuditLog).where(AuditLog.target_type == "topic", AuditLog.target_id == topic.id).order_by(AuditLog.id))]


def test_the_pin_tool_offers_the_category_or_everyone(client, mod, member, category):
    topic = make_topic(member, category, title="Opening hours change on Monday")
    make_topic(member, make_category("Elsewhere", slug="elsewhere"), title="A busier conversation")
    client.login("mona")
    page = html_lib.unescape(client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True))
    tool = page.split(f'action="/moderation/topics/{topic.id}/pin"', 1)[1].split("</form>", 1)[0]
    assert re.search(r'<input type="radio" name="scope" value="category" checked>\s*Pin in this category', tool)
    assert re.search(r'<input type="radio" name="scope" value="everyone">\s*Pin for everyone on Latest', tool)

    assert client.post_form(f"/moderation/topics/{topic.id}/pin", {"scope": "everyone", "until": ""}).status_code == 302
    db.session.expire_all()
    assert topic.is_pinned and topic.pinned_globally
    assert _latest_ids(client)[0] == topic.id
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Pinned for everyone on Latest" in page.split('action="/moderation/topics/', 1)[1].split("Move to", 1)[0]

    assert client.post_form(f"/moderation/topics/{topic.id}/unpin").status_code == 302
    db.session.expire_all()
    assert not topic.is_pinned and not topic.pinned_globally
    # The form's default: this category only. It leads the category, not /latest.
    assert client.post_form(f"/moderation/topics/{topic.id}/pin", {"until": ""}).status_code == 302
    db.session.expire_all()
    assert topic.is_pinned and not topic.pinned_globally
    assert _latest_ids(client)[0] != topic.id
    assert [t.id for t in discussions.list_topics(member, category=category).pinned] == [topic.id]
    assert "Pinned in this category" in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)

    assert [(action, before["globally"], after["globally"]) for action, before, after in _audit(topic)] == [
        ("topic.pin", False, True), ("topic.unpin", True, False), ("topic.pin", False, False)]
    # Nonsense is refused like any invalid choice.
    client.post_form(f"/moderation/topics/{topic.id}/unpin")
    client.post_form(f"/moderation/topics/{topic.id}/pin", {"scope": "galaxy"})
    db.session.expire_all()
    assert not topic.is_pinned


def test_pins_for_everyone_are_limited_to_what_latest_shows(app, mod, member, category, refused):
    topics = [make_topic(member, category, title=f"Everyone must read {i}") for i in range(reads.MAX_GLOBAL_PINS + 1)]
    for topic in topics[:-1]:
        topic_tools.pin_topic(mod, topic, globally=True)
    with refused() as info:
        topic_tools.pin_topic(mod, topics[-1], globally=True)
    assert f"At most {reads.MAX_GLOBAL_PINS} topics can be pinned for everyone" in str(info.value.errors)
    assert not topics[-1].is_pinned
    topic_tools.pin_topic(mod, topics[-1])  # in its category: always possible
    # Re-pinning one of them (a new end date) is no extra pin.
    topic_tools.pin_topic(mod, topics[0], utcnow() + timedelta(days=1), globally=True)
    # An expired pin frees its place.
    topics[0].pinned_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    topic_tools.pin_topic(mod, topics[-1], globally=True)
    assert topics[-1].pinned_globally

"""Constant SQL: the admin pages and the staff's topic page do not grow a query per row."""

from __future__ import annotations

from forum.escalations import services as escalations
from forum.extensions import db
from forum.webhooks.models import WebhookDelivery
from tests.factories import make_category, make_reply, make_staff, make_topic

from .conftest import add_endpoint


def _deliveries(endpoint, n: int) -> None:
    for i in range(n):
        db.session.add(WebhookDelivery(uid=f"dlv_q{endpoint.id}_{i}", endpoint_id=endpoint.id, event="topic_created",
                                       event_id=f"evt_q{i}", body="{}"))
    db.session.commit()


def _count(client, count_queries, url: str) -> int:
    client.get(url)  # warm: settings, the session's user
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    return counter.count


def test_the_webhook_pages_cost_the_same_for_1_or_20_rows(app, admin, client, count_queries):
    few = add_endpoint(admin, "https://a.example.com/", ["topic_created"], allow_internal=False)
    many = add_endpoint(admin, "https://b.example.com/", ["topic_created"], allow_internal=False)
    _deliveries(few, 1)
    _deliveries(many, 20)
    client.login("ada")
    assert _count(client, count_queries, f"/admin/webhooks/{few.id}/deliveries") == \
        _count(client, count_queries, f"/admin/webhooks/{many.id}/deliveries")
    one_endpoint = _count(client, count_queries, "/admin/webhooks")
    for i in range(10):
        add_endpoint(admin, f"https://c{i}.example.com/", ["topic_created"], allow_internal=False)
    assert _count(client, count_queries, "/admin/webhooks") == one_endpoint


def test_escalations_cost_the_same_for_1_or_4(app, client, count_queries):
    staff = make_staff("sam")
    topic = make_topic(title="Counting queries")
    replies = [make_reply(topic) for _ in range(3)]
    escalations.escalate(staff, topic, None, "Look", "low")
    client.login("sam")
    url = f"/t/{topic.slug}/{topic.id}"
    first, listed = _count(client, count_queries, url), _count(client, count_queries, "/escalations")
    for reply in replies:
        escalations.escalate(staff, topic, reply, "Look at this one", "high")
    page = client.get(url).get_data(as_text=True)
    assert page.count('class="escalation"') == 4
    assert _count(client, count_queries, url) == first
    for i in range(3):  # in other topics and categories, by other staff
        other = make_topic(category=make_category(f"Room {i}"), title=f"Another topic {i}")
        escalations.escalate(make_staff(f"staffer{i}"), other, None, "Elsewhere", "normal")
    assert _count(client, count_queries, "/escalations") == listed

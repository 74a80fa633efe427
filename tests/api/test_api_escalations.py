"""/api/v1/escalations: staff only (members 403, visitors 401), on topics the caller may read;
escalating is the form's service (audit entry, one open per post); the helpdesk records its
ticket with a staff key (``PUT …/ticket``) and resolves."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from forum.audit import AuditLog
from forum.escalations.models import Escalation
from forum.extensions import db
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import make_category, make_reply, make_staff, make_topic, make_user


@pytest.fixture(autouse=True)
def request_context(app: Any) -> Any:
    with app.test_request_context("/"):
        yield


@pytest.fixture
def world() -> Any:
    member = make_user("mia")
    topic = make_topic(member, title="My kettle whistles all night")
    reply = make_reply(topic, make_user("rob"))
    return member, topic, reply


def audits(action: str) -> int:
    return int(db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == action)) or 0)


def test_staff_escalate_and_the_helpdesk_records_its_ticket(client, world):
    member, topic, reply = world
    staff = bearer(make_key(make_staff("sam")))
    body = {"topic_id": topic.id, "post_id": reply.id, "reason": "Customer asks for a refund", "priority": "urgent"}
    assert_error(client.post("/api/v1/escalations", json=body), 401)
    assert_error(client.post("/api/v1/escalations", headers=bearer(make_key(member)), json=body), 403)
    assert_error(client.post("/api/v1/escalations", headers=bearer(make_key(make_staff("reader"), ("read",))),
                             json=body), 403, "insufficient_scope")
    response = client.post("/api/v1/escalations", headers=staff, json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    made = response.get_json()
    assert (made["topic_id"], made["post_id"], made["priority"], made["status"]) == (topic.id, reply.id, "urgent",
                                                                                     "open")
    assert response.headers["Location"] == f"/api/v1/escalations/{made['id']}"
    assert made["created_by"]["username"] == "sam" and made["ticket_reference"] is None
    assert audits("escalation.create") == 1
    assert_error(client.post("/api/v1/escalations", headers=staff, json=body), 422)  # one open per post
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 1

    ticket = {"reference": "ABC-123", "url": "https://helpdesk.example.com/t/123"}
    url = f"/api/v1/escalations/{made['id']}/ticket"
    assert_error(client.put(url, headers=bearer(make_key(member)), json=ticket), 403)
    error = assert_error(client.put(url, headers=staff, json={"reference": "ABC-1", "url": "javascript:alert(1)"}), 422)
    assert "url" in error["fields"]
    response = client.put(url, headers=staff, json=ticket)
    assert response.status_code == 200
    assert (response.get_json()["ticket_reference"], response.get_json()["ticket_url"]) == ("ABC-123", ticket["url"])
    assert audits("escalation.ticket") == 1
    assert client.get(f"/api/v1/escalations/{made['id']}", headers=staff).get_json() == response.get_json()
    listed = client.get("/api/v1/escalations", headers=staff).get_json()
    assert [e["id"] for e in listed] == [made["id"]]
    resolved = client.post(f"/api/v1/escalations/{made['id']}/resolve", headers=staff)
    assert resolved.status_code == 200 and resolved.get_json()["status"] == "resolved"
    assert client.get("/api/v1/escalations", headers=staff).get_json() == []
    assert [e["id"] for e in client.get("/api/v1/escalations?status=resolved", headers=staff).get_json()] == [
        made["id"]]
    assert audits("escalation.resolve") == 1


def test_members_and_visitors_never_see_escalations(client, world):
    member, topic, _reply = world
    staff = bearer(make_key(make_staff("sam")))
    made = client.post("/api/v1/escalations", headers=staff,
                       json={"topic_id": topic.id, "reason": "Check the whole thread"}).get_json()
    assert made["post_id"] is None and made["priority"] == "normal"
    for url in ("/api/v1/escalations", f"/api/v1/escalations/{made['id']}"):
        assert_error(client.get(url), 401)
        assert_error(client.get(url, headers=bearer(make_key(member))), 403)
    assert_error(client.get("/api/v1/escalations/999999", headers=staff), 404)


def test_the_post_must_be_of_the_topic(client, world):
    _member, topic, _reply = world
    staff = bearer(make_key(make_staff("sam")))
    elsewhere = make_reply(make_topic(make_user("other"), title="Another topic entirely"), make_user("ann"))
    assert_error(client.post("/api/v1/escalations", headers=staff,
                             json={"topic_id": topic.id, "post_id": elsewhere.id, "reason": "Wrong"}), 404)
    assert_error(client.post("/api/v1/escalations", headers=staff, json={"topic_id": 999999, "reason": "Lost"}), 404)
    assert_error(client.post("/api/v1/escalations", headers=staff,
                             json={"topic_id": topic.id, "reason": "Soon", "priority": "whenever"}), 422)
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 0


def test_the_list_runs_constant_sql(client, count_queries):
    staff_user = make_staff("sam")
    staff = bearer(make_key(staff_user))

    def escalate(n: int) -> None:
        topic = make_topic(make_user(f"asker{n}"), make_category(f"Room {n}"), title=f"Question number {n} here")
        assert client.post("/api/v1/escalations", headers=bearer(make_key(make_staff(f"agent{n}"))),
                           json={"topic_id": topic.id, "reason": f"Case {n}"}).status_code == 201

    def statements() -> tuple[int, list[str]]:
        client.get("/api/v1/escalations", headers=staff)
        with count_queries() as q:
            assert client.get("/api/v1/escalations", headers=staff).status_code == 200
        return q.count, q.statements

    escalate(0)
    one = statements()
    for n in range(1, 10):
        escalate(n)
    many = statements()
    assert len(client.get("/api/v1/escalations", headers=staff).get_json()) == 10
    assert one[0] == many[0], "\n".join(["ONE:", *one[1], "MANY:", *many[1]])

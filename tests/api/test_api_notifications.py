"""/api/v1/notifications: the notifications page's list (cursor walk, filters, what the reader
may no longer read left out), the bell's count, marking read; constant SQL for the list."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum import jobs
from forum.discussions import services as discussions
from forum.discussions.models import ReadAccess
from forum.extensions import db
from forum.notifications.models import Notification
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import make_category, make_topic, make_user, support_category


def reply(topic: Any, author: Any, body: str) -> Any:
    post = discussions.create_reply(author, topic, body).post
    jobs.run_pending()
    return post


def unread(user: Any) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification.id).where(Notification.user_id == user.id,
                                                                 Notification.read_at.is_(None))))


def test_the_list_walks_newest_first_in_the_readers_language(client):
    anna = make_user("anna", locale="it")
    topic = make_topic(anna, support_category(), title="Kettle whistles")
    for n in range(5):
        reply(topic, make_user(f"writer{n}"), f"@anna look at this {n}")
    key = bearer(make_key(anna))
    ids, cursor, texts = [], None, []
    while True:
        body = client.get("/api/v1/notifications?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=key).get_json()
        ids += [n["id"] for n in body["items"]]
        texts += [n["text"] for n in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    stored = list(db.session.scalars(select(Notification.id).where(Notification.user_id == anna.id)
                                     .order_by(Notification.id.desc())))
    assert ids == stored and len(ids) == 5
    assert all("Kettle whistles" in t for t in texts) and "menzionato" in texts[0], texts[0]
    first = client.get("/api/v1/notifications?limit=1", headers=key).get_json()["items"][0]
    assert first["url"].startswith("http") and first["topic_id"] == topic.id and first["read_at"] is None
    assert client.get("/api/v1/notifications?show=reply", headers=key).get_json()["items"] == []
    assert len(client.get("/api/v1/notifications?show=mention", headers=key).get_json()["items"]) == 5
    assert_error(client.get("/api/v1/notifications?kind=no_such_kind", headers=key), 400)
    assert_error(client.get("/api/v1/notifications?cursor=forged", headers=key), 400)


def test_a_notice_about_what_the_reader_can_no_longer_read_is_left_out(client):
    anna = make_user("anna")
    room = make_category("Later closed", slug="later-closed")
    topic = make_topic(anna, room, title="Soon behind a door")
    reply(topic, make_user("bruno"), "@anna hi")
    key = bearer(make_key(anna))
    assert client.get("/api/v1/notifications/unread", headers=key).get_json() == {"unread": 1}
    room.read_access = ReadAccess.STAFF
    db.session.commit()
    assert client.get("/api/v1/notifications", headers=key).get_json()["items"] == []
    assert client.get("/api/v1/notifications/unread", headers=key).get_json() == {"unread": 0}


def test_mark_one_and_all_read(client):
    anna, other = make_user("anna"), make_user("other")
    topic = make_topic(anna, support_category(), title="Marking")
    for n in range(3):
        reply(topic, make_user(f"writer{n}"), f"@anna hello {n}")
    key = bearer(make_key(anna))
    newest = client.get("/api/v1/notifications", headers=key).get_json()["items"][0]["id"]
    read_only = bearer(make_key(anna, ("read",)))
    assert_error(client.post(f"/api/v1/notifications/{newest}/read", headers=read_only), 403, "insufficient_scope")
    assert_error(client.post(f"/api/v1/notifications/{newest}/read", headers=bearer(make_key(other))), 404)
    response = client.post(f"/api/v1/notifications/{newest}/read", headers=key)
    assert response.status_code == 200 and response.get_json()["read_at"] is not None
    assert len(unread(anna)) == 2 and newest not in unread(anna)
    assert client.get("/api/v1/notifications/unread", headers=key).get_json() == {"unread": 2}
    assert client.post("/api/v1/notifications/read", headers=key).status_code == 204
    assert unread(anna) == []
    assert_error(client.get("/api/v1/notifications"), 401)


def test_the_list_runs_constant_sql(client, count_queries):
    anna = make_user("anna")
    key = bearer(make_key(anna))
    topic = make_topic(anna, support_category(), title="The first one")
    reply(topic, make_user("bruno"), "@anna hello")

    def statements() -> tuple[int, list[str]]:
        client.get("/api/v1/notifications", headers=key)
        with count_queries() as q:
            assert client.get("/api/v1/notifications", headers=key).status_code == 200
        return q.count, q.statements

    one = statements()
    for n in range(14):
        other = make_topic(make_user(f"asker{n}"), support_category(), title=f"Topic {n}")
        reply(other, make_user(f"writer{n}"), f"@anna look at this {n}")
    many = statements()
    assert len(client.get("/api/v1/notifications", headers=key).get_json()["items"]) == 15
    assert one[0] == many[0], "\n".join(["ONE:", *one[1], "MANY:", *many[1]])

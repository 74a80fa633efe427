"""The messages pages run a constant number of SQL statements however many rows they show."""

from __future__ import annotations

from forum.extensions import db
from forum.messages import services
from forum.messages.models import GroupInbox
from tests.factories import group_named, make_established_user, make_staff


def _queries(client, count_queries, url: str) -> tuple[int, list[str]]:
    client.get(url)  # warm-up (and the read pointers move once)
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count, q.statements


def _same(small, big) -> None:
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])


def test_inbox_1_vs_30_conversations_with_distinct_people(client, count_queries):
    me = make_established_user("me")
    client.login("me")
    services.start_conversation(make_established_user("first"), "The first talk", "Hello you there.", to_users=[me])
    small = _queries(client, count_queries, "/messages")
    for i in range(29):
        other, third = make_established_user(f"o{i}"), make_established_user(f"t{i}")
        services.start_conversation(other, f"Talk number {i}", "Hello you there.", to_users=[me, third])
    _same(small, _queries(client, count_queries, "/messages"))


def test_conversation_1_vs_40_messages_by_many_authors(client, count_queries):
    me = make_established_user("me")
    client.login("me")
    small = services.start_conversation(make_established_user("first"), "Short talk", "Hello you there.",
                                        to_users=[me])
    people = [make_established_user(f"p{i}") for i in range(8)]
    big = services.start_conversation(people[0], "Long talk", "Hello everybody.", to_users=[me, *people[1:]])
    for i in range(39):
        services.post_message(people[i % 8], big, f"Message number {i} in the long talk.")
    _same(_queries(client, count_queries, f"/messages/{small.id}"),
          _queries(client, count_queries, f"/messages/{big.id}"))


def test_group_inbox_1_vs_30_conversations(client, count_queries):
    make_staff("agent", group="Customer Care")
    group = group_named("Customer Care")
    db.session.add(GroupInbox(group_id=group.id, enabled=True, description=""))
    db.session.commit()
    client.login("agent")
    services.start_conversation(make_established_user("c0"), "Order one", "Where is it?", to_group=group)
    small = _queries(client, count_queries, "/messages/group/Customer Care")
    for i in range(1, 30):
        services.start_conversation(make_established_user(f"c{i}"), f"Order {i}", "Where is it?", to_group=group)
    _same(small, _queries(client, count_queries, "/messages/group/Customer Care"))


def test_the_inbox_walks_every_conversation_once(client):
    me = make_established_user("me")
    client.login("me")
    made = [services.start_conversation(make_established_user(f"w{i}"), f"Walk {i}", "Hello you there.",
                                        to_users=[me]).id for i in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        page = services.inbox(me, cursor, per_page=3)
        seen += [row.conversation.id for row in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == list(reversed(made))
    assert client.get("/messages?cursor=forged").status_code == 400


def test_a_group_conversation_answered_by_1_vs_6_signed_agents(client, count_queries):
    # Each signed reply shows its writer's staff title and group: loaded with the authors, never
    # one query per agent (found by the review: 18 statements with one agent, 23 with six).
    agents = [make_staff(f"agent{i}", group="Customer Care") for i in range(6)]
    group = group_named("Customer Care")
    db.session.add(GroupInbox(group_id=group.id, enabled=True, description=""))
    db.session.commit()
    small = services.start_conversation(make_established_user("c1"), "Order one", "Where is it?", to_group=group)
    services.post_message(agents[0], small, "On its way, tracking follows.")
    big = services.start_conversation(make_established_user("c2"), "Order two", "Where is it?", to_group=group)
    for i, agent in enumerate(agents):
        services.post_message(agent, big, f"Answer number {i} from the team.")
    client.login("agent0")
    _same(_queries(client, count_queries, f"/messages/{small.id}"),
          _queries(client, count_queries, f"/messages/{big.id}"))

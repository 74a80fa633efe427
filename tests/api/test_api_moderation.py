"""/api/v1 moderation: the review queue, flags, hide/restore and sanctions do exactly what the
moderation pages' buttons do (state, counters, audit entries, the members' notices), for exactly
whom the pages let; a key needs the ``moderation`` scope AND a moderator; constant SQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.audit import AuditLog
from forum.discussions import services as discussions
from forum.discussions.models import Post, PostState
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.models import Flag, ReviewItem, Sanction
from forum.notifications.models import Notification
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import hold_new_members, make_category, make_reply, make_staff, make_topic, make_user
from tests.invariants import invariants_checked  # noqa: F401 - autouse: counters checked after every request

MOD_SCOPES = ("read", "write", "moderation")


@pytest.fixture(autouse=True)
def request_context(app: Any) -> Any:
    """Services word their messages: set-ups run inside a request, as views do."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def mod() -> Any:
    return make_user("mona", role="moderator")


def moderation_key(user: Any) -> dict[str, str]:
    """Members' own keys have read and write; ``moderation`` comes with an admin's key acting as
    the member (an integration's bot moderator)."""
    boss = db.session.scalar(select(User).where(User.username == "keymaster")) or make_user("keymaster", role="admin")
    return bearer(make_key(user, MOD_SCOPES, admin=boss))


@pytest.fixture
def mod_key(mod: Any) -> dict[str, str]:
    return moderation_key(mod)


def held_reply(topic: Any, username: str, body: str = "A newcomer's first words, held.") -> Post:
    hold_new_members(1)
    post = discussions.create_reply(make_user(username), topic, body).post
    hold_new_members(0)
    return post


def item_for(post_id: int) -> ReviewItem:
    item = moderation.open_item_for_post(post_id)
    assert item is not None
    return item


def audit(action: str, target_id: int | None = None) -> int:
    query = select(func.count()).select_from(AuditLog).where(AuditLog.action == action)
    if target_id is not None:
        query = query.where(AuditLog.target_id == target_id)
    return int(db.session.scalar(query) or 0)


def notices(user: Any, kind: str) -> int:
    return int(db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.kind == kind)) or 0)


def test_who_may_read_the_queue(client, mod):
    topic = make_topic(make_user("author"), make_category("Help"), title="A topic with held replies")
    held_reply(topic, "newbie")
    url = "/api/v1/review"
    assert_error(client.get(url), 401)
    assert_error(client.get(url, headers=bearer(make_key(make_user("member")))), 403, "insufficient_scope")
    # A moderator's key without the scope is refused, whatever the member may do on the pages.
    assert_error(client.get(url, headers=bearer(make_key(mod, ("read", "write")))), 403, "insufficient_scope")
    # A key given the scope whose member is no longer a moderator loses it with the role.
    demoted = make_user("demoted", role="moderator")
    key = moderation_key(demoted)
    demoted.role = "member"
    db.session.commit()
    assert_error(client.get(url, headers=key), 403, "insufficient_scope")
    # Staff who are not moderators do not moderate (the queue page is moderators' too).
    assert_error(client.get(url, headers=moderation_key(make_staff("helper"))), 403)
    assert client.get(url, headers=moderation_key(mod)).status_code == 200


def test_the_queue_walks_oldest_first_and_filters(client, mod_key):
    topic = make_topic(make_user("author"), make_category("Help"), title="A topic with held replies")
    posts = [held_reply(topic, f"newbie{i}", f"Held reply number {i} here.") for i in range(3)]
    ids, cursor = [], None
    while True:
        body = client.get("/api/v1/review?limit=2" + (f"&cursor={cursor}" if cursor else ""),
                          headers=mod_key).get_json()
        ids += [(i["kind"], i["post"]["id"]) for i in body["items"]]
        cursor = body["next"]
        if cursor is None:
            break
    assert ids == [("reply", p.id) for p in posts]
    first = client.get("/api/v1/review?limit=1", headers=mod_key).get_json()["items"][0]
    assert first["post"]["cooked"] and first["reason_code"] == "new_member" and first["status"] == "open"
    assert client.get("/api/v1/review?kind=flag", headers=mod_key).get_json()["items"] == []
    assert client.get(f"/api/v1/review/{first['id']}", headers=mod_key).get_json() == first
    assert_error(client.get("/api/v1/review?kind=nonsense", headers=mod_key), 400)


def test_approve_and_reject_are_the_queue_pages(client, mod, mod_key):
    """One held reply approved on the queue page, one through the API: the same counts, audit
    entries and notices; then a rejection with a written reason."""
    topic = make_topic(make_user("author"), make_category("Help"), title="Approvals compared")
    web_post, api_post = held_reply(topic, "webnew"), held_reply(topic, "apinew")
    client.login("mona")
    web_item = item_for(web_post.id)
    assert client.post_form(f"/review/{web_item.id}/approve").status_code == 302
    client.post_form("/logout")
    api_item = item_for(api_post.id)
    response = client.post(f"/api/v1/review/{api_item.id}/approve", headers=mod_key)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "resolved" and response.get_json()["resolution"] == "approved"
    db.session.expire_all()
    assert web_post.state == api_post.state == PostState.PUBLISHED
    assert topic.post_count == 3
    assert audit("post.approve", web_post.id) == audit("post.approve", api_post.id) == 1
    assert notices(web_post.author, "post_approved") == notices(api_post.author, "post_approved") == 1
    assert_error(client.post(f"/api/v1/review/{api_item.id}/approve", headers=mod_key), 422)  # already reviewed

    refused = held_reply(topic, "refused")
    item = item_for(refused.id)
    assert_error(client.post(f"/api/v1/review/{item.id}/reject", headers=mod_key, json={}), 422)  # no reason
    response = client.post(f"/api/v1/review/{item.id}/reject", headers=mod_key,
                           json={"text": "Please add the model number."})
    assert response.status_code == 200 and response.get_json()["resolution"] == "rejected"
    db.session.expire_all()
    assert refused.state == PostState.REJECTED and audit("post.reject", refused.id) == 1
    assert notices(refused.author, "post_rejected") == 1


def test_a_moderator_cannot_decide_an_admins_held_post(client, mod_key):
    topic = make_topic(make_user("author"), make_category("Help"), title="Rank rule")
    post = make_reply(topic, make_user("boss", role="admin"), "An admin's reply someone flags.")
    moderation.flag_post(make_user("flagger"), post, "spam")
    item = item_for(post.id)
    assert_error(client.post(f"/api/v1/review/{item.id}/flags", headers=mod_key, json={"outcome": "agree"}), 403)
    assert_error(client.post(f"/api/v1/posts/{post.id}/hide", headers=mod_key, json={}), 403)
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED and item.status == "open"


def test_flagging_is_the_web_form_and_moderators_decide(client, mod, mod_key):
    author = make_user("author")
    post = make_reply(make_topic(author, make_category("Help"), title="Flag me"), author, "Buy cheap watches.")
    flagger = make_user("flo")
    key = bearer(make_key(flagger))
    assert_error(client.post(f"/api/v1/posts/{post.id}/flags", headers=bearer(make_key(flagger, ("read",))),
                             json={"reason": "spam"}), 403, "insufficient_scope")
    error = assert_error(client.post(f"/api/v1/posts/{post.id}/flags", headers=key, json={"reason": "made-up"}), 422)
    assert "reason" in error["fields"]
    assert_error(client.post(f"/api/v1/posts/{post.id}/flags", headers=key, json={"reason": "other"}), 422)
    response = client.post(f"/api/v1/posts/{post.id}/flags", headers=key, json={"reason": "spam", "text": "Ads."})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["reason"] == "spam" and response.get_json()["status"] == "open"
    assert_error(client.post(f"/api/v1/posts/{post.id}/flags", headers=key, json={"reason": "spam"}), 422)  # twice
    assert_error(client.post(f"/api/v1/posts/{post.id}/flags", headers=bearer(make_key(author)),
                             json={"reason": "spam"}), 403)  # one's own post
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1

    flagged = client.get("/api/v1/flags", headers=mod_key).get_json()["items"]
    assert [(i["kind"], i["post"]["id"], [f["user"]["username"] for f in i["flags"]]) for i in flagged] == [
        ("flag", post.id, ["flo"])]
    assert_error(client.get("/api/v1/flags", headers=key), 403)
    assert_error(client.post(f"/api/v1/review/{flagged[0]['id']}/flags", headers=mod_key,
                             json={"outcome": "maybe"}), 422)
    response = client.post(f"/api/v1/review/{flagged[0]['id']}/flags", headers=mod_key,
                           json={"outcome": "agree", "reason": "Advertising."})
    assert response.status_code == 200 and response.get_json()["resolution"] == "agreed"
    db.session.expire_all()
    assert post.state == PostState.HIDDEN
    assert audit("flag.agreed", post.id) == audit("post.hide", post.id) == 1
    assert notices(flagger, "flag_outcome") == 1 and notices(author, "post_hidden") == 1


def test_hide_and_restore(client, mod, mod_key):
    author = make_user("author")
    topic = make_topic(author, make_category("Help"), title="Hide and restore")
    post = make_reply(topic, author, "Something to hide for a while.")
    assert_error(client.post(f"/api/v1/posts/{post.id}/hide", headers=bearer(make_key(make_user("nosy"))),
                             json={}), 403, "insufficient_scope")
    response = client.post(f"/api/v1/posts/{post.id}/hide", headers=mod_key, json={"reason": "Off topic."})
    assert response.status_code == 200 and response.get_json()["state"] == "hidden"
    assert response.get_json()["cooked"]  # moderators read hidden bodies, as on the page
    db.session.expire_all()
    assert topic.post_count == 1 and audit("post.hide", post.id) == 1 and notices(author, "post_hidden") == 1
    assert_error(client.post(f"/api/v1/posts/{post.id}/hide", headers=mod_key, json={}), 422)  # already hidden
    response = client.post(f"/api/v1/posts/{post.id}/restore", headers=mod_key, json={})
    assert response.status_code == 200 and response.get_json()["state"] == "published"
    db.session.expire_all()
    assert topic.post_count == 2 and audit("post.restore", post.id) == 1
    assert_error(client.post(f"/api/v1/posts/{post.id}/restore", headers=mod_key, json={}), 422)


def test_sanctions_are_the_member_tools(client, mod, mod_key):
    member = make_user("mario")
    url = "/api/v1/users/mario"
    error = assert_error(client.post(f"{url}/warn", headers=mod_key, json={"reason": ""}), 422)
    assert "reason" in error["fields"]
    response = client.post(f"{url}/warn", headers=mod_key, json={"reason": "Be kind.", "note": "Second time."})
    assert response.status_code == 201
    assert {k: response.get_json()[k] for k in ("kind", "reason", "note")} == {
        "kind": "warning", "reason": "Be kind.", "note": "Second time."}
    assert_error(client.post(f"{url}/silence", headers=mod_key, json={"reason": "Calm down.",
                                                                      "duration": "permanent"}), 422)
    response = client.post(f"{url}/silence", headers=mod_key, json={"reason": "Calm down.", "duration": "1d"})
    assert response.status_code == 201 and response.get_json()["expires_at"]
    response = client.post(f"{url}/suspend", headers=mod_key, json={"reason": "Enough.", "duration": "permanent"})
    assert response.status_code == 201 and response.get_json()["expires_at"] is None
    db.session.expire_all()
    assert member.warning_pending and member.silenced_until and member.suspended_until
    assert [audit(a, member.id) for a in ("user.warn", "user.silence", "user.suspend")] == [1, 1, 1]
    assert [notices(member, k) for k in ("warning", "silenced", "suspended")] == [1, 1, 1]
    assert client.post(f"{url}/unsilence", headers=mod_key, json={}).status_code == 204
    assert client.post(f"{url}/unsuspend", headers=mod_key, json={"reason": "Appeal accepted."}).status_code == 204
    assert_error(client.post(f"{url}/unsuspend", headers=mod_key, json={}), 422)  # not suspended any more
    db.session.expire_all()
    assert member.silenced_until is None and member.suspended_until is None
    assert audit("user.unsilence", member.id) == audit("user.unsuspend", member.id) == 1
    assert db.session.scalar(select(func.count()).select_from(Sanction).where(Sanction.lifted_at.is_not(None))) == 2
    # Moderators sanction members only; nobody through a key without the scope; nobody unknown.
    make_user("other_mod", role="moderator")
    assert_error(client.post("/api/v1/users/other_mod/warn", headers=mod_key, json={"reason": "No."}), 403)
    assert_error(client.post(f"{url}/warn", headers=bearer(make_key(mod)), json={"reason": "No."}), 403)
    assert_error(client.post("/api/v1/users/nobody_here/warn", headers=mod_key, json={"reason": "No."}), 404)


def test_the_queue_runs_constant_sql(client, count_queries, mod_key):
    topic = make_topic(make_user("author"), make_category("Help"), title="Counting the queue")
    held_reply(topic, "first")

    def statements() -> tuple[int, list[str]]:
        client.get("/api/v1/review", headers=mod_key)
        with count_queries() as q:
            assert client.get("/api/v1/review", headers=mod_key).status_code == 200
        return q.count, q.statements

    one = statements()
    for i in range(9):
        other = make_topic(make_user(f"asker{i}"), make_category(f"Room {i}"), title=f"Another topic {i}")
        held_reply(other, f"newcomer{i}")
        flagged = make_reply(other, make_user(f"writer{i}"), f"A reply flagged by reader {i}.")
        moderation.flag_post(make_user(f"flagger{i}"), flagged, "spam")  # an item with its flag and flagger
    many = statements()
    assert len(client.get("/api/v1/review", headers=mod_key).get_json()["items"]) == 19
    assert one[0] == many[0], "\n".join(["ONE:", *one[1], "MANY:", *many[1]])
    assert db.session.scalar(select(func.count()).select_from(ReviewItem)) == 19


def test_a_route_whose_fields_are_all_optional_takes_no_body(client):
    """`POST /posts/{id}/hide` with nothing sent hides, as with `{}`; a route with required
    fields still says what is missing."""
    moderator = make_user("tidy", role="moderator")
    key = bearer(make_key(moderator, ("read", "write", "moderation"), admin=make_user("boss", role="admin")))
    post = make_reply(make_topic(make_user("writer")), make_user("replier"), "Off topic words.")
    assert client.post(f"/api/v1/posts/{post.id}/hide", headers=key).status_code == 200
    assert_error(client.post(f"/api/v1/users/{post.author.username}/warn", headers=key), 415)

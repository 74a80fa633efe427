"""The API shows only what the page shows: members-only and staff-only rooms, held posts,
hidden bodies, the Markdown source only for who may edit."""

from __future__ import annotations

from forum.discussions.models import PostState
from forum.extensions import db
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post
from tests.factories.moderation import hold_new_members


def _slugs(client, headers=None) -> set[str]:
    return {c["slug"] for c in client.get("/api/v1/categories", headers=headers or {}).get_json()}


def _topic_ids(client, headers=None) -> set[int]:
    return {t["id"] for t in client.get("/api/v1/topics?limit=100", headers=headers or {}).get_json()["items"]}


def test_members_only_rooms_are_invisible_to_visitors_and_staff_rooms_to_members(client):
    members = make_category("Members lounge", slug="lounge", read_access="members")
    staff = make_category("Staff room", slug="staffroom", read_access="staff")
    lounge_topic = make_topic(make_user(), members, title="Lounge chat for members")
    staff_topic = make_topic(make_user("mod", role="moderator"), staff, title="Staff planning meeting")
    member = bearer(make_key(make_user("plain")))
    moderator = bearer(make_key(make_user("modkey", role="moderator"), ("read",)))

    assert "lounge" not in _slugs(client) and "staffroom" not in _slugs(client)
    assert lounge_topic.id not in _topic_ids(client)
    assert_error(client.get(f"/api/v1/topics/{lounge_topic.id}"), 404)
    assert_error(client.get("/api/v1/categories/lounge"), 404)
    # As on the pages: /c/lounge is a 404 for a visitor too.
    assert client.get("/c/lounge").status_code == 404

    assert "lounge" in _slugs(client, member) and "staffroom" not in _slugs(client, member)
    assert lounge_topic.id in _topic_ids(client, member) and staff_topic.id not in _topic_ids(client, member)
    assert_error(client.get(f"/api/v1/topics/{staff_topic.id}", headers=member), 404)
    assert_error(client.get(f"/api/v1/topics/{staff_topic.id}/posts", headers=member), 404)
    assert_error(client.get(f"/api/v1/posts/{opening_post(staff_topic).id}", headers=member), 404)

    assert client.get(f"/api/v1/topics/{staff_topic.id}", headers=moderator).status_code == 200
    assert "staffroom" in _slugs(client, moderator)


def test_a_held_post_is_for_its_author_and_moderators_only(client):
    topic = make_topic(make_user(), title="A topic a newcomer answers")
    hold_new_members()
    newcomer = make_user("newbie")
    author_key = bearer(make_key(newcomer))
    response = client.post(f"/api/v1/topics/{topic.id}/posts", json={"body": "My first reply, held for review."},
                           headers=author_key)
    assert response.status_code == 201 and response.get_json()["held"] is True
    post_id = response.get_json()["post"]["id"]

    other = bearer(make_key(make_user("bystander")))
    reviewer = make_user("reviewer", role="moderator")
    # The moderator's key must carry the moderation scope (an admin makes it); their own
    # read/write key acts as a member's and finds nothing (tests/api/test_api_auth.py).
    moderator = bearer(make_key(reviewer, ("read", "moderation"), admin=make_user("boss", role="admin")))
    assert_error(client.get(f"/api/v1/posts/{post_id}", headers=bearer(make_key(reviewer, ("read",)))), 404)
    assert_error(client.get(f"/api/v1/posts/{post_id}", headers=other), 404)
    assert_error(client.get(f"/api/v1/posts/{post_id}"), 404)
    listed = [p["id"] for p in client.get(f"/api/v1/topics/{topic.id}/posts", headers=other).get_json()["items"]]
    assert post_id not in listed and len(listed) == 1
    for who in (author_key, moderator):
        assert client.get(f"/api/v1/posts/{post_id}", headers=who).get_json()["state"] == "pending"
        listed = [p["id"] for p in client.get(f"/api/v1/topics/{topic.id}/posts", headers=who).get_json()["items"]]
        assert post_id in listed


def test_hidden_bodies_are_placeholders_and_raw_is_for_editors(client):
    author = make_user("writer")
    topic = make_topic(author, title="Some words about moka pots")
    reply = make_reply(topic, make_user(), "A reply that a moderator hides.")
    reply.state = PostState.HIDDEN
    db.session.commit()
    own = bearer(make_key(author))
    other = bearer(make_key(make_user("reader")))
    first = opening_post(topic).id
    assert client.get(f"/api/v1/posts/{first}", headers=own).get_json()["raw"].startswith("Hello everyone")
    body = client.get(f"/api/v1/posts/{first}", headers=other).get_json()
    assert body["raw"] is None and "Hello everyone" in body["cooked"]
    hidden = client.get(f"/api/v1/posts/{reply.id}", headers=other).get_json()
    assert hidden["state"] == "hidden" and hidden["cooked"] is None and hidden["raw"] is None


def test_a_profile_shows_only_public_fields_and_visible_counts(client):
    member = make_user("profiled", role="moderator", bio_html="<p>Coffee nerd</p>")
    staff = make_category("Staff corner", slug="corner", read_access="staff")
    make_topic(member, staff, title="Something only staff read")
    body = client.get("/api/v1/users/profiled").get_json()
    assert body["username"] == "profiled" and body["bio_html"] == "<p>Coffee nerd</p>"
    assert "email" not in body and body["topic_count"] == 0
    staff_key = bearer(make_key(make_user("colleague", role="moderator"), ("read",)))
    assert client.get("/api/v1/users/profiled", headers=staff_key).get_json()["topic_count"] == 1
    assert_error(client.get("/api/v1/users/nobody-here"), 404)

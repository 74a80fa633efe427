"""Who may call the API: keys (hashed, scoped, revocable), sessions with CSRF, visitors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.api import keys
from forum.api.models import ApiKey
from forum.db_types import utcnow
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.moderation import services as moderation
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import general_category, make_reply, make_topic, make_user
from tests.factories.accounts import make_member_in_state


def _topic(category_id: int) -> dict[str, object]:
    return {"category_id": category_id, "title": "Sent from a script", "body": "Hello from the API, friends."}


def test_no_key_is_a_visitor_who_reads_but_may_not_write_or_ask_who_they_are(client):
    assert client.get("/api/v1/categories").status_code == 200
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")
    response = client.post("/api/v1/topics", json=_topic(general_category().id))
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_malformed_or_unknown_key_is_401_even_on_public_reads(client):
    secret = make_key(make_user("owner"))
    wrong = secret[:-4] + ("AAAA" if not secret.endswith("AAAA") else "BBBB")
    for header in (bearer(wrong), bearer("circolo_000000000000_" + "x" * 43), bearer("nonsense"),
                   {"Authorization": "Basic dXNlcjpwYXNz"}, {"Authorization": "Bearer "}):
        assert_error(client.get("/api/v1/categories", headers=header), 401)


def test_a_key_acts_as_its_member(client):
    secret = make_key(make_user("scripter"))
    body = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert body["user"]["username"] == "scripter"
    assert body["scopes"] == ["read", "write"]
    assert body["key"].startswith("circolo_") and secret not in body["key"]


def test_the_secret_is_stored_only_as_its_hash(client):
    user = make_user("hasher")
    secret = make_key(user)
    row = db.session.scalar(select(ApiKey).where(ApiKey.user_id == user.id))
    assert row is not None
    assert all(secret not in str(getattr(row, c.name)) for c in ApiKey.__table__.columns)
    assert keys.authenticate(secret) is not None


def test_a_revoked_key_stops_working_and_its_row_stays(client):
    user = make_user("revoker")
    made = keys.create_user_key(user, "old script", ["read"])
    assert client.get("/api/v1/me", headers=bearer(made.secret)).status_code == 200
    keys.revoke(user, made.key)
    assert_error(client.get("/api/v1/me", headers=bearer(made.secret)), 401)
    assert db.session.get(ApiKey, made.key.id).revoked_at is not None


def test_a_read_key_may_not_write(client):
    secret = make_key(make_user("reader"), ("read",))
    error = assert_error(client.post("/api/v1/topics", json=_topic(general_category().id), headers=bearer(secret)),
                         403, "insufficient_scope")
    assert "write" in error["message"]


def test_a_write_only_key_may_not_read(client):
    secret = make_key(make_user("writer"), ("write",))
    assert_error(client.get("/api/v1/categories", headers=bearer(secret)), 403, "insufficient_scope")


def test_a_suspended_members_key_stops_working(client):
    member = make_member_in_state("active", "soon-suspended")
    secret = make_key(member)
    assert client.get("/api/v1/me", headers=bearer(secret)).status_code == 200
    member.suspended_until = utcnow() + timedelta(days=3)
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=bearer(secret)), 401)
    assert_error(client.get("/api/v1/categories", headers=bearer(secret)), 401)


def test_a_silenced_members_key_reads_but_may_not_post(client):
    secret = make_key(make_member_in_state("silenced", "hushed"))
    assert client.get("/api/v1/categories", headers=bearer(secret)).status_code == 200
    error = assert_error(client.post("/api/v1/topics", json=_topic(general_category().id),
                                     headers=bearer(secret)), 403, "posting_blocked")
    assert error["message"]


def test_a_key_never_reaches_further_than_its_member(client):
    admin = make_user("boss", role="admin")
    bot = make_user("bot")
    secret = make_key(bot, ("read", "write", "moderation", "admin"), admin=admin)
    body = client.get("/api/v1/me", headers=bearer(secret)).get_json()
    assert body["user"]["username"] == "bot" and body["scopes"] == ["read", "write"]
    own = keys.create_admin_key(admin, "integration", ["read", "admin"]).secret
    body = client.get("/api/v1/me", headers=bearer(own)).get_json()
    assert body["user"]["username"] == "boss" and body["scopes"] == ["admin", "read"]


def test_last_use_is_noted_at_most_once_a_minute(client):
    user = make_user("busy")
    made = keys.create_user_key(user, "busy script", ["read"])
    assert made.key.last_used_at is None
    client.get("/api/v1/categories", headers=bearer(made.secret))
    db.session.expire_all()
    first = db.session.get(ApiKey, made.key.id).last_used_at
    assert first is not None
    client.get("/api/v1/categories", headers=bearer(made.secret))
    db.session.expire_all()
    assert db.session.get(ApiKey, made.key.id).last_used_at == first


def test_a_session_reads_and_writes_with_its_csrf_token(client):
    make_user("browser")
    client.login("browser")
    assert client.get("/api/v1/me").get_json()["key"] is None
    category_id = general_category().id
    assert_error(client.post("/api/v1/topics", json=_topic(category_id)), 400, "csrf")
    assert_error(client.post("/api/v1/topics", json=_topic(category_id), headers={"X-CSRFToken": "forged"}),
                 400, "csrf")
    response = client.post("/api/v1/topics", json=_topic(category_id), headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 201, response.get_json()


def test_a_moderators_key_without_the_moderation_scope_acts_as_a_member(client, app):
    """A moderator's own key (read, write) carries their account, not their powers: no hidden
    post's text, no editing someone else's post. With the scope (an admin key), both work."""
    with app.test_request_context("/"):
        moderator = make_user("modkey", role="moderator")
        admin = make_user("keymaker", role="admin")
        author = make_user("plainmember")
        topic = make_topic(author)
        hidden = make_reply(topic, author, "Words that a moderator hid from view.")
        moderation.hide_post(moderator, hidden, "off topic")
        other = make_reply(topic, author, "The member's own words, untouched.")
        member_key = bearer(make_key(moderator, ("read", "write")))
        moderation_key = bearer(make_key(moderator, ("read", "write", "moderation"), admin=admin))

    as_member = client.get(f"/api/v1/posts/{hidden.id}", headers=member_key).get_json()
    assert as_member["cooked"] is None and as_member["raw"] is None
    listed = client.get(f"/api/v1/topics/{topic.id}/posts", headers=member_key).get_json()["items"]
    assert all(item["cooked"] is None for item in listed if item["id"] == hidden.id)
    refused = client.patch(f"/api/v1/posts/{other.id}", json={"body": "Rewritten by a personal key."},
                           headers=member_key)
    assert refused.status_code == 403
    assert "untouched" in client.get(f"/api/v1/posts/{other.id}", headers=member_key).get_json()["cooked"]

    as_moderator = client.get(f"/api/v1/posts/{hidden.id}", headers=moderation_key).get_json()
    assert "moderator hid" in as_moderator["cooked"]
    edited = client.patch(f"/api/v1/posts/{other.id}", json={"body": "Edited by the moderation key."},
                          headers=moderation_key)
    assert edited.status_code == 200, edited.get_json()


def test_an_admin_key_stops_when_its_maker_is_no_longer_an_admin(client):
    maker = make_user("ada", role="admin")
    bot = make_user("helpdesk_bot")
    key = bearer(make_key(bot, ("read", "write"), admin=maker))
    assert client.get("/api/v1/me", headers=key).get_json()["user"]["username"] == "helpdesk_bot"
    maker.role = "member"  # demoted (by another admin, or by the provider's groups at sign-in)
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=key), 401)
    maker.role = "admin"
    maker.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    assert_error(client.get("/api/v1/me", headers=key), 401)
    # A member's own key is theirs alone: it does not depend on who is admin.
    own = bearer(make_key(bot))
    assert client.get("/api/v1/me", headers=own).status_code == 200


def test_an_admin_key_cannot_act_as_another_admin(client):
    maker = make_user("ada", role="admin")
    other = make_user("bob", role="admin")
    with pytest.raises(ValidationFailed) as refused:
        keys.create_admin_key(maker, "Impersonation", ["read", "admin"], acts_as=other)
    assert "acts_as" in refused.value.errors
    assert keys.create_admin_key(maker, "Self", ["read", "admin"], acts_as=maker).key.user_id == maker.id


def test_a_capped_key_still_shows_its_member_as_the_moderator_they_are(client):
    """The cap is what the key may do, not who the member is: their profile says moderator."""
    moderator = make_user("mona", role="moderator")
    key = bearer(make_key(moderator, ("read",)))
    assert client.get("/api/v1/me", headers=key).get_json()["user"]["is_moderator"] is True
    assert client.get("/api/v1/users/mona", headers=key).get_json()["is_moderator"] is True


def test_a_capped_moderators_key_is_held_for_review_like_a_members(client):
    """Skipping the review holds is a moderator's trust: a key without the moderation scope
    writes as a member would, held where members are held."""
    from tests.factories import hold_new_members

    moderator = make_user("mona", role="moderator")
    topic = make_topic(make_user("author"))
    hold_new_members()
    member = make_user("newbie")
    capped = client.post(f"/api/v1/topics/{topic.id}/posts", json={"body": "Through a read and write key."},
                         headers=bearer(make_key(moderator)))
    held = client.post(f"/api/v1/topics/{topic.id}/posts", json={"body": "A newcomer's first reply."},
                       headers=bearer(make_key(member)))
    assert held.get_json()["held"] is True
    assert capped.status_code == 201
    assert capped.get_json()["held"] is held.get_json()["held"]

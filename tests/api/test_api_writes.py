"""Writes through the API create exactly what the web forms create: same services, same
counters (the counter oracle runs after every request), same review holds, same field rules."""

from __future__ import annotations

from sqlalchemy import select

from forum.discussions.models import Post, Topic
from forum.extensions import db
from forum.moderation.models import ReviewItem
from tests.api.conftest import assert_error, bearer, make_key
from tests.factories import general_category, make_topic, make_user, opening_post
from tests.factories.moderation import hold_new_members
from tests.invariants import invariants_checked  # noqa: F401 - autouse: counters checked after every request


def test_a_topic_from_the_api_is_the_topic_the_form_makes(client):
    category = general_category()
    web_author, api_author = make_user("webby"), make_user("scripty")
    client.login("webby")
    client.post_form("/new-topic", {"category": category.id, "title": "Started on the web page",
                                    "body": "Same words from the web form."})
    web = db.session.scalar(select(Topic).where(Topic.user_id == web_author.id))
    topics_before = category.topic_count
    response = client.post("/api/v1/topics", headers=bearer(make_key(api_author)),
                           json={"category_id": category.id, "title": "Started from a script",
                                 "body": "Same words from the web form."})
    assert response.status_code == 201
    body = response.get_json()
    assert body["held"] is False and response.headers["Location"] == f"/api/v1/topics/{body['topic']['id']}"
    made = db.session.get(Topic, body["topic"]["id"])
    db.session.refresh(category)
    assert category.topic_count == topics_before + 1
    for field in ("post_count", "highest_post_number", "state", "language"):
        assert getattr(made, field) == getattr(web, field), field
    assert (api_author.topic_count, api_author.post_count) == (web_author.topic_count, web_author.post_count) == (1, 1)
    assert opening_post(made).cooked == opening_post(web).cooked
    assert body["post"]["raw"] == "Same words from the web form."


def test_a_newcomers_reply_waits_in_the_review_queue(client):
    topic = make_topic(make_user(), title="Where newcomers answer")
    hold_new_members()
    response = client.post(f"/api/v1/topics/{topic.id}/posts", headers=bearer(make_key(make_user("fresh"))),
                           json={"body": "A first reply that a moderator reads first."})
    assert response.status_code == 201 and response.get_json()["held"] is True
    post_id = response.get_json()["post"]["id"]
    assert db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post_id)) is not None
    db.session.refresh(topic)
    assert topic.post_count == 1  # held: not counted until approved


def test_field_rules_are_the_forms(client):
    key = bearer(make_key(make_user("careless")))
    category = general_category()
    error = assert_error(client.post("/api/v1/topics", headers=key,
                                     json={"category_id": category.id, "title": "   ", "body": "Some text"}), 422)
    assert "title" in error["fields"]
    error = assert_error(client.post("/api/v1/topics", headers=key,
                                     json={"category_id": 999999, "title": "Lost topic", "body": "Some text"}), 422)
    assert set(error["fields"]) == {"category_id"}
    error = assert_error(client.post("/api/v1/topics", headers=key, json={"title": "No body"}), 422)
    assert {"category_id", "body"} <= set(error["fields"])
    assert_error(client.post("/api/v1/topics", headers=key, json={"category_id": category.id, "title": "Extra",
                                                                  "body": "Text", "sneaky": 1}), 422)
    assert_error(client.post("/api/v1/topics", headers={**key, "Content-Type": "application/json"},
                             data="{not json"), 400)
    assert_error(client.post("/api/v1/topics", headers=key, data="title=form"), 415)
    assert db.session.scalar(select(Topic).where(Topic.title == "Lost topic")) is None


def test_a_reply_and_an_edit_with_its_conflict(client):
    author = make_user("editor")
    key = bearer(make_key(author))
    topic = make_topic(make_user(), title="A topic to reply to")
    reply = client.post(f"/api/v1/topics/{topic.id}/posts", headers=key,
                        json={"body": "First version of my reply.", "reply_to_post_number": 1}).get_json()["post"]
    assert reply["post_number"] == 2 and reply["reply_to_post_number"] == 1
    edited = client.patch(f"/api/v1/posts/{reply['id']}", headers=key,
                          json={"body": "Second version of my reply.", "base_revision": 0})
    assert edited.status_code == 200 and edited.get_json()["edit_count"] == 1
    stale = client.patch(f"/api/v1/posts/{reply['id']}", headers=key,
                         json={"body": "Written from an old copy.", "base_revision": 0})
    assert_error(stale, 409, "edit_conflict")
    assert db.session.get(Post, reply["id"]).raw == "Second version of my reply."
    other = bearer(make_key(make_user("stranger")))
    assert_error(client.patch(f"/api/v1/posts/{reply['id']}", headers=other, json={"body": "Mine now"}), 403)


def test_control_characters_and_lone_surrogates_are_dropped_as_from_the_form(client):
    key = bearer(make_key(make_user("noisy")))
    topic = make_topic(make_user(), title="Noisy input arrives here")
    response = client.post(f"/api/v1/topics/{topic.id}/posts", headers={**key, "Content-Type": "application/json"},
                           data='{"body": "Clean\\u0000 text\\ud83d here", "reply_to_post_number": 1.0}')
    assert response.status_code == 201, response.get_json()
    post = response.get_json()["post"]
    assert post["raw"] == "Clean text here" and post["reply_to_post_number"] == 1


def test_deeply_nested_bodies_are_refused_in_the_error_shape(client):
    key = {**bearer(make_key(make_user("nester"))), "Content-Type": "application/json"}
    topic = make_topic(make_user(), title="A topic for nested bodies")
    for depth in (33, 900, 5000):
        body = '{"body": ' + "[" * depth + "]" * depth + "}"
        error = assert_error(client.post(f"/api/v1/topics/{topic.id}/posts", headers=key, data=body), 400,
                             "bad_request")
        assert "32" in error["message"], depth
    shallow = '{"body": "Fine", "official": ' + "[" * 30 + "]" * 30 + "}"
    assert_error(client.post(f"/api/v1/topics/{topic.id}/posts", headers=key, data=shallow), 422)


def test_length_rules_are_the_configurations_in_the_document_and_the_answers(client, app):
    key = bearer(make_key(make_user("brief")))
    category = general_category()
    minimum = app.config["MIN_TITLE_LENGTH"]
    sentences = set()
    for title in ("", "Hi"):
        error = assert_error(client.post("/api/v1/topics", headers=key,
                                         json={"category_id": category.id, "title": title, "body": "Some text"}), 422)
        sentences.add(error["fields"]["title"])
    assert sentences == {f"Please write a title of at least {minimum} characters."}
    # Every wrong field at once, the category's included.
    error = assert_error(client.post("/api/v1/topics", headers=key,
                                     json={"category_id": category.id, "title": "Hi", "body": "x"}), 422)
    assert set(error["fields"]) == {"title", "body"}
    error = assert_error(client.post("/api/v1/topics", headers=key,
                                     json={"category_id": 999999, "title": " " * 8, "body": "Fine text"}), 422)
    assert set(error["fields"]) == {"category_id", "title"}
    document = client.get("/api/v1/openapi.json").get_json()
    body = document["paths"]["/topics"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["title"]["minLength"] == minimum
    assert body["properties"]["title"]["maxLength"] == app.config["MAX_TITLE_LENGTH"]
    assert body["properties"]["body"]["minLength"] == app.config["MIN_POST_LENGTH"]
    assert body["properties"]["body"]["maxLength"] == app.config["MAX_POST_LENGTH"]


def test_parameter_and_cursor_errors_say_what_to_send(client):
    error = assert_error(client.get("/api/v1/topics?limit=1000"), 400)
    assert error["fields"]["limit"] == "Use a whole number from 1 to 100."
    error = assert_error(client.get("/api/v1/topics?cursor=not-a-cursor"), 400)
    assert error["message"] == ("The cursor is not valid: use the `next` value of a previous page, "
                                "or leave it out.")


def test_an_edit_based_on_the_largest_revision_number_is_a_conflict_not_a_database_error(client):
    # Found by schemathesis on PostgreSQL: base_revision 2**31 - 1 made the claim's SET a
    # literal beyond the integer column's range, a 500 even though no row matched.
    author = make_user("maxed")
    key = bearer(make_key(author))
    reply = client.post(f"/api/v1/topics/{make_topic(make_user()).id}/posts", headers=key,
                        json={"body": "A reply edited from a strange revision."}).get_json()["post"]
    stale = client.patch(f"/api/v1/posts/{reply['id']}", headers=key,
                         json={"body": "Edited text.", "base_revision": 2**31 - 1})
    assert_error(stale, 409, "edit_conflict")
    assert db.session.get(Post, reply["id"]).raw == "A reply edited from a strange revision."

"""The pages: inbox, composer, conversation, actions; non-readers get 404 everywhere."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.messages import services
from forum.messages.models import Conversation, ConversationMessage, ConversationParticipant, GroupInbox, MessageBlock
from tests.factories import group_named, make_established_user, make_staff, make_user

BODY = "Hello there, a private word about the meetup."


def _open_inbox(name: str = "Customer Care"):
    group = group_named(name)
    db.session.add(GroupInbox(group_id=group.id, enabled=True, description="Orders and repairs"))
    services.sync_open_inboxes()
    db.session.commit()
    return group


def test_start_from_the_composer_and_read(client):
    make_established_user("alice")
    make_established_user("bob")
    client.login("alice")
    assert client.get("/messages/new?to=bob").status_code == 200
    response = client.post_form("/messages/new", {"to": "bob", "title": "About Saturday", "body": BODY})
    assert response.status_code == 302
    conversation = db.session.scalar(select(Conversation))
    assert response.headers["Location"].endswith(f"/messages/{conversation.id}")
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "private word" in page and "About Saturday" in page
    inbox = client.get("/messages").get_data(as_text=True)
    assert "About Saturday" in inbox


def test_reply_keeps_text_on_error_and_sends(client):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    client.login("bob")
    refused = client.post_form(f"/messages/{conversation.id}/reply", {"body": "x"})
    assert refused.status_code == 400
    sent = client.post_form(f"/messages/{conversation.id}/reply", {"body": "Sounds good, see you there!"})
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#m2")


def test_header_envelope_counts_unread_conversations(client):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    client.login("bob")
    page = client.get("/latest").get_data(as_text=True)
    assert 'class="messages-link' in page and "1 conversation with new messages" in page


@pytest.mark.parametrize("who", ["stranger", "moderator", "admin", "left", "other_staff"])
def test_non_readers_get_404_on_every_conversation_url(client, who):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    make_user("stranger"), make_user("moderator", role="moderator"), make_user("admin", role="admin")
    make_staff("other_staff", group="Product")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    if who == "left":
        services.leave(bob, conversation)
    client.login("bob" if who == "left" else who)
    cid = conversation.id
    assert client.get(f"/messages/{cid}").status_code == 404
    for action in ("reply", "archive", "unarchive", "leave", "invite", "members-may-invite", "assign", "unassign",
                   "1/withdraw"):
        assert client.post_form(f"/messages/{cid}/{action}", {"body": BODY, "username": "x"}).status_code == 404


def test_group_inbox_page_and_contact(client):
    make_established_user("customer")
    agent = make_staff("agent", group="Customer Care")
    group = _open_inbox()
    contact = client.get("/contact").get_data(as_text=True)
    assert "Message Customer Care" in contact and "Orders and repairs" in contact
    client.login("customer")
    response = client.post_form("/messages/new?group=Customer+Care", {"title": "Order 10482", "body": BODY})
    assert response.status_code == 302
    conversation = db.session.scalar(select(Conversation))
    assert conversation.group_id == group.id
    client.post_form("/logout")
    client.login("agent")
    listing = client.get("/messages/group/Customer Care").get_data(as_text=True)
    assert "Order 10482" in listing
    assert client.post_form(f"/messages/{conversation.id}/assign").status_code == 302
    client.post_form(f"/messages/{conversation.id}/reply", {"body": "We are on it, thanks for writing."})
    reply = db.session.scalar(select(ConversationMessage).where(ConversationMessage.number == 3))
    assert reply.signed_group_id == group.id and agent.id == reply.user_id
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Reply from Customer Care" in page and "official-signature" in page


def test_badge_links_to_an_open_inbox(client):
    from tests.factories import make_reply, make_topic
    agent = make_staff("agent", group="Customer Care")
    topic = make_topic(make_established_user("alice"))
    make_reply(topic, agent)
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "/messages/new?group=Customer" not in page
    _open_inbox()
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "/messages/new?group=Customer+Care" in page


def test_profile_message_button_and_block(client):
    make_established_user("alice"), make_established_user("bob")
    client.login("alice")
    profile = client.get("/u/bob").get_data(as_text=True)
    assert "/messages/new?to=bob" in profile
    assert client.post_form("/messages/block/bob").status_code == 302
    assert db.session.scalar(select(MessageBlock)) is not None
    client.post_form("/messages/unblock/bob")
    assert db.session.scalar(select(MessageBlock)) is None


def test_new_member_sees_staff_only_composer(client):
    make_user("newcomer"), make_established_user("bob")
    client.login("newcomer")
    page = client.get("/messages/new?to=bob").get_data(as_text=True)
    assert "New members can write to the staff" in page
    assert client.post_form("/messages/new", {"to": "bob", "title": "Hello you", "body": BODY}).status_code == 400
    assert db.session.scalar(select(Conversation)) is None


def test_admin_opens_an_inbox(client):
    make_user("admin", role="admin")
    make_staff("agent", group="Customer Care")
    group = group_named("Customer Care")
    client.login("admin")
    assert client.get("/admin/messages/inboxes").status_code == 200
    response = client.post_form(f"/admin/messages/inboxes/{group.id}", {"enabled": "y", "description": "Orders"})
    assert response.status_code == 302
    assert services.open_inbox_group_ids() == {group.id}


def _read_pointer(user) -> int:
    db.session.expire_all()
    return db.session.scalar(select(ConversationParticipant.last_read_number).where(
        ConversationParticipant.user_id == user.id))


def test_opening_a_conversation_changes_nothing_reading_is_a_post(client):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    services.post_message(alice, conversation, "And one more thing to say.")
    client.login("bob")
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert _read_pointer(bob) == 0 and "1 conversation with new messages" in page
    read_url = f"/messages/{conversation.id}/read"
    assert f'data-read-url="{read_url}"' in page and 'data-read-number="2"' in page
    assert "js/conversation_read.js" in page and "<noscript>" in page and "Mark as read" in page
    # The script: up to the message the page showed; the envelope's new count in the answer.
    answer = client.post_form(read_url, {"number": "1"}, headers={"X-Requested-With": "fetch"})
    assert answer.get_json() == {"unread": 1, "label": "1 conversation with new messages"}
    assert _read_pointer(bob) == 1
    answer = client.post_form(read_url, {"number": "99"}, headers={"X-Requested-With": "fetch"})
    assert answer.get_json() == {"unread": 0, "label": "Messages"} and _read_pointer(bob) == 2  # never past the last
    assert client.post_form(read_url, {"number": "x"}).status_code == 400
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "data-read-url" not in page and "Mark as read" not in page and "conversation_read.js" not in page


def test_the_no_script_button_marks_the_conversation_read(client):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    client.login("bob")
    response = client.post_form(f"/messages/{conversation.id}/read")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/messages/{conversation.id}")
    assert _read_pointer(bob) == 1
    assert "conversation with new messages" not in client.get("/latest").get_data(as_text=True)

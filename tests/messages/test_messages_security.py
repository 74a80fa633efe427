"""What the security review of private conversations proved and what now holds: a message's file
is never republished by its readers, the data export stops where reading stopped, a former group
member hears nothing of the group's conversations, invites pass the writing gates, flags follow
data rights, the API shows no conversation notice, and moving to private does not make the mover
a participant of a group's conversation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, func, select

from forum import jobs
from forum.accounts.interfaces import PersonalData
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.messages import moving, permissions, services
from forum.messages.models import ConversationMessage, MessageFlag
from forum.messages.moderation import flag_message
from forum.messages.notices import MESSAGE_NEW
from forum.messages.permissions import can_read_conversation
from forum.messages.personal_data import Conversations, MessageFlags
from forum.messages.services import reads
from forum.notifications import services as notification_services
from forum.notifications.models import Notification
from forum.privacy.services import erasure
from forum.registry import contributions
from forum.staff.models import StaffMembership
from forum.uploads import services as uploads
from forum.uploads.models import ReferenceKind, UploadReference
from tests.api.conftest import bearer, make_key
from tests.factories import (
    general_category,
    group_named,
    make_established_user,
    make_reply,
    make_staff,
    make_topic,
    make_user,
    opening_post,
)
from tests.uploads import image_samples

SECRET = "Zanzibarquokka"


def _open_inbox(name: str):
    group = group_named(name)
    services.configure_inbox(make_user("boss", role="admin"), group, enabled=True, description="")
    return group


def _conversation_with_photo():
    alice, bob = make_established_user("alice"), make_established_user("bob")
    photo = uploads.accept_upload(alice, "receipt.png", image_samples.photo_png()).upload
    conversation = services.start_conversation(alice, "My receipt", "Here it is " + uploads.markdown_for(photo),
                                               to_users=[bob])
    return alice, bob, photo, conversation


def test_a_reader_cannot_republish_a_messages_file_in_a_public_topic(client):
    _alice, bob, photo, _conversation = _conversation_with_photo()
    make_user("stranger")
    topic = make_topic(bob, general_category(), title="Look at this receipt",
                       body="Leaked: " + uploads.markdown_for(photo))
    assert uploads.file_path(photo) not in opening_post(topic).cooked
    assert db.session.scalars(select(UploadReference.target_kind).where(
        UploadReference.upload_id == photo.id)).all() == [ReferenceKind.MESSAGE]
    assert client.get(uploads.file_path(photo)).status_code == 404
    client.login("stranger")
    assert client.get(uploads.file_path(photo)).status_code == 404


def test_a_reader_cannot_copy_a_messages_file_into_another_conversation(client):
    _alice, bob, photo, _conversation = _conversation_with_photo()
    carol = make_established_user("carol")
    services.start_conversation(bob, "Forwarded", "See " + uploads.markdown_for(photo), to_users=[carol])
    client.login("carol")
    assert client.get(uploads.file_path(photo)).status_code == 404


def test_the_uploader_may_reuse_their_own_file(client):
    alice, _bob, photo, _conversation = _conversation_with_photo()
    carol = make_established_user("carol")
    services.start_conversation(alice, "Same receipt", "Again " + uploads.markdown_for(photo), to_users=[carol])
    client.login("carol")
    assert client.get(uploads.file_path(photo)).status_code == 200


# --- the data export stops where reading stopped -------------------------------------------------

def _exported_texts(user) -> list[str | None]:
    return [row["text"] for row in Conversations().export(user)]


def test_a_member_who_left_gets_the_messages_up_to_leaving_in_their_export(app):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "Plans", "hello bob", to_users=[bob])
    services.post_message(bob, conversation, "see you then")
    services.leave(bob, conversation)
    services.post_message(alice, conversation, f"now that bob left: {SECRET}")
    texts = _exported_texts(bob)
    assert "hello bob" in texts and "see you then" in texts
    assert not any(SECRET in (text or "") for text in texts)
    assert any(SECRET in (text or "") for text in _exported_texts(alice))


def test_a_former_group_member_gets_only_their_own_messages_of_the_groups_conversation(app):
    customer = make_established_user("customer")
    agent = make_staff("agent", group="Customer Care")
    group = _open_inbox("Customer Care")
    conversation = services.start_conversation(customer, "Order 42", "where is my order", to_group=group)
    services.post_message(agent, conversation, "we are looking")
    db.session.execute(delete(StaffMembership).where(StaffMembership.user_id == agent.id))
    db.session.commit()
    services.post_message(customer, conversation, f"my card number is {SECRET}")
    assert _exported_texts(agent) == ["we are looking"]
    assert any(SECRET in (text or "") for text in _exported_texts(customer))


# --- an assignee who left the group -----------------------------------------------------------------

def _taken_then_left():
    customer = make_established_user("customer")
    agent, other = make_staff("agent", group="Customer Care"), make_staff("other", group="Customer Care")
    group = _open_inbox("Customer Care")
    conversation = services.start_conversation(customer, "Refund for order 1234", "hello", to_group=group)
    services.assign(agent, conversation, agent)
    jobs.run_pending()
    db.session.execute(delete(StaffMembership).where(StaffMembership.user_id == agent.id))
    db.session.commit()
    return customer, agent, other, conversation


def _notice_count(user) -> int:
    return int(db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.user_id == user.id)) or 0)


def test_an_assignee_who_left_the_group_hears_nothing_and_the_group_hears_instead(app):
    customer, agent, other, conversation = _taken_then_left()
    assert not can_read_conversation(agent, conversation)
    agent_before, other_before = _notice_count(agent), _notice_count(other)
    services.post_message(customer, conversation, "my address is 1 Secret Street")
    jobs.run_pending()
    assert _notice_count(agent) == agent_before
    assert _notice_count(other) == other_before + 1


def test_a_stale_assignment_shows_as_nobody_took_it(client):
    customer, _agent, _other, conversation = _taken_then_left()
    services.post_message(customer, conversation, "any news?")
    client.login("other")
    listing = client.get("/messages/group/Customer Care").get_data(as_text=True)
    assert "Nobody took it yet" in listing and "Taken by" not in listing
    other = db.session.scalar(select(User).where(User.username == "other"))
    assert reads.unread_count(other) == 1


# --- invites pass the writing gates -----------------------------------------------------------------

def test_a_silenced_owner_cannot_invite(app):
    alice, bob, carol = (make_established_user(name) for name in ("alice", "bob", "carol"))
    conversation = services.start_conversation(alice, "Plans", "hello bob", to_users=[bob])
    alice.silenced_until = utcnow() + timedelta(days=7)
    db.session.commit()
    with pytest.raises(PermissionDenied):
        services.invite(alice, conversation, carol)
    assert permissions.participant_of(carol, conversation) is None


def test_a_new_member_cannot_reach_members_through_invites(app):
    alice, bob, carol = (make_established_user(name) for name in ("alice", "bob", "carol"))
    newbie = make_user("newbie")  # new: writes to staff inboxes only
    conversation = services.start_conversation(alice, "Plans", "hello", to_users=[bob, newbie])
    services.set_members_may_invite(alice, conversation, True)
    with pytest.raises(PermissionDenied):
        services.invite(newbie, conversation, carol)
    services.invite(bob, conversation, carol)  # an established member still may
    assert permissions.participant_of(carol, conversation) is not None


@pytest.mark.parametrize("blocker", ["invitee", "participant"])
def test_nobody_is_added_beside_someone_they_block_or_who_blocks_them(app, blocker):
    alice, bob, carol = (make_established_user(name) for name in ("alice", "bob", "carol"))
    if blocker == "invitee":
        services.block(carol, bob)
    else:
        services.block(bob, carol)
    conversation = services.start_conversation(alice, "Plans", "hello", to_users=[bob])
    with pytest.raises(ValidationFailed) as refused:
        services.invite(alice, conversation, carol)
    assert refused.value.errors == {"username": "carol can't be added to this conversation."}
    assert permissions.participant_of(carol, conversation) is None
    services.leave(bob, conversation)  # a block of someone who left stops nothing
    services.invite(alice, conversation, carol)
    assert permissions.participant_of(carol, conversation) is not None


def test_inviting_shares_the_message_rate_limit(app, database_url, tmp_path):
    from tests.conftest import FormClient, make_app

    limited = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_MESSAGE="2 per minute")
    limited.test_client_class = FormClient
    with limited.app_context():
        alice, bob = make_established_user("alice"), make_established_user("bob")
        for name in ("carol", "dave", "erin"):
            make_established_user(name)
        conversation = services.start_conversation(alice, "Plans", "hello bob", to_users=[bob])
        client = limited.test_client()
        client.login("alice")
        codes = [client.post_form(f"/messages/{conversation.id}/invite", {"username": name}).status_code
                 for name in ("carol", "dave", "erin")]
        assert codes == [302, 302, 429]
        erin = db.session.scalar(select(User).where(User.username == "erin"))
        assert permissions.participant_of(erin, conversation) is None


# --- flags on messages follow data rights -------------------------------------------------------

def test_a_members_message_flags_are_exported_and_lose_their_words_on_erasure(app):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "Plans", "you are awful", to_users=[bob])
    message = db.session.scalar(select(ConversationMessage)
                                .where(ConversationMessage.conversation_id == conversation.id))
    flag_message(bob, message, "other", f"My phone is {SECRET}, call me")
    assert any(isinstance(c, MessageFlags) for c in contributions(PersonalData))
    [row] = MessageFlags().export(bob)
    assert (row["message_id"], row["reason"], row["text"]) == (message.id, "other", f"My phone is {SECRET}, call me")
    assert row["created_at"] and MessageFlags().export(alice) == []
    erasure.erase_account(bob, actor=None, reason=None, remove_content=False)
    flags = db.session.scalars(select(MessageFlag)).all()
    assert [(f.message_id, f.reason, f.text) for f in flags] == [(message.id, "other", None)]  # the queue keeps it


# --- the API shows nothing of conversations -----------------------------------------------------------

def test_the_api_neither_lists_counts_nor_opens_a_conversations_notice(client):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    services.start_conversation(alice, f"{SECRET} diagnosis", "hello bob", to_users=[bob])
    make_topic(alice, general_category(), title="Public news", body="@bob have a look at this")
    jobs.run_pending()
    notices = {n.kind: n for n in db.session.scalars(select(Notification).where(Notification.user_id == bob.id))}
    assert set(notices) == {MESSAGE_NEW, "mentioned"}
    key = bearer(make_key(bob))
    listing = client.get("/api/v1/notifications", headers=key)
    assert [item["kind"] for item in listing.get_json()["items"]] == ["mentioned"]
    assert SECRET not in listing.get_data(as_text=True)
    assert client.get(f"/api/v1/notifications?kind={MESSAGE_NEW}", headers=key).get_json()["items"] == []
    assert client.get("/api/v1/notifications/unread", headers=key).get_json() == {"unread": 1}
    assert client.post(f"/api/v1/notifications/{notices[MESSAGE_NEW].id}/read", headers=key).status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, notices[MESSAGE_NEW].id).read_at is None
    assert notification_services.unread_count(bob) == 2  # the bell (the site) still counts it


# --- continuing in private for a group: the mover reads as the group ------------------------------------

def test_staff_who_continue_in_private_for_their_group_read_it_as_the_group(app):
    member = make_established_user("mara")
    staffer = make_staff("carla", group="Customer Care")
    group = _open_inbox("Customer Care")
    topic = make_topic(member, general_category(), title="Broken blender", body="My blender stopped working.")
    post = make_reply(topic, member, "Order 55-1234, shipped to Via Roma 3.")
    conversation = moving.move_to_private(staffer, post, "Please send your order number.", group=group)
    assert permissions.participant_of(staffer, conversation) is None
    assert permissions.participant_of(member, conversation) is not None
    assert can_read_conversation(staffer, conversation)
    db.session.execute(delete(StaffMembership).where(StaffMembership.user_id == staffer.id))
    db.session.commit()
    assert not can_read_conversation(staffer, conversation)
    services.post_message(member, conversation, f"my card number is {SECRET}")
    assert not any(SECRET in (text or "") for text in _exported_texts(staffer))

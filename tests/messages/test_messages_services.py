"""Services: starting, replying, notices, the counters' one owner, unread counts, archive, leave,
invite, assign, block, the new-member rule and the content filters."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.messages import services
from forum.messages.models import (
    ConversationMessage,
    ConversationParticipant,
    GroupInbox,
    MessageKind,
    MessageState,
)
from forum.messages.notice_text import notice_text
from forum.messages.permissions import can_read_conversation
from tests.factories import group_named, make_established_user, make_staff, make_user

BODY = "Hello there, a private word about the meetup."


def _open_inbox(group):
    db.session.add(GroupInbox(group_id=group.id, enabled=True, description="Orders and repairs"))
    db.session.commit()


def test_start_conversation_creates_participants_first_message_and_counters(app):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    rows = db.session.scalars(select(ConversationParticipant).order_by(ConversationParticipant.id)).all()
    assert [(p.user_id, p.role) for p in rows] == [(alice.id, "owner"), (bob.id, "member")]
    assert conversation.message_count == 1 and conversation.last_message_number == 1
    message = db.session.scalar(select(ConversationMessage))
    assert conversation.last_message_id == message.id and "private word" in message.cooked
    assert services.unread_count(bob) == 1 and services.unread_count(alice) == 0


def test_reply_counts_and_read_pointer(app):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    reply = services.post_message(bob, conversation, "Sounds good, see you there!")
    assert reply.number == 2 and conversation.message_count == 2
    assert services.unread_count(bob) == 0 and services.unread_count(alice) == 1
    services.mark_read(alice, conversation)
    assert services.unread_count(alice) == 0


def test_notice_and_state_changes_keep_counters(app):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    reply = services.post_message(bob, conversation, "Sounds good, see you there!")
    notice = services.add_notice(conversation, alice, "read_by_admin", reason="a court order")
    db.session.commit()
    assert notice.kind == MessageKind.NOTICE and conversation.message_count == 2
    assert "a court order" in notice_text(notice)
    services.set_message_state(reply, MessageState.HIDDEN, alice, "rude")
    db.session.commit()
    assert conversation.message_count == 1 and conversation.last_message_id != reply.id
    assert reply.raw  # hidden keeps the text for the record
    services.set_message_state(reply, MessageState.PUBLISHED, alice, None)
    db.session.commit()
    assert conversation.message_count == 2 and conversation.last_message_id == reply.id
    services.set_message_state(reply, MessageState.REMOVED, bob, None)
    db.session.commit()
    assert reply.raw == "" and reply.cooked == "" and conversation.message_count == 1
    with pytest.raises(ValidationFailed):
        services.set_message_state(reply, MessageState.PUBLISHED, alice, None)


def test_archive_leave_and_invite(app):
    alice, bob, carol = (make_established_user(n) for n in ("alice", "bob", "carol"))
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    services.set_archived(bob, conversation, True)
    assert services.inbox(bob).items == [] and len(services.inbox(bob, archived=True).items) == 1
    services.post_message(alice, conversation, "Are you still coming along?")
    assert len(services.inbox(bob).items) == 1  # a new message brings it back
    with pytest.raises(PermissionDenied):
        services.invite(bob, conversation, carol)  # only the owner, unless members may invite
    services.invite(alice, conversation, carol)
    assert can_read_conversation(carol, conversation)
    services.leave(bob, conversation)
    assert not can_read_conversation(bob, conversation)
    notices = [m for m in conversation_messages(conversation) if m.kind == MessageKind.NOTICE]
    assert [m.notice["event"] for m in notices] == ["invited", "left"]
    assert notice_text(notices[1]) == "bob left the conversation."


def conversation_messages(conversation):
    return db.session.scalars(select(ConversationMessage).where(
        ConversationMessage.conversation_id == conversation.id).order_by(ConversationMessage.number)).all()


def test_group_conversation_is_read_by_the_group_and_signed(app):
    customer = make_established_user("customer")
    agent = make_staff("agent", group="Customer Care")
    outsider_staff = make_staff("product", group="Product")
    group = group_named("Customer Care")
    _open_inbox(group)
    conversation = services.start_conversation(customer, "Order 10482", BODY, to_group=group)
    assert can_read_conversation(agent, conversation)
    assert not can_read_conversation(outsider_staff, conversation)
    assert services.unread_count(agent) == 1
    reply = services.post_message(agent, conversation, "We are looking into it right now.")
    assert reply.signed_group_id == group.id
    services.assign(agent, conversation, agent)
    assert conversation.assigned_to_id == agent.id


def test_group_inbox_must_be_open(app):
    customer = make_established_user("customer")
    make_staff("agent", group="Customer Care")
    with pytest.raises(ValidationFailed):
        services.start_conversation(customer, "Order 10482", BODY, to_group=group_named("Customer Care"))


def test_new_members_write_to_staff_inboxes_only(app):
    newcomer, bob = make_user("newcomer"), make_established_user("bob")
    with pytest.raises(ValidationFailed) as caught:
        services.start_conversation(newcomer, "Hello you", BODY, to_users=[bob])
    assert "staff" in caught.value.errors["to"]
    make_staff("agent", group="Customer Care")
    group = group_named("Customer Care")
    _open_inbox(group)
    assert services.start_conversation(newcomer, "Order 10482", BODY, to_group=group).id


def test_block_stops_new_conversations_and_replies(app):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    services.block(bob, alice)
    with pytest.raises(ValidationFailed):
        services.start_conversation(alice, "Again me here", BODY, to_users=[bob])
    with pytest.raises(ValidationFailed):
        services.post_message(alice, conversation, "Why do you not answer me?")
    services.unblock(bob, alice)
    assert services.post_message(alice, conversation, "Why do you not answer me?").number == 2


def test_every_notice_reads_in_every_language(app):
    from flask_babel import force_locale

    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])
    notices = [services.add_notice(conversation, alice, event, user="carol", title="Kettles", reason="a court order")
               for event in ("invited", "left", "assigned", "unassigned", "moved_from_topic", "read_by_admin")]
    db.session.commit()
    for notice in notices:
        texts = {}
        for locale in ("en", "it", "fr"):
            with force_locale(locale):
                texts[locale] = notice_text(notice)
        assert len(set(texts.values())) == 3, texts


def test_ones_own_notice_is_nothing_new_to_read(app):
    # Found by the review: inviting Carol lit the inviter's own envelope.
    alice, bob, carol = (make_established_user(n) for n in ("alice2", "bob2", "carol2"))
    conversation = services.start_conversation(alice, "About Saturday", "A private word about the meetup.",
                                               to_users=[bob])
    services.invite(alice, conversation, carol)
    assert services.unread_count(alice) == 0
    assert services.unread_count(bob) == 1  # the others see that Carol was added


def test_a_member_invited_back_finds_the_conversation_at_the_top_of_their_inbox(app):
    alice, bob, carol = (make_established_user(n) for n in ("alice3", "bob3", "carol3"))
    old = services.start_conversation(alice, "About Saturday", "A private word about the meetup.",
                                      to_users=[bob, carol])
    services.leave(carol, old)
    services.start_conversation(bob, "Another talk", "A private word about the meetup.", to_users=[carol])
    services.invite(alice, old, carol)
    assert services.inbox(carol).items[0].conversation.title == "About Saturday"


def test_the_to_field_names_members_in_one_query_and_refuses_a_stranger(app, count_queries):
    people = [make_established_user(f"friend{i}") for i in range(5)]
    with count_queries() as q:
        found = services.members_named("friend0, @Friend1; friend2,friend3 , friend4")
    assert found == people and q.count == 1  # case and @ as typed, order kept
    with pytest.raises(ValidationFailed) as refused:
        services.members_named("friend0, nobody-here")
    assert "nobody-here" in refused.value.errors["to"]

"""The messages' part in a member's data rights: export, erasure, IP retention."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from forum.accounts.interfaces import PersonalData, StoredAddresses
from forum.db_types import utcnow
from forum.extensions import db
from forum.messages import services
from forum.messages.models import ConversationMessage, ConversationParticipant, MessageBlock, MessageState
from forum.messages.personal_data import Conversations, MessageAddresses
from forum.registry import contributions
from tests.factories import make_established_user


def _talk():
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", "Alice's own words here.", to_users=[bob],
                                               ip="203.0.113.77")
    reply = services.post_message(bob, conversation, "Bob's answer for alice.", ip="198.51.100.9")
    services.set_message_state(reply, MessageState.HIDDEN, None, "rude")
    services.post_message(bob, conversation, "Bob again, politely this time.")
    db.session.commit()
    return alice, bob, conversation


def test_both_are_contributed(app):
    assert any(isinstance(c, Conversations) for c in contributions(PersonalData))
    assert any(isinstance(c, MessageAddresses) for c in contributions(StoredAddresses))


def test_export_is_the_conversations_as_the_member_saw_them(app):
    alice, bob, _conversation = _talk()
    rows = Conversations().export(alice)
    assert [(r["number"], r["own"], r["text"]) for r in rows] == [
        (1, True, "Alice's own words here."), (2, False, None), (3, False, "Bob again, politely this time.")]
    assert rows[0]["ip_address"] == "203.0.113.77" and rows[1]["ip_address"] is None
    assert rows[0]["conversation_title"] == "About Saturday" and rows[0]["created_at"]
    bobs = Conversations().export(bob)
    assert bobs[1]["text"] == "Bob's answer for alice."  # his own hidden text is still his
    assert Conversations().export(make_established_user("carol")) == []


def test_erase_wipes_the_members_messages_and_keeps_the_conversation(app):
    alice, bob, conversation = _talk()
    services.block(alice, make_established_user("carol"))
    Conversations().erase(alice, remove_content=False)
    db.session.commit()
    first = db.session.scalar(select(ConversationMessage).where(ConversationMessage.number == 1))
    assert first.state == MessageState.REMOVED and first.raw == "" and first.cooked == "" and first.ip_address is None
    assert db.session.scalar(select(ConversationParticipant.id).where(ConversationParticipant.user_id == alice.id))
    assert db.session.scalar(select(MessageBlock)) is None
    db.session.refresh(conversation)
    assert conversation.message_count == 1  # bob's published one; his hidden one was not counted
    assert [r["text"] for r in Conversations().export(bob)][2] == "Bob again, politely this time."


def test_addresses_are_truncated_then_removed(app):
    _talk()
    db.session.execute(ConversationMessage.__table__.update().values(created_at=utcnow() - timedelta(days=400)))
    before = utcnow() - timedelta(days=100)
    assert MessageAddresses().purge_addresses(before, truncate=True) == 2
    assert set(db.session.scalars(select(ConversationMessage.ip_address))) == {"203.0.113.0", "198.51.100.0", None}
    assert MessageAddresses().purge_addresses(before, truncate=True) == 0  # idempotent
    assert MessageAddresses().purge_addresses(before, truncate=False) == 2
    assert set(db.session.scalars(select(ConversationMessage.ip_address))) == {None}


def test_a_staff_member_exports_the_group_conversations_they_wrote_in(app):
    from forum.messages.models import GroupInbox
    from tests.factories import group_named, make_staff

    customer, agent = make_established_user("customer"), make_staff("agent", group="Customer Care")
    group = group_named("Customer Care")
    db.session.add(GroupInbox(group_id=group.id, enabled=True, description=""))
    db.session.commit()
    conversation = services.start_conversation(customer, "Order 10482", "Where is my parcel?", to_group=group)
    services.assign(agent, conversation, agent)
    services.post_message(agent, conversation, "It left the warehouse today.")
    rows = Conversations().export(agent)
    assert [r["number"] for r in rows] == [1, 2, 3]  # the customer's, the "took it" notice, the answer
    assert rows[0]["text"] == "Where is my parcel?" and rows[2]["own"] is True
    Conversations().erase(agent, remove_content=False)
    db.session.commit()
    notice = db.session.scalar(select(ConversationMessage).where(ConversationMessage.number == 2))
    assert notice.notice["user"] == ""

"""The demo's private side: a "Customer Care" inbox, open, and a conversation with a signed reply."""

from __future__ import annotations

from sqlalchemy import select

from forum.extensions import db
from forum.interfaces import DemoLoader
from forum.messages import services
from forum.messages.demo import load_demo_conversations
from forum.messages.models import Conversation, ConversationMessage, GroupInbox
from forum.registry import contributions
from tests.factories import make_established_user


def test_the_demo_opens_customer_care_and_answers_marco(app):
    assert load_demo_conversations in contributions(DemoLoader)
    pierre, marco = make_established_user("pierre"), make_established_user("marco")
    with app.test_request_context("/"):
        load_demo_conversations({"pierre": pierre, "marco": marco})
    inbox = db.session.scalar(select(GroupInbox))
    assert inbox.enabled and inbox.group_id in services.open_inbox_group_ids()
    conversation = db.session.scalar(select(Conversation))
    assert conversation.group_id == inbox.group_id and conversation.assigned_to_id == pierre.id
    reply = db.session.scalar(select(ConversationMessage).where(ConversationMessage.user_id == pierre.id,
                                                                ConversationMessage.kind == "text"))
    assert reply.signed_group_id == inbox.group_id

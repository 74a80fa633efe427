"""Flagging messages shares the members' flag allowance (RATELIMIT_FLAG) with flagging posts."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.messages import services
from forum.messages.models import MessageFlag
from tests.factories import make_established_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_FLAG": "2 per minute"}


def test_a_member_flags_at_most_the_allowance(app, client):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "A chat with Bob", "Hello Bob, how are you?", to_users=[bob])
    messages = [services.post_message(bob, conversation, f"Rude message number {n}.") for n in range(3)]
    client.login(alice.username)
    statuses = [client.post_form(f"/messages/flag/{m.id}", {"reason": "rude"}).status_code for m in messages]
    assert statuses == [302, 302, 429]
    assert db.session.scalar(select(func.count()).select_from(MessageFlag)) == 2

"""Flagging a private message: only that message (and the one before it) reaches the review queue;
approve keeps it, reject hides it; the conversation stays a 404 for the moderator."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.audit import AuditLog
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.messages import services
from forum.messages.models import ConversationMessage, MessageFlag, MessageState
from forum.messages.moderation import flag_message
from forum.moderation.models import ReviewItem, ReviewKind, ReviewStatus
from tests.factories import make_established_user, make_user

FIRST = "Our meetup is at the Blue Mill, bring the green thermos."
SECOND = "You are an idiot and I will find out where you live."
THIRD = "Please stop, this is unacceptable."


def _conversation():
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "Secret plans order 4471", FIRST, to_users=[bob])
    rude = services.post_message(bob, conversation, SECOND)
    services.post_message(alice, conversation, THIRD)
    return alice, bob, conversation, rude


def _open_items():
    return db.session.scalars(select(ReviewItem).where(ReviewItem.kind == ReviewKind.MESSAGE,
                                                       ReviewItem.status == ReviewStatus.OPEN)).all()


def test_a_participant_flags_a_message_and_one_item_opens(app):
    alice, bob, _c, rude = _conversation()
    flag = flag_message(alice, rude, "rude", "threatening")
    items = _open_items()
    assert len(items) == 1 and items[0].subject_id == rude.id and items[0].user_id == bob.id
    assert flag.message_id == rude.id and flag.user_id == alice.id and flag.reason == "rude"


def test_only_participants_flag_and_others_get_not_found(app):
    _alice, bob, _c, rude = _conversation()
    outsider, moderator = make_established_user("carol"), make_user("mo", role="moderator")
    for user in (outsider, moderator):
        with pytest.raises(NotFound):
            flag_message(user, rude, "rude")
    with pytest.raises(PermissionDenied):  # one's own message is not one's to report
        flag_message(bob, rude, "rude")
    assert _open_items() == []


def test_a_second_flag_by_the_same_member_is_refused_and_others_join_the_item(app):
    alice, _bob, _c, rude = _conversation()
    flag_message(alice, rude, "rude")
    with pytest.raises(ValidationFailed):
        flag_message(alice, rude, "spam")
    assert db.session.scalar(select(func.count()).select_from(MessageFlag)) == 1
    assert len(_open_items()) == 1


def test_a_reason_is_required_and_something_else_needs_words(app):
    alice, _bob, _c, rude = _conversation()
    with pytest.raises(ValidationFailed):
        flag_message(alice, rude, "not-a-reason")
    with pytest.raises(ValidationFailed):
        flag_message(alice, rude, "other", "")
    assert _open_items() == []


def _queue_html(client, moderator):
    client.login(moderator.username)
    response = client.get("/review?kind=message")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_queue_shows_only_the_flagged_message_and_the_one_before(app, client):
    alice, _bob, conversation, rude = _conversation()
    flag_message(alice, rude, "rude", "threatening me")
    moderator = make_user("mo", role="moderator")
    html = _queue_html(client, moderator)
    assert "find out where you live" in html  # the flagged message
    assert "Blue Mill" in html                # the one before it: context
    assert "Please stop" not in html          # the message after it: never
    assert "order 4471" not in html           # nor the conversation's title
    assert "threatening me" in html           # the flag's words
    assert f"/messages/{conversation.id}" not in html  # no way into the conversation


def test_the_moderator_still_gets_404_on_the_conversation(app, client):
    alice, _bob, conversation, rude = _conversation()
    flag_message(alice, rude, "rude")
    moderator = make_user("mo", role="moderator")
    client.login(moderator.username)
    assert client.get(f"/messages/{conversation.id}").status_code == 404
    assert client.get(f"/messages/{conversation.id}/break-glass").status_code == 404


def test_approve_keeps_the_message(app, client):
    alice, _bob, _c, rude = _conversation()
    flag_message(alice, rude, "rude")
    item = _open_items()[0]
    moderator = make_user("mo", role="moderator")
    client.login(moderator.username)
    client.post_form(f"/review/{item.id}/approve")
    db.session.refresh(item)
    assert item.status == ReviewStatus.RESOLVED and item.resolution == "approved"
    assert db.session.get(ConversationMessage, rude.id).state == MessageState.PUBLISHED
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "message.approve")) is not None


def test_reject_hides_it_and_participants_read_message_removed(app, client):
    alice, _bob, conversation, rude = _conversation()
    flag_message(alice, rude, "rude")
    item = _open_items()[0]
    moderator = make_user("mo", role="moderator")
    client.login(moderator.username)
    client.post_form(f"/review/{item.id}/reject", {"reason_key": "", "text": "Threats are not allowed."})
    message = db.session.get(ConversationMessage, rude.id)
    db.session.refresh(message)
    assert message.state == MessageState.HIDDEN and message.raw == SECOND  # kept for the record
    assert message.state_reason == "Threats are not allowed."
    db.session.refresh(conversation)
    assert conversation.message_count == 2  # the counters' owner moved them
    client.post_form("/logout")
    client.login(alice.username)
    response = client.get(f"/messages/{conversation.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "find out where you live" not in page and "Please stop" in page


def test_the_flag_page_for_a_participant_and_404_for_others(app, client):
    alice, _bob, _c, rude = _conversation()
    client.login(make_established_user("carol").username)
    assert client.get(f"/messages/flag/{rude.id}").status_code == 404
    assert client.post_form(f"/messages/flag/{rude.id}", {"reason": "rude"}).status_code == 404
    client.post_form("/logout")
    client.login(alice.username)
    assert client.get(f"/messages/flag/{rude.id}").status_code == 200
    response = client.post_form(f"/messages/flag/{rude.id}", {"reason": "rude", "text": ""})
    assert response.status_code == 302
    assert len(_open_items()) == 1


def _flagged_conversations(n: int, offset: int) -> None:
    for i in range(n):
        a, b = make_established_user(f"a{offset + i}"), make_established_user(f"b{offset + i}")
        conversation = services.start_conversation(a, "A chat among us", "Hello there, friend.", to_users=[b])
        rude = services.post_message(b, conversation, "A rude reply to flag.")
        flag_message(a, rude, "rude")


def test_the_queue_page_runs_the_same_queries_for_1_or_4_flagged_messages(app, client, count_queries):
    moderator = make_user("mo", role="moderator")
    client.login(moderator.username)
    _flagged_conversations(1, 0)
    client.get("/review?kind=message")  # warm caches (settings, translations)
    with count_queries() as small:
        client.get("/review?kind=message")
    _flagged_conversations(3, 10)
    with count_queries() as big:
        assert client.get("/review?kind=message").get_data(as_text=True).count("review-flagged-message") == 4
    assert small.count == big.count, (small.statements, big.statements)


def test_the_conversation_page_offers_flag_on_others_messages_only(app, client):
    alice, bob, conversation, rude = _conversation()
    client.login(alice.username)
    html = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert f"/messages/flag/{rude.id}" in html
    own = db.session.scalar(select(ConversationMessage.id).where(ConversationMessage.user_id == alice.id))
    assert f"/messages/flag/{own}" not in html and bob.id


def test_a_moderator_cannot_hide_an_admins_message(app, client):
    admin, member = make_user("root", role="admin"), make_established_user("mara")
    conversation = services.start_conversation(admin, "A word from the admin", "Hello, about your post.",
                                               to_users=[member])
    message = db.session.scalar(select(ConversationMessage).where(ConversationMessage.conversation_id
                                                                  == conversation.id))
    flag_message(member, message, "rude")
    item = _open_items()[0]
    client.login(make_user("mo", role="moderator").username)
    response = client.post_form(f"/review/{item.id}/reject", {"reason_key": "", "text": "Not nice."})
    assert response.status_code == 403
    db.session.refresh(message)
    assert message.state == MessageState.PUBLISHED
    db.session.refresh(item)
    assert item.status == ReviewStatus.OPEN


def test_the_context_is_the_last_message_the_participants_can_read(app, client):
    # A message hidden earlier keeps its text for the record: the queue must not show it as the
    # context of a later flag (found by the review).
    _alice, bob, conversation, rude = _conversation()
    services.set_message_state(rude, MessageState.HIDDEN, make_user("mod0", role="moderator"), "rude")
    db.session.commit()
    third = db.session.scalar(select(ConversationMessage).where(
        ConversationMessage.conversation_id == conversation.id, ConversationMessage.number == rude.number + 1))
    flag_message(bob, third, "rude")
    html = _queue_html(client, make_user("mo", role="moderator")).replace("&#39;", "'")
    assert THIRD in html and SECOND not in html
    assert FIRST in html  # the last published message before it

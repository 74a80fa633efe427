"""What stays private: files (moderators get 404), search, feeds, profiles, notices and mail
(never a summary), the content filters (a refusal keeps the text), the rate limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from forum import jobs
from forum.db_types import utcnow
from forum.extensions import db
from forum.messages import services
from forum.messages.models import Conversation, ConversationParticipant
from forum.messages.notices import GROUP_MESSAGE, KINDS, MESSAGE_NEW, MESSAGE_REPLY
from forum.notifications import render
from forum.notifications.digests import send_digest
from forum.notifications.models import Notification
from forum.uploads import services as uploads
from forum.uploads.models import ReferenceKind, UploadReference
from tests.factories import group_named, make_established_user, make_staff, make_topic, make_user
from tests.uploads import image_samples

SECRET = "Zanzibarquokka"


def _conversation_with_photo():
    alice, bob = make_established_user("alice"), make_established_user("bob")
    photo = uploads.accept_upload(alice, "receipt.png", image_samples.photo_png()).upload
    conversation = services.start_conversation(alice, "My receipt", "Here it is " + uploads.markdown_for(photo),
                                               to_users=[bob])
    return alice, bob, photo, conversation


@pytest.mark.parametrize(("who", "status"), [("alice", 200), ("bob", 200), ("moderator", 404), ("admin", 404),
                                             ("stranger", 404), ("left", 404)])
def test_a_file_in_a_message_is_for_the_conversations_readers_only(client, who, status):
    _alice, bob, photo, conversation = _conversation_with_photo()
    assert db.session.scalar(select(UploadReference.target_kind).where(UploadReference.upload_id == photo.id)) \
        == ReferenceKind.MESSAGE
    make_user("moderator", role="moderator"), make_user("admin", role="admin"), make_user("stranger")
    if who == "left":
        services.leave(bob, conversation)
    client.login("bob" if who == "left" else who)
    assert client.get(uploads.file_path(photo)).status_code == status


def test_a_group_members_reads_the_files_of_the_groups_conversation(client):
    customer = make_established_user("customer")
    make_staff("agent", group="Customer Care"), make_staff("other", group="Product")
    group = group_named("Customer Care")
    services.configure_inbox(make_user("boss", role="admin"), group, enabled=True, description="")
    photo = uploads.accept_upload(customer, "broken.png", image_samples.photo_png()).upload
    services.start_conversation(customer, "Broken kettle", "See " + uploads.markdown_for(photo), to_group=group)
    client.login("agent")
    assert client.get(uploads.file_path(photo)).status_code == 200
    client.post_form("/logout")
    client.login("other")
    assert client.get(uploads.file_path(photo)).status_code == 404


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def test_search_feeds_and_profiles_never_show_a_message(client):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    topic = make_topic(alice, title="A public topic about kettles", body="Kettles, publicly discussed.")
    services.start_conversation(alice, f"Private {SECRET}", f"Only for bob: {SECRET} is the word.", to_users=[bob])
    jobs.run_pending()
    client.login("bob")
    found = client.get("/search?q=" + SECRET).get_data(as_text=True)
    assert "search-hit" not in found and "is the word" not in found
    for url in ("/search?q=kettles", "/u/alice", "/latest.rss", "/u/alice.rss", f"/t/{topic.slug}/{topic.id}.rss",
                "/latest"):
        page = client.get(url).get_data(as_text=True)
        assert SECRET not in page, url
    assert "A public topic about kettles" in client.get("/search?q=kettles").get_data(as_text=True)


def test_notices_are_queued_mailed_and_never_in_a_summary(app, outbox):
    alice = make_established_user("alice")
    bob = make_established_user("bob", last_seen_at=utcnow() - timedelta(days=10),
                                created_at=utcnow() - timedelta(days=100))
    conversation = services.start_conversation(alice, "About Saturday", f"The word is {SECRET}.", to_users=[bob])
    jobs.run_pending()
    notice = db.session.scalar(select(Notification).where(Notification.user_id == bob.id))
    assert notice.kind == MESSAGE_NEW and notice.url == f"/messages/{conversation.id}#m1"
    assert [m for m in outbox if m.to == bob.email], "the notice is mailed"
    assert all(SECRET not in (m.body or "") + (m.html or "") for m in outbox)  # the title, never the text
    services.post_message(bob, conversation, "Sounds good to me, see you.")
    jobs.run_pending()
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == alice.id)) == MESSAGE_REPLY
    assert all(kind.private for kind in KINDS)


def test_a_summary_mail_never_counts_or_shows_message_notices(app, outbox):
    from forum.notifications.digests import _unread_optional

    alice = make_established_user("alice")
    bob = make_established_user("bob", last_seen_at=utcnow() - timedelta(days=10),
                                created_at=utcnow() - timedelta(days=100))
    topic = make_topic(alice, title="A busy public topic on kettles", body="Kettles, publicly discussed.")
    services.start_conversation(alice, f"Private {SECRET}", "A private word for bob.", to_users=[bob])
    jobs.run_pending()
    for row in db.session.scalars(select(Notification)):
        row.created_at = utcnow() - timedelta(days=1)
    topic.created_at = topic.last_posted_at = utcnow() - timedelta(days=1)
    db.session.commit()
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == bob.id)) == MESSAGE_NEW
    assert _unread_optional(bob) == 0
    db.session.add(Notification(user_id=bob.id, kind="mentioned", params={"actor": "Alice", "title": "t"}))
    db.session.commit()
    assert _unread_optional(bob) == 1  # an optional notice that is not private is counted
    outbox.clear()
    assert send_digest(bob)
    [mail] = [m for m in outbox if m.to == bob.email]
    assert SECRET not in mail.body and "private word" not in mail.body
    assert "1 unread notification" in mail.body


def test_every_message_kind_reads_in_every_language(app):
    customer, alice = make_established_user("customer"), make_established_user("alice")
    agent = make_staff("agent", group="Customer Care")
    services.configure_inbox(make_user("boss", role="admin"), group_named("Customer Care"), enabled=True,
                             description="")
    conversation = services.start_conversation(alice, "About Saturday", "A word for you.", to_users=[customer])
    services.post_message(customer, conversation, "And one back to you.")
    services.start_conversation(customer, "Order 1", "Where is it?", to_group=group_named("Customer Care"))
    jobs.run_pending()
    rows = db.session.scalars(select(Notification)).all()
    assert {r.kind for r in rows} == {MESSAGE_NEW, MESSAGE_REPLY, GROUP_MESSAGE}
    assert any(r.user_id == agent.id and r.kind == GROUP_MESSAGE for r in rows)
    for row in rows:
        texts = {}
        for locale in ("en", "it", "fr"):
            with force_locale(locale):
                texts[locale] = render(row)
        assert texts["it"] != texts["en"] and texts["fr"] != texts["en"], texts


def test_a_rejected_message_keeps_its_text(client):
    from forum.plugins import Verdict, hookimpl

    class Refuse:
        @hookimpl
        def forum_filter_post(self, draft, author, context):
            if context.kind == "message" and "forbidden" in draft.raw:
                return Verdict.reject("Not that word, please.")
            if context.kind == "message" and "suspicious" in draft.raw:
                return Verdict.require_approval("looks like spam")
            return None

    pm = client.application.extensions["forum.plugins"]
    pm.register(Refuse(), name="test_refuse_messages")
    try:
        make_established_user("alice"), make_established_user("bob")
        client.login("alice")
        for word, said in (("forbidden", "Not that word, please."), ("suspicious", "private messages are not")):
            body = f"A {word} text I wrote with care."
            response = client.post_form("/messages/new", {"to": "bob", "title": "Hello you", "body": body})
            page = response.get_data(as_text=True)
            assert response.status_code == 400 and said in page and body in page
        assert db.session.scalar(select(Conversation)) is None
    finally:
        pm.unregister(name="test_refuse_messages")


def test_sending_is_rate_limited(app, database_url, tmp_path):
    from tests.conftest import FormClient, make_app

    limited = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_MESSAGE="2 per minute")
    limited.test_client_class = FormClient
    with limited.app_context():
        alice, bob = make_established_user("alice"), make_established_user("bob")
        conversation = services.start_conversation(alice, "About Saturday", "A first word.", to_users=[bob])
        client = limited.test_client()
        client.login("bob")
        codes = [client.post_form(f"/messages/{conversation.id}/reply", {"body": f"Answer number {n} here."})
                 .status_code for n in range(3)]
        assert codes == [302, 302, 429]
        assert db.session.scalar(select(ConversationParticipant.last_read_number)
                                 .where(ConversationParticipant.user_id == bob.id)) == 3

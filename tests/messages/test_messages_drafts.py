"""Drafts kept on the server for the message composer (a conversation's reply box, the
new-conversation form), through discussions' one owner of drafts; and Quote in conversations.

A draft is its author's only; autosaving into a conversation the member cannot read is a 404;
sending removes the draft, a refusal keeps it; a save from a page older than the member's last
message there is refused."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from forum import markup
from forum.discussions.models import Draft
from forum.discussions.personal_data import SECTIONS
from forum.discussions.services import drafts
from forum.extensions import db
from forum.messages import services
from forum.messages.models import GroupInbox
from tests.factories import group_named, make_established_user, make_staff, make_user

BODY = "Hello there, a private word about the meetup."
PAGE_RE = re.compile(r'data-draft-page="(\d+)"')


@pytest.fixture
def pair():
    alice, bob = make_established_user("alice"), make_established_user("bob")
    return alice, bob, services.start_conversation(alice, "About Saturday", BODY, to_users=[bob])


def _page(client, url: str) -> str:
    match = PAGE_RE.search(client.get(url).get_data(as_text=True))
    assert match, f"no data-draft-page on {url}"
    return match.group(1)


def _drafts(user) -> list[Draft]:
    return list(db.session.scalars(select(Draft).where(Draft.user_id == user.id)))


def _open_inbox(name: str = "Customer Care"):
    group = group_named(name)
    db.session.add(GroupInbox(group_id=group.id, enabled=True, description="Orders and repairs"))
    services.sync_open_inboxes()
    db.session.commit()
    return group


# --- a conversation's reply box -----------------------------------------------------------------

def test_reply_box_autosaves_restores_and_sending_removes_the_draft(client, pair):
    _alice, bob, conversation = pair
    client.login("bob")
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert f'data-autosave="/drafts/message/{conversation.id}"' in page and "js/composer.js" in page
    saved = client.post_form(f"/drafts/message/{conversation.id}", {"body": "Half a thought <b>about</b> it"})
    assert saved.status_code == 200 and saved.get_json()["saved"] is True
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Half a thought &lt;b&gt;about&lt;/b&gt; it</textarea>" in page
    assert "We restored the text you were writing earlier." in page
    assert f'action="/drafts/message/{conversation.id}/discard"' in page
    # alice reads the same conversation: bob's draft is bob's only.
    client.post_form("/logout")
    client.login("alice")
    assert "Half a thought" not in client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    client.post_form("/logout")
    client.login("bob")
    sent = client.post_form(f"/messages/{conversation.id}/reply", {"body": "Half a thought about it, finished."})
    assert sent.status_code == 302
    assert drafts.read_draft(bob, "message", conversation.id) is None
    assert "We restored" not in client.get(f"/messages/{conversation.id}").get_data(as_text=True)


def test_a_refused_message_keeps_its_draft(client, pair):
    _alice, bob, conversation = pair
    client.login("bob")
    client.post_form(f"/drafts/message/{conversation.id}", {"body": "x"})
    assert client.post_form(f"/messages/{conversation.id}/reply", {"body": "x"}).status_code == 400
    assert drafts.read_draft(bob, "message", conversation.id) == {"kind": "message", "key": conversation.id,
                                                                   "body": "x"}


def test_discard_removes_the_draft(client, pair):
    _alice, bob, conversation = pair
    client.login("bob")
    client.post_form(f"/drafts/message/{conversation.id}", {"body": "Second thoughts."})
    response = client.post_form(f"/drafts/message/{conversation.id}/discard",
                                {"next": f"/messages/{conversation.id}#reply"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/messages/{conversation.id}#reply")
    assert _drafts(bob) == []


@pytest.mark.parametrize("who", ["stranger", "moderator", "admin", "left"])
def test_autosaving_into_a_conversation_one_cannot_read_is_404(client, pair, who):
    _alice, bob, conversation = pair
    make_user("stranger"), make_user("moderator", role="moderator"), make_user("admin", role="admin")
    if who == "left":
        services.leave(bob, conversation)
        who = "bob"
    client.login(who)
    assert client.post_form(f"/drafts/message/{conversation.id}", {"body": "Let me in"}).status_code == 404
    assert client.post_form("/drafts/message/999999", {"body": "Let me in"}).status_code == 404
    assert client.post_form("/drafts/message/new", {"body": "Let me in"}).status_code == 404
    assert db.session.scalar(select(Draft)) is None


def test_a_staff_groups_members_keep_their_own_drafts_in_its_conversation(client):
    make_staff("carla"), make_staff("dario")
    group = _open_inbox()
    member = make_established_user("erin")
    conversation = services.start_conversation(member, "My order", "Order 1234 arrived broken.", to_group=group)
    client.login("carla")
    assert client.post_form(f"/drafts/message/{conversation.id}", {"body": "Carla's answer"}).status_code == 200
    client.post_form("/logout")
    client.login("dario")
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert "Carla&#39;s answer" not in page and "Carla's answer" not in page


def test_a_save_from_before_the_members_last_message_is_refused(client, pair):
    _alice, bob, conversation = pair
    client.login("bob")
    page = _page(client, f"/messages/{conversation.id}")
    assert client.post_form(f"/drafts/message/{conversation.id}",
                            {"body": "Sent", "page": page, "seq": "1"}).status_code == 200
    assert client.post_form(f"/messages/{conversation.id}/reply", {"body": "Sent, and that is all."}).status_code == 302
    late = client.post_form(f"/drafts/message/{conversation.id}", {"body": "Sent, and", "page": page, "seq": "2"})
    assert late.status_code == 409 and late.get_json()["stale"] is True
    assert drafts.read_draft(bob, "message", conversation.id) is None
    # An older snapshot never overwrites a newer one (a second tab).
    newer = _page(client, f"/messages/{conversation.id}")
    assert client.post_form(f"/drafts/message/{conversation.id}",
                            {"body": "New tab", "page": newer, "seq": "5"}).status_code == 200
    assert client.post_form(f"/drafts/message/{conversation.id}",
                            {"body": "Old", "page": newer, "seq": "4"}).status_code == 409
    assert drafts.read_draft(bob, "message", conversation.id)["body"] == "New tab"


def test_another_members_message_does_not_make_a_save_stale(client, pair):
    alice, _bob, conversation = pair
    client.login("bob")
    page = _page(client, f"/messages/{conversation.id}")
    services.post_message(alice, conversation, "Are you coming?")
    assert client.post_form(f"/drafts/message/{conversation.id}",
                            {"body": "Yes, I", "page": page, "seq": "1"}).status_code == 200


# --- the new-conversation form ------------------------------------------------------------------

def test_new_conversation_autosaves_restores_and_sending_removes_it(client):
    make_established_user("alice"), make_established_user("bob")
    alice = make_established_user("alice2")
    client.login("alice2")
    page = client.get("/messages/new").get_data(as_text=True)
    assert 'data-autosave="/drafts/conversation/new"' in page and 'data-draft-fields="to title body"' in page
    fields = {"to": "bob", "title": "About Saturday", "body": "Shall we meet at 10?", "ignored": "x"}
    assert client.post_form("/drafts/conversation/new", fields).get_json()["saved"] is True
    assert drafts.read_draft(alice, "conversation", None) == {
        "kind": "conversation", "key": None, "to": "bob", "title": "About Saturday", "body": "Shall we meet at 10?"}
    page = client.get("/messages/new").get_data(as_text=True)
    assert 'value="About Saturday"' in page and "Shall we meet at 10?</textarea>" in page and 'value="bob"' in page
    # A refusal keeps it (no such member); sending removes it.
    refused = client.post_form("/messages/new", {"to": "nobody", "title": "About Saturday", "body": "Shall we?"})
    assert refused.status_code == 400 and drafts.read_draft(alice, "conversation", None) is not None
    sent = client.post_form("/messages/new", {"to": "bob", "title": "About Saturday", "body": "Shall we meet at 10?"})
    assert sent.status_code == 302 and _drafts(alice) == []


def test_a_staff_inbox_keeps_its_own_new_conversation_draft(client):
    make_staff("carla"), make_staff("mario", "Moderators")
    group = _open_inbox()
    member = make_established_user("erin")
    client.login("erin")
    page = client.get(f"/messages/new?group={group.name}").get_data(as_text=True)
    assert f'data-autosave="/drafts/conversation/{group.id}"' in page and 'data-draft-fields="title body"' in page
    client.post_form(f"/drafts/conversation/{group.id}", {"title": "My order", "body": "It arrived broken."})
    client.post_form("/drafts/conversation/new", {"to": "bob", "title": "Hi", "body": "To a member"})
    assert "It arrived broken.</textarea>" in client.get(f"/messages/new?group={group.name}").get_data(as_text=True)
    assert "To a member</textarea>" in client.get("/messages/new").get_data(as_text=True)
    client.post_form(f"/messages/new?group={group.name}", {"title": "My order", "body": "It arrived broken."})
    assert drafts.read_draft(member, "conversation", group.id) is None
    assert drafts.read_draft(member, "conversation", None) is not None
    # A group that takes no messages is no place for a draft.
    closed = group_named("Moderators")
    assert client.post_form(f"/drafts/conversation/{closed.id}", {"title": "Hi", "body": "Hello"}).status_code == 404


def test_a_new_member_keeps_no_draft_for_members_and_stale_saves_are_refused(client):
    make_user("newbie")  # no posts yet: writes to staff inboxes only
    client.login("newbie")
    assert client.post_form("/drafts/conversation/new", {"title": "Hi", "body": "Hello"}).status_code == 404
    make_established_user("bob")
    alice = make_established_user("alice")
    client.post_form("/logout")
    client.login("alice")
    page = _page(client, "/messages/new")
    assert client.post_form("/messages/new", {"to": "bob", "title": "Hi bob", "body": "Hello there"}).status_code == 302
    late = client.post_form("/drafts/conversation/new", {"title": "Hi bob", "body": "Hello", "page": page, "seq": "1"})
    assert late.status_code == 409 and drafts.read_draft(alice, "conversation", None) is None


def test_message_drafts_are_in_the_members_data_export(app, pair):
    _alice, bob, conversation = pair
    drafts.autosave_draft(bob, "message", conversation.id, {"body": "My unsent words"})
    section = next(s for s in SECTIONS if s.name == "drafts")
    rows = section.export(bob)
    assert [(r["kind"], r["key"]) for r in rows] == [("message", str(conversation.id))]
    assert json.loads(rows[0]["content"])["body"] == "My unsent words"
    assert section.export(_alice) == []


# --- Quote --------------------------------------------------------------------------------------

def test_quote_answers_the_message_to_its_readers(client, pair):
    _alice, _bob, conversation = pair
    client.login("bob")
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert f'data-quote-url="/messages/{conversation.id}/1/quote"' in page
    answer = client.get(f"/messages/{conversation.id}/1/quote").get_json()
    assert answer == {"markdown": f'[quote="alice"]\n{BODY}\n[/quote]\n\n', "open": '[quote="alice"]',
                      "close": "[/quote]"}
    # Without script: the link reloads the conversation with the quote after the draft, once.
    client.post_form(f"/drafts/message/{conversation.id}", {"body": "My own words first."})
    page = client.get(f"/messages/{conversation.id}?quote=1").get_data(as_text=True)
    assert f"My own words first.\n\n[quote=&#34;alice&#34;]\n{BODY}\n[/quote]" in page


@pytest.mark.parametrize("who", ["stranger", "moderator", "admin", "left"])
def test_quote_is_404_for_non_readers(client, pair, who):
    _alice, bob, conversation = pair
    make_user("stranger"), make_user("moderator", role="moderator"), make_user("admin", role="admin")
    if who == "left":
        services.leave(bob, conversation)
        who = "bob"
    client.login(who)
    response = client.get(f"/messages/{conversation.id}/1/quote")
    assert response.status_code == 404 and BODY not in response.get_data(as_text=True)


def test_quote_never_crosses_conversations_nor_quotes_notices_or_withdrawn_text(client, pair):
    alice, bob, conversation = pair
    carol = make_established_user("carol")
    other = services.start_conversation(alice, "Secret plans", "Only for carol.", to_users=[carol])
    services.post_message(alice, other, "More for carol only.")
    client.login("bob")
    # Message 2 exists in the other conversation only: never found through bob's.
    assert client.get(f"/messages/{conversation.id}/2/quote").status_code == 404
    assert client.get(f"/messages/{other.id}/1/quote").status_code == 404
    assert "carol only" not in client.get(f"/messages/{conversation.id}?quote=2").get_data(as_text=True)
    services.invite(alice, conversation, carol)  # a notice: "alice added carol"
    services.post_message(bob, conversation, "A reply I will withdraw.")
    db.session.commit()
    numbers = {m.kind + m.raw: m.number for m in services.conversation_page(bob, conversation).messages}
    notice = next(n for k, n in numbers.items() if k.startswith("notice"))
    assert client.get(f"/messages/{conversation.id}/{notice}/quote").status_code == 404
    mine = numbers["textA reply I will withdraw."]
    services.withdraw_message(bob, services.message_by_number(conversation, mine))
    assert client.get(f"/messages/{conversation.id}/{mine}/quote").status_code == 404


def test_a_quoted_message_is_no_link_to_anything(client, pair):
    """The quote names its author only: cooked anywhere, it links to no message or topic."""
    cooked = markup.cook(f'[quote="alice"]\n{BODY}\n[/quote]').html
    assert "href" not in cooked and "data-post" not in cooked and "alice:" in cooked


@pytest.mark.parametrize("locale, quote, saved, restored", [
    ("it", ">Cita</a>", 'data-saved-text="Bozza salvata"', "Abbiamo ripristinato"),
    ("fr", ">Citer</a>", 'data-saved-text="Brouillon enregistré"', "Nous avons restauré")])
def test_the_composer_speaks_the_members_language(client, pair, locale, quote, saved, restored):
    _alice, bob, conversation = pair
    bob.locale = locale
    db.session.commit()
    client.login("bob")
    client.post_form(f"/drafts/message/{conversation.id}", {"body": "Ciao"})
    page = client.get(f"/messages/{conversation.id}").get_data(as_text=True)
    assert quote in page and saved in page and restored in page

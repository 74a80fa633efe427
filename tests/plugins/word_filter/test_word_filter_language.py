"""Language-scoped watched words apply to the language a post is written in (detected from
its text), not to its author's interface language."""

from __future__ import annotations

from typing import Any

from forum.discussions import services as discussions
from forum.discussions.models import Post, PostState
from forum.extensions import db
from tests.factories import make_category, make_topic, make_user
from tests.plugins.word_filter.test_word_filter_plugin import add_word, wf

ITALIAN = "Questo negozio vende solo paccottiglia, la macchina si è rotta dopo una settimana di uso."
ENGLISH = "This shop sells only paccottiglia, the machine broke after a week of use, what a shame."


def _last_post(user: Any) -> Post:
    db.session.expire_all()
    return db.session.scalars(db.select(Post).where(Post.user_id == user.id).order_by(Post.id.desc())).first()


def test_an_italian_scoped_word_catches_an_italian_post_by_an_english_interface_member(client):
    add_word("paccottiglia", "require_approval", locales=["it"])
    emma = make_user("emma", locale="en")
    topic = make_topic(make_user(), make_category())
    client.login("emma")
    assert client.post_form(f"/t/{topic.id}/reply", {"body": ITALIAN}).status_code == 302
    post = _last_post(emma)
    assert post.language == "it"
    assert post.state == PostState.PENDING and "paccottiglia" in (post.state_reason or "")


def test_the_same_word_in_an_english_post_by_an_italian_interface_member_is_not_caught(client):
    add_word("paccottiglia", "require_approval", locales=["it"])
    giulia = make_user("giulia", locale="it")
    topic = make_topic(make_user(), make_category())
    client.login("giulia")
    client.post_form(f"/t/{topic.id}/reply", {"body": ENGLISH})
    post = _last_post(giulia)
    assert post.language == "en" and post.state == PostState.PUBLISHED


def test_a_language_correction_is_judged_again(client):
    add_word("paccottiglia", "block", locales=["it"], message="Niente insulti ai negozi, per favore.")
    giulia = make_user("giulia", locale="it")
    topic = make_topic(make_user(), make_category())
    post = discussions.create_reply(giulia, topic, ENGLISH).post
    assert post.language == "en" and post.state == PostState.PUBLISHED
    client.login("giulia")
    response = client.post_form(f"/posts/{post.id}/edit", {"body": ENGLISH, "language": "it", "base_revision": "0"})
    assert response.status_code == 400  # the Italian entry applies now: blocked, nothing saved
    assert "Niente insulti ai negozi, per favore." in response.get_data(as_text=True)
    db.session.refresh(post)
    assert (post.language, post.language_chosen, post.edit_count) == ("en", False, 0)


# --- messages to the author in the author's language ------------------------------------------------

def _blocked_message(client: Any, username: str, locale: str, text: str) -> str:
    make_user(username, locale=locale)
    topic = make_topic(make_user(), make_category())
    client.login(username)
    response = client.post_form(f"/t/{topic.id}/reply", {"body": text})
    assert response.status_code == 400
    client.post_form("/logout")
    return response.get_data(as_text=True)


def test_an_entrys_block_message_is_read_in_the_authors_language(app, client):
    admin = make_user("boss", role="admin")
    client.login("boss")
    response = client.post_form("/admin/word-filter/new", {
        "pattern": "paccottiglia", "action": "block", "whole_word": "y",
        "message": "Please do not insult shops.", "message__it": "Per favore, niente insulti ai negozi."})
    assert response.status_code == 302, response.get_data(as_text=True)
    entry = db.session.scalar(db.select(wf().WordFilterEntry))
    assert entry.message_translations == {"it": "Per favore, niente insulti ai negozi."}
    page = client.get(f"/admin/word-filter/{entry.id}").get_data(as_text=True)
    assert 'value="Per favore, niente insulti ai negozi."' in page
    client.post_form("/logout")
    assert admin is not None
    assert "Per favore, niente insulti ai negozi." in _blocked_message(client, "giulia", "it", ENGLISH)
    assert "Please do not insult shops." in _blocked_message(client, "emma", "en", ITALIAN)
    assert "Please do not insult shops." in _blocked_message(client, "claire", "fr", ENGLISH)  # no French: default


def test_the_general_block_message_is_translatable_in_the_plugin_settings(app, client):
    add_word("paccottiglia", "block")
    make_user("boss", role="admin")
    client.login("boss")
    page = client.get("/admin/plugins/word_filter/settings").get_data(as_text=True)
    assert 'name="block_message__fr"' in page and 'name="block_message__it"' in page
    response = client.post_form("/admin/plugins/word_filter/settings", {
        "leetspeak": "y", "block_message": "This word is not welcome here.",
        "block_message__fr": "Ce mot n'est pas le bienvenu ici.", "block_message__it": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post_form("/logout")
    assert "Ce mot n&#39;est pas le bienvenu ici." in _blocked_message(client, "claire", "fr", ENGLISH)
    assert "This word is not welcome here." in _blocked_message(client, "giulia", "it", ENGLISH)

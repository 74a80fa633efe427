"""The word_filter plugin through the app: actions, scopes, kinds of text, admin pages."""

from __future__ import annotations

import html
import importlib
from typing import Any

import pytest

from forum.audit import AuditLog
from forum.discussions.models import Post, PostState, Topic
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.plugins import Draft, FilterContext, VerdictKind, plugin_state
from forum.plugins.manager import run_filters
from forum.plugins.settings import save_plugin_settings
from tests.factories import make_category, make_topic, make_user


def wf(name: str = "services") -> Any:
    """The plugin's modules as the app loaded them (under the forum_plugins namespace)."""
    return importlib.import_module(f"forum_plugins.word_filter.{name}")


def add_word(pattern: str, action: str, **fields: Any) -> Any:
    admin = make_user(role="admin")
    data = {"pattern": pattern, "action": action, "whole_word": True, **fields}
    return wf().save_entry(admin, None, data)


def post_reply(client: Any, topic: Topic, body: str) -> Any:
    return client.post_form(f"/t/{topic.id}/reply", {"body": body})


def last_post(user: Any) -> Post:
    db.session.expire_all()
    return db.session.scalars(db.select(Post).where(Post.user_id == user.id).order_by(Post.id.desc())).first()


@pytest.fixture
def member(client: Any) -> Any:
    user = make_user()
    client.login(user.username)
    return user


@pytest.fixture
def topic() -> Topic:
    return make_topic(make_user(), make_category(), title="A topic to reply to")


# --- actions ---------------------------------------------------------------------------------------

def test_block_shows_the_message_and_keeps_the_text(client, member, topic):
    add_word("rubbish", "block", message="Please be kind about other people's work.")
    text = "This is <rubbish> & I mean it."
    response = post_reply(client, topic, text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Please be kind about other people&#39;s work." in page
    assert html.escape(text, quote=False) in page  # the author's text is back in the textarea
    assert last_post(member) is None


def test_block_without_a_message_names_the_word(client, member, topic):
    add_word("rubbish", "block")
    page = post_reply(client, topic, "What RUBBISH.").get_data(as_text=True)
    assert "Your text contains “RUBBISH”, which is not allowed here." in page


def test_censor_masks_each_character(client, member, topic):
    add_word("darn", "censor")
    post_reply(client, topic, "Oh d.a.r.n it, and DARN again")
    post = last_post(member)
    assert post.state == PostState.PUBLISHED
    assert post.raw == "Oh ■■■■■■■ it, and ■■■■ again"
    assert "darn" not in post.cooked.lower()


def test_replace_puts_the_given_text(client, member, topic):
    add_word("competitorbrand", "replace", replacement="another brand")
    post_reply(client, topic, "I prefer CompetitorBrand, honestly.")
    assert last_post(member).raw == "I prefer another brand, honestly."


def test_require_approval_holds_the_post(client, member, topic):
    add_word("free money", "require_approval")
    post_reply(client, topic, "Get FREE   money here")
    post = last_post(member)
    assert post.state == PostState.PENDING
    assert "word_filter" in post.state_reason and "FREE   money" in post.state_reason


def test_flag_publishes_and_records_the_reason(client, member, topic):
    add_word("idiot", "flag")
    post_reply(client, topic, "Only an idіot would say that")  # Cyrillic і
    post = last_post(member)
    assert post.state == PostState.PUBLISHED
    assert "word_filter" in post.state_reason and "idіot" in post.state_reason


def test_censor_and_flag_together(client, member, topic):
    add_word("darn", "censor")
    add_word("idiot", "flag")
    post_reply(client, topic, "darn idiot")
    post = last_post(member)
    assert post.raw == "■■■■ idiot" and post.state == PostState.PUBLISHED
    assert "idiot" in post.state_reason


def test_evasions_are_caught_through_the_app(client, member, topic):
    add_word("spam", "require_approval")
    for text in ("s p a m everywhere", "sp\u200bam!", "SPAAAAM", "5p4m", "ѕрам"):
        post_reply(client, topic, f"{text} — thanks")
        assert last_post(member).state == PostState.PENDING, text


def test_accented_italian_and_french_text_is_not_a_false_positive(client, member, topic):
    add_word("con", "block")
    add_word("pute", "block")
    post_reply(client, topic, "Perché no? Façon de parler: il député a été très contrôlé, è così.")
    assert last_post(member).state == PostState.PUBLISHED


# --- scopes ----------------------------------------------------------------------------------------------

def test_category_scope(client, member):
    scoped = make_category()
    other = make_category()
    add_word("offtopic", "require_approval", category_ids=[scoped.id])
    in_scope = make_topic(make_user(), scoped)
    out_of_scope = make_topic(make_user(), other)
    post_reply(client, out_of_scope, "a bit offtopic")
    assert last_post(member).state == PostState.PUBLISHED
    post_reply(client, in_scope, "a bit offtopic")
    assert last_post(member).state == PostState.PENDING


def test_locale_scope(client, topic):
    add_word("figa", "censor", locales=["it"])
    french = make_user(locale="fr")
    italian = make_user(locale="it")
    client.login(french.username)
    post_reply(client, topic, "une figa en français")
    assert last_post(french).raw == "une figa en français"
    client.post_form("/logout")
    client.login(italian.username)
    post_reply(client, topic, "che figa")
    assert last_post(italian).raw == "che ■■■■"


# --- kinds of text ------------------------------------------------------------------------------------------

def test_topic_titles_are_filtered(client, member):
    category = make_category()
    add_word("darn", "censor")
    add_word("forbidden", "block", message="No forbidden titles.")
    response = client.post_form("/new-topic", {"category": category.id, "title": "A forbidden title",
                                               "body": "Body text that is fine."})
    assert response.status_code == 400 and "No forbidden titles." in response.get_data(as_text=True)
    assert 'value="A forbidden title"' in response.get_data(as_text=True)
    client.post_form("/new-topic", {"category": category.id, "title": "Darn printers",
                                    "body": "They never work."})
    topic = db.session.scalars(db.select(Topic).where(Topic.user_id == member.id)).one()
    assert topic.title == "■■■■ printers"


def test_edits_are_filtered(client, member, topic):
    post_reply(client, topic, "A perfectly fine reply")
    post = last_post(member)
    add_word("rubbish", "block", message="Not that word.")
    response = client.post_form(f"/posts/{post.id}/edit", {"body": "Now rubbish", "reason": ""})
    assert response.status_code == 400 and "Not that word." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, post.id).raw == "A perfectly fine reply"


def test_an_edit_into_a_held_word_goes_back_to_the_queue(client, member, topic):
    post_reply(client, topic, "A perfectly fine reply")
    post = last_post(member)
    add_word("free money", "require_approval")
    assert client.post_form(f"/posts/{post.id}/edit", {"body": "Now with FREE money", "reason": ""}
                            ).status_code == 302
    post = last_post(member)
    assert post.state == PostState.PENDING and post.raw == "Now with FREE money"


def test_edits_keep_the_posts_category_and_language_scopes(client):
    # The edit is judged in the post's category and language, as the post was.
    scoped = make_category()
    add_word("figa", "censor", locales=["it"], category_ids=[scoped.id])
    italian = make_user(locale="it")
    client.login(italian.username)
    inside, outside = make_topic(make_user(), scoped), make_topic(make_user(), make_category())
    for topic in (inside, outside):
        post_reply(client, topic, "Una risposta qualunque")
        client.post_form(f"/posts/{last_post(italian).id}/edit", {"body": "che figa", "reason": ""})
    posts = db.session.scalars(db.select(Post).where(Post.user_id == italian.id).order_by(Post.id)).all()
    assert [p.raw for p in posts] == ["che ■■■■", "che figa"]


def test_edited_titles_are_censored(client, member):
    add_word("darn", "censor")
    client.post_form("/new-topic", {"category": make_category().id, "title": "Printers again",
                                    "body": "They never work."})
    topic = db.session.scalars(db.select(Topic).where(Topic.user_id == member.id)).one()
    first = last_post(member)
    client.post_form(f"/posts/{first.id}/edit", {"title": "Darn printers again", "body": "They never work.",
                                                 "reason": ""})
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).title == "■■■■ printers again"


def test_profile_text_is_filtered(client, member):
    add_word("darn", "censor")
    add_word("rubbish", "block", message="Not in your profile.")
    response = client.post_form("/settings", {"display_name": "Me", "bio": "rubbish bio", "locale": "",
                                              "timezone": ""})
    assert response.status_code in (200, 400) and "Not in your profile." in response.get_data(as_text=True)
    client.post_form("/settings", {"display_name": "Me", "bio": "darn bio", "locale": "", "timezone": ""})
    db.session.expire_all()
    assert member.bio == "■■■■ bio"


def test_event_descriptions_are_filtered(app):
    add_word("darn", "censor")
    add_word("rubbish", "block")
    author = make_user()
    with app.test_request_context():
        verdict, _all = run_filters("forum_filter_post", draft=Draft(raw="A darn good meetup"), author=author,
                                    context=FilterContext(kind="event"))
        assert verdict.kind == VerdictKind.REWRITE and verdict.new_source == "A ■■■■ good meetup"
        verdict, _all = run_filters("forum_filter_post", draft=Draft(raw="rubbish meetup", title="Meetup"),
                                    author=author, context=FilterContext(kind="event"))
        assert verdict.kind == VerdictKind.REJECT and verdict.plugin == "word_filter"


# --- the compiled list follows changes, settings --------------------------------------------------------------

def test_edits_to_the_list_apply_at_once(app):
    entry = add_word("darn", "censor")
    author = make_user()
    admin = make_user(role="admin")

    def kind(text: str) -> VerdictKind:
        return run_filters("forum_filter_post", draft=Draft(raw=text), author=author,
                           context=FilterContext(kind="reply"))[0].kind

    with app.test_request_context():
        assert kind("darn") == VerdictKind.REWRITE
        version = plugin_state("word_filter")
        wf().save_entry(admin, entry, {**entry.snapshot(), "action": "require_approval"})
        assert plugin_state("word_filter") not in (None, version)  # the cache key every worker reads
        assert kind("darn") == VerdictKind.REQUIRE_APPROVAL
        wf().delete_entry(admin, entry)
        assert kind("darn") == VerdictKind.ALLOW


def test_leetspeak_can_be_switched_off(app):
    add_word("spam", "require_approval")
    admin = make_user(role="admin")
    with app.test_request_context():
        assert run_filters("forum_filter_post", draft=Draft(raw="5p4m"), author=admin,
                           context=FilterContext(kind="reply"))[0].kind == VerdictKind.REQUIRE_APPROVAL
        save_plugin_settings(admin, "word_filter", {"leetspeak": False, "block_message": ""})
    with app.test_request_context():
        assert run_filters("forum_filter_post", draft=Draft(raw="5p4m"), author=admin,
                           context=FilterContext(kind="reply"))[0].kind == VerdictKind.ALLOW


# --- admin pages -----------------------------------------------------------------------------------------------

@pytest.fixture
def admin(client: Any) -> Any:
    user = make_user(role="admin")
    client.login(user.username)
    return user


def test_admin_adds_edits_and_deletes_a_word(client, admin):
    category = make_category(name="Offers")
    response = client.post_form("/admin/word-filter/new", {
        "pattern": "cheap pills", "action": "replace", "replacement": "[removed]", "whole_word": "y",
        "category_ids": [str(category.id)], "locales": ["it", "fr"]})
    assert response.status_code == 302
    entry = db.session.scalars(db.select(wf("models").WordFilterEntry)).one()
    assert (entry.pattern, entry.action, entry.replacement) == ("cheap pills", "replace", "[removed]")
    assert entry.category_ids == [category.id] and entry.locales == ["fr", "it"] and entry.whole_word
    listing = client.get("/admin/word-filter/").get_data(as_text=True)
    assert "cheap pills" in listing and "Offers" in listing and "Italiano" in listing
    response = client.post_form(f"/admin/word-filter/{entry.id}", {"pattern": "cheap pills", "action": "flag"})
    assert response.status_code == 302
    db.session.expire_all()
    assert entry.action == "flag" and entry.replacement is None and not entry.whole_word
    assert client.post_form(f"/admin/word-filter/{entry.id}/delete").status_code == 302
    assert db.session.scalars(db.select(wf("models").WordFilterEntry)).all() == []
    actions = db.session.scalars(db.select(AuditLog.action).where(AuditLog.actor_id == admin.id)
                                 .order_by(AuditLog.id)).all()
    assert actions == ["word_filter.add", "word_filter.edit", "word_filter.delete"]


def test_admin_form_errors(client, admin):
    replace = client.post_form("/admin/word-filter/new", {"pattern": "x", "action": "replace"})
    assert replace.status_code == 400 and "Enter the text that replaces the word." in replace.get_data(as_text=True)
    regex = client.post_form("/admin/word-filter/new", {"pattern": "(a+", "action": "flag", "is_regex": "y"})
    assert regex.status_code == 400 and "unclosed" in regex.get_data(as_text=True)
    backref = client.post_form("/admin/word-filter/new", {"pattern": r"(a)\1", "action": "flag", "is_regex": "y"})
    assert backref.status_code == 400 and "backreferences" in backref.get_data(as_text=True)
    assert db.session.scalars(db.select(wf("models").WordFilterEntry)).all() == []


def test_catastrophic_regex_is_safe(client, admin, topic):
    assert client.post_form("/admin/word-filter/new", {"pattern": "(a+)+$", "action": "flag",
                                                       "is_regex": "y"}).status_code == 302
    member = make_user()
    client.post_form("/logout")
    client.login(member.username)
    post_reply(client, topic, "a" * 30_000 + "!")
    assert last_post(member) is not None  # answered: RE2 runs in linear time


def test_import_starter_lists(client, admin):
    for code in ("en", "it", "fr"):
        page = client.get(f"/admin/word-filter/import?list={code}")
        assert page.status_code == 200
        assert "censor|" in page.get_data(as_text=True)  # the list is shown in an editable box
    text = wf("matcher").STARTER_DIR.joinpath("it.txt").read_text(encoding="utf-8")
    response = client.post_form("/admin/word-filter/import", {"locale": "it", "text": text})
    assert response.status_code == 302
    rows = db.session.scalars(db.select(wf("models").WordFilterEntry)).all()
    assert len(rows) == len(wf("matcher").parse_list(text)) and all(r.locales == ["it"] for r in rows)
    again = client.post_form("/admin/word-filter/import", {"locale": "it", "text": text}, follow_redirects=True)
    assert f"0 entries added, {len(rows)} already in the list." in again.get_data(as_text=True)
    bad = client.post_form("/admin/word-filter/import", {"locale": "", "text": "censor|ok\nshout|loud"})
    assert bad.status_code == 400 and "Line 2" in bad.get_data(as_text=True)


def test_the_test_screen_shows_matches_and_the_result(client, admin):
    add_word("darn", "censor")
    add_word("dumb", "replace", replacement="unwise")
    add_word("idiot", "flag")
    page = client.post_form("/admin/word-filter/test", {"text": "That's d-a-r-n dumb, idiot.", "category_id": "0",
                                                        "locale": ""})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Published and flagged for review." in text
    assert "<mark>d-a-r-n</mark>" in text and "<mark>dumb</mark>" in text and "<mark>idiot</mark>" in text
    assert "That&#39;s ■■■■■■■ unwise, idiot." in text
    add_word("rubbish", "block", message="Keep it civil.")
    blocked = client.post_form("/admin/word-filter/test", {"text": "rubbish", "category_id": "0", "locale": ""})
    assert "Blocked. The author would see:" in blocked.get_data(as_text=True)
    assert "Keep it civil." in blocked.get_data(as_text=True)
    clean = client.post_form("/admin/word-filter/test", {"text": "All good here", "category_id": "0", "locale": ""})
    assert "no watched word found" in clean.get_data(as_text=True)


def test_word_filter_admin_is_for_admins_only(client):
    assert client.get("/admin/word-filter/").status_code == 404
    client.login(make_user(role="moderator").username)
    for url in ("/admin/word-filter/", "/admin/word-filter/new", "/admin/word-filter/test",
                "/admin/word-filter/import?list=en"):
        assert client.get(url).status_code == 403, url
    assert client.post_form("/admin/word-filter/new", {"pattern": "x", "action": "flag"}).status_code == 403
    with pytest.raises(PermissionDenied):
        wf().save_entry(make_user(), None, {"pattern": "x", "action": "flag"})

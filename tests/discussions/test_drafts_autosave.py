"""The composer's server side (issue 11): autosaved drafts per member per place, and quoting
that adds to what is being written instead of replacing it."""

from __future__ import annotations

import html as html_lib

import pytest
from sqlalchemy import func, select

from forum.discussions.models import Draft, PostState
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post


def _textarea(page: str, name: str = "body") -> str:
    """The text of the page's first ``<textarea name=...>``, unescaped."""
    after = page.split(f'name="{name}"', 1)[1]
    return html_lib.unescape(after.split(">", 1)[1].split("</textarea>", 1)[0]).removeprefix("\r\n")


def _drafts(user) -> list[dict]:
    return [d.data for d in db.session.scalars(select(Draft).where(Draft.user_id == user.id))]


# --- autosave ----------------------------------------------------------------------------------

def test_autosave_keeps_the_reply_and_the_topic_page_restores_it(client, topic, writer):
    response = client.post_form(f"/drafts/reply/{topic.id}", {"body": "Half a thought about 1:2 <ratios>"})
    assert response.status_code == 200
    assert response.get_json() == {"saved": True, "message": "Draft saved"}
    assert _drafts(writer) == [{"kind": "reply", "key": topic.id, "body": "Half a thought about 1:2 <ratios>"}]
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert _textarea(page) == "Half a thought about 1:2 <ratios>"
    assert "We restored the text you were writing earlier." in page
    discard = page.split("data-draft-discard", 1)[1].split(">", 1)[0]
    assert f'action="/drafts/reply/{topic.id}/discard"' in discard and "hidden" not in discard
    # Saving again replaces it: one draft per member per topic.
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "A whole thought about ratios."})
    assert _drafts(writer) == [{"kind": "reply", "key": topic.id, "body": "A whole thought about ratios."}]


def test_the_draft_follows_the_member_to_another_device_and_nobody_else_sees_it(app, client, topic, writer):
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "Written on the phone."})
    laptop = app.test_client()  # a new browser: no cookie in common, same account
    laptop.login("writer")
    assert _textarea(laptop.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)) == "Written on the phone."
    make_user("neighbour")
    other = app.test_client()
    other.login("neighbour")
    page = other.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Written on the phone." not in page and _textarea(page) == ""


def test_a_page_without_a_draft_renders_the_composer_with_discard_hidden(client, topic, writer):
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert f'data-autosave="/drafts/reply/{topic.id}"' in page
    assert "js/composer.js" in page and "defer" in page.split("js/composer.js", 1)[1].split(">", 1)[0]
    assert "hidden" in page.split("data-draft-discard", 1)[1].split(">", 1)[0]
    assert "We restored" not in page


def test_posting_the_reply_discards_its_draft(client, topic, writer):
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "Nearly ready to send."})
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Ready and sent."}).status_code == 302
    assert _drafts(writer) == []
    assert "Nearly ready" not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)


def test_a_refused_reply_keeps_its_draft(client, topic, writer):
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "x"})
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "x"}).status_code == 400  # too short
    assert _drafts(writer) == [{"kind": "reply", "key": topic.id, "body": "x"}]


def test_discard_draft_is_a_post_that_removes_it(client, topic, writer):
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "Second thoughts."})
    assert client.get(f"/drafts/reply/{topic.id}/discard").status_code == 405  # never a GET
    response = client.post_form(f"/drafts/reply/{topic.id}/discard", {"next": f"/t/{topic.slug}/{topic.id}#reply"})
    assert response.status_code == 302 and response.location.endswith(f"/t/{topic.slug}/{topic.id}#reply")
    assert _drafts(writer) == []


def test_emptying_the_box_removes_the_draft(client, topic, writer):
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "Something"})
    response = client.post_form(f"/drafts/reply/{topic.id}", {"body": "   \n"})
    assert response.status_code == 200 and response.get_json()["saved"] is False
    assert _drafts(writer) == []


def test_a_draft_longer_than_a_post_may_be_is_refused_with_a_message(app, client, topic, writer):
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "The earlier, shorter version."})
    limit = app.config["MAX_POST_LENGTH"]
    assert client.post_form(f"/drafts/reply/{topic.id}", {"body": "a" * limit}).status_code == 200
    response = client.post_form(f"/drafts/reply/{topic.id}", {"body": "a" * (limit + 1)})
    assert response.status_code == 400
    assert response.get_json() == {"saved": False,
                                   "message": f"The draft was not saved: it is longer than {limit} characters."}
    assert _drafts(writer)[0]["body"] == "a" * limit  # the last good save stays


def test_the_refusal_is_in_the_members_language(client, topic, writer, app):
    writer.locale = "it"
    db.session.commit()
    response = client.post_form(f"/drafts/reply/{topic.id}", {"body": "a" * (app.config["MAX_POST_LENGTH"] + 1)})
    assert "caratteri" in response.get_json()["message"]
    assert client.post_form(f"/drafts/reply/{topic.id}", {"body": "ciao"}).get_json()["message"] == "Bozza salvata"


def test_the_new_topic_form_autosaves_category_title_and_text(client, writer):
    category = make_category("Roasting", slug="roasting")
    response = client.post_form("/drafts/topic/new", {"category": str(category.id), "title": "Light roasts",
                                                      "body": "Do they need longer?", "official": "y"})
    assert response.get_json()["saved"] is True
    assert _drafts(writer) == [{"kind": "topic", "key": None, "category": category.id, "title": "Light roasts",
                                "body": "Do they need longer?"}]  # only the draft's fields are kept
    page = client.get("/new-topic").get_data(as_text=True)
    assert 'value="Light roasts"' in page and _textarea(page) == "Do they need longer?"
    assert f'<option selected value="{category.id}">' in page
    assert 'data-autosave="/drafts/topic/new"' in page
    response = client.post_form("/new-topic", {"category": category.id, "title": "Light roasts",
                                               "body": "Do they need longer?"})
    assert response.status_code == 302 and _drafts(writer) == []


@pytest.mark.parametrize("url, status", [("/drafts/topic/12", 404), ("/drafts/reply/new", 404),
                                         ("/drafts/edit/1", 404), ("/drafts/nonsense/new", 404),
                                         ("/drafts/reply/999999", 404)])
def test_only_known_places_have_drafts(client, writer, url, status):
    assert client.post_form(url, {"body": "Where does this go?"}).status_code == status
    assert _drafts(writer) == []


def test_no_draft_where_the_member_may_not_reply(client, writer):
    locked = make_topic(make_user(), title="Closed for replies")
    locked.is_locked = True
    staff_only = make_category("Staff room", slug="staff-room", read_access="staff")
    secret = make_topic(make_user(role="moderator"), staff_only, title="For staff eyes")
    db.session.commit()
    assert client.post_form(f"/drafts/reply/{locked.id}", {"body": "Let me in"}).status_code == 403
    assert client.post_form(f"/drafts/reply/{secret.id}", {"body": "Let me in"}).status_code == 404
    assert _drafts(writer) == []


def test_autosave_needs_an_account_and_a_csrf_token(client, topic):
    response = client.post_form(f"/drafts/reply/{topic.id}", {"body": "Anonymous words"})
    assert response.status_code == 302 and "/login" in response.location
    make_user("writer")
    client.login("writer")
    assert client.post(f"/drafts/reply/{topic.id}", data={"body": "No token"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Draft)) == 0


# --- quoting -----------------------------------------------------------------------------------

def test_quote_endpoint_answers_the_markdown_and_the_tags_to_wrap_a_selection(client, topic, writer):
    post = opening_post(topic)
    response = client.get(f"/posts/{post.id}/quote")
    assert response.status_code == 200
    tag = f'[quote="opener, post:1, topic:{topic.id}"]'
    assert response.get_json() == {
        "markdown": f"{tag}\n{post.raw}\n[/quote]\n\n", "open": tag, "close": "[/quote]", "post_number": 1}


def test_quote_endpoint_refuses_what_the_member_could_not_quote(client, topic, writer):
    held = make_category("Held", slug="held", approve_replies=True)
    held_topic = make_topic(make_user(), held, title="Replies wait here")
    pending = make_reply(held_topic, make_user(), "Waiting for a moderator.")
    assert pending.state == PostState.PENDING
    assert client.get(f"/posts/{pending.id}/quote").status_code == 404
    topic.is_locked = True
    db.session.commit()
    assert client.get(f"/posts/{opening_post(topic).id}/quote").status_code == 403
    client.post_form("/logout")
    assert client.get(f"/posts/{opening_post(held_topic).id}/quote").status_code == 302  # to sign in


def test_quote_endpoint_does_not_reveal_posts_the_member_cannot_read(client, topic, writer):
    """A staff-only category's post and a post held for review answer 404 to a member, as
    their pages do: the endpoint must not hand out their Markdown (nor say that they exist)."""
    staff_room = make_category("Staff room", slug="staff-room", read_access="staff")
    secret = make_topic(make_user("boss", role="moderator"), staff_room, title="Salaries for next year")
    assert client.get(f"/posts/{opening_post(secret).id}/quote").status_code == 404
    held_category = make_category("Held", slug="held", approve_topics=True, approve_replies=True)
    held_topic = make_topic(make_user("newbie"), held_category, title="A held opening post")
    assert opening_post(held_topic).state == PostState.PENDING
    response = client.get(f"/posts/{opening_post(held_topic).id}/quote")
    assert response.status_code == 404 and "held opening post" not in response.get_data(as_text=True)
    checked = make_topic(make_user(), make_category("Checked", slug="checked", approve_replies=True),
                         title="Replies are checked here")
    held_reply = make_reply(checked, make_user("quiet"), "Held for review.")
    assert held_reply.state == PostState.PENDING
    response = client.get(f"/posts/{held_reply.id}/quote")
    assert response.status_code == 404 and "Held for review." not in response.get_data(as_text=True)
    # The moderator who may read them can quote them.
    client.post_form("/logout")
    client.login("boss")
    assert client.get(f"/posts/{opening_post(secret).id}/quote").status_code == 200


def test_without_javascript_a_quote_is_added_after_the_saved_draft(client, topic, writer):
    """Before: the ?quote= link replaced the reply box's content (or was ignored with a draft)."""
    reply = make_reply(topic, make_user("second"), "The second post says 18 grams.")
    client.post_form(f"/drafts/reply/{topic.id}", {"body": "My own words come first."})
    page = client.get(f"/t/{topic.slug}/{topic.id}?quote={reply.id}").get_data(as_text=True)
    assert _textarea(page) == (f'My own words come first.\n\n[quote="second, post:2, topic:{topic.id}"]\n'
                               "The second post says 18 grams.\n[/quote]\n\n")
    assert 'name="reply_to" type="hidden" value="2"' in page
    # The page only shows it: nothing was saved by the GET.
    assert _drafts(writer)[0]["body"] == "My own words come first."


def test_reloading_a_quote_link_does_not_add_the_quote_again(client, topic, writer):
    """Before: once the composer had autosaved the quoted text, every reload of the ?quote= URL
    (or a second click on the same Quote link) appended the same quote once more."""
    reply = make_reply(topic, make_user("second"), "The second post says 18 grams.")
    url = f"/t/{topic.slug}/{topic.id}?quote={reply.id}"
    shown = _textarea(client.get(url).get_data(as_text=True))
    client.post_form(f"/drafts/reply/{topic.id}", {"body": shown + "I agree with this."})  # the autosave
    again = _textarea(client.get(url).get_data(as_text=True))
    assert again == shown + "I agree with this."
    assert again.count("[quote=") == 1
    # Another post's quote still adds up.
    other = make_reply(topic, make_user("third"), "The third post says 20 grams.")
    both = _textarea(client.get(f"/t/{topic.slug}/{topic.id}?quote={other.id}").get_data(as_text=True))
    assert both.startswith(shown + "I agree with this.") and both.count("[quote=") == 2


def test_quote_links_carry_the_composer_endpoint(client, topic, writer):
    post = opening_post(topic)
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert (f'class="link js-quote" href="/t/{topic.slug}/{topic.id}?quote={post.id}#reply" '
            f'data-quote-url="/posts/{post.id}/quote"') in page



def test_digits_that_are_not_ascii_are_no_numbers(client, topic, writer):
    """'²' is a digit to str.isdigit() but not to int(): such a key, page, sequence, category or
    reply number was a server error (500)."""
    assert client.post_form("/drafts/reply/%C2%B2", {"body": "Where does this go?"}).status_code == 404
    assert client.post_form("/drafts/reply/%C2%B2/discard").status_code == 404
    response = client.post_form(f"/drafts/reply/{topic.id}", {"body": "Kept", "page": "\u00b2", "seq": "\u00b2"})
    assert response.status_code == 200 and _drafts(writer)[0]["body"] == "Kept"
    response = client.post_form("/drafts/topic/new", {"title": "A title", "category": "\u00b2"})
    assert response.status_code == 200 and _drafts(writer)[1]["category"] is None
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "A reply to no one in particular.",
                                                          "reply_to": "\u00b2"})
    assert response.status_code == 302
    own = make_reply(topic, writer, "My own reply, to edit.")
    response = client.post_form(f"/posts/{own.id}/edit", {"body": "My own reply, edited.", "base_revision": "\u00b2"})
    assert response.status_code == 302

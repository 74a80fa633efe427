"""macros/forms.html's post_button: the one small POST form (CSRF token, hidden fields, a
button). The composer's "Discard draft", the restored-draft notice, "Log out" and "Send the
link again" use it instead of hand-written copies."""

from __future__ import annotations

from pathlib import Path

import pytest

from forum.discussions.models import Draft
from forum.extensions import db
from tests.factories import make_topic, make_user, opening_post

TEMPLATES = Path(__file__).resolve().parent.parent / "forum" / "templates"


def _render(app, call: str) -> str:
    with app.test_request_context("/"):
        return app.jinja_env.from_string('{% from "macros/forms.html" import post_button %}{{ ' + call + " }}"
                                         ).render(url="/t/x?a=1&b=\"2\"")


def test_hidden_fields_are_escaped_and_the_form_carries_its_token(app):
    html = _render(app, 'post_button("/drafts/reply/1/discard", "Discard <draft>", fields={"next": url}, '
                        'form_class="draft-discard inline", data={"draft-discard": true}, hidden=true)')
    assert html.startswith('<form method="post" class="draft-discard inline" data-draft-discard '
                           'action="/drafts/reply/1/discard" hidden>')
    assert '<input type="hidden" name="csrf_token" value="' in html
    assert '<input type="hidden" name="next" value="/t/x?a=1&amp;b=&#34;2&#34;">' in html
    assert '<button type="submit" class="link">Discard &lt;draft&gt;</button>' in html


def test_the_plain_button_is_unchanged(app):
    html = _render(app, 'post_button("/p/1/withdraw", "Withdraw", confirm="Sure?")')
    assert html.startswith('<form method="post" class="inline" action="/p/1/withdraw" data-confirm="Sure?">')
    assert html.count("<input") == 1 and "hidden>" not in html


@pytest.mark.parametrize("template", ["discussions/_discard_draft.html", "discussions/_restored_draft.html",
                                      "base.html"])
def test_no_hand_written_copy_of_the_form_is_left(template):
    source = (TEMPLATES / template).read_text()
    assert "post_button(" in source
    if template != "base.html":
        assert "csrf_token()" not in source
    else:  # the language and colour switchers have several buttons: forms of their own
        assert source.count("csrf_token()") == 2


def test_the_pages_render_the_forms_with_their_fields(client):
    writer = make_user("writer")
    topic = make_topic(writer, title="A topic to draft a reply in")
    client.login("writer")
    post = opening_post(topic)
    db.session.add(Draft(user_id=writer.id, kind="edit", key=str(post.id), data={"kind": "edit", "body": "Kept"}))
    db.session.commit()
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    discard = page.split("data-draft-discard", 1)[1].split("</form>", 1)[0]
    assert f'action="/drafts/reply/{topic.id}/discard" hidden>' in discard
    assert f'name="next" value="/t/{topic.slug}/{topic.id}#reply"' in discard and 'name="csrf_token"' in discard
    logout = page.split('action="/logout"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in logout and ">Log out</button>" in logout
    # The restored-draft notice of the edit page has its own "Discard draft", back to this page.
    page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    notice = page.split('class="callout restored-draft"', 1)[1].split("</form>", 1)[0]
    assert f'action="/drafts/edit/{post.id}/discard">' in notice and 'name="csrf_token"' in notice
    assert f'name="next" value="/posts/{post.id}/edit"' in notice and 'class="button">Discard draft<' in notice


def test_the_unverified_banner_sends_the_link_again_from_this_page(client):
    make_user("newcomer", verified=False)
    client.login("newcomer")
    page = client.get("/latest").get_data(as_text=True)
    form = page.split('action="/verify/resend"', 1)[1].split("</form>", 1)[0]
    assert 'name="csrf_token"' in form and 'name="next" value="/latest"' in form

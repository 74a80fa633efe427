"""Drafts survive being blocked (new rules to accept), however long they are."""

from __future__ import annotations

from forum.accounts import services as accounts
from tests.factories import make_topic, make_user


def test_a_long_reply_is_kept_on_the_server_while_the_member_accepts_new_rules(client, app):
    admin = make_user("rules_admin", role="admin")
    member = make_user("longwriter")
    topic = make_topic(make_user(), title="Long discussion here")
    with app.test_request_context():
        accounts.publish_coc(admin, "Version two of the rules, be kind to everyone.", "Kinder.")
    client.login("longwriter")
    body = "Una risposta molto lunga. " * 800  # ~20 KB: far more than a cookie can hold
    response = client.post_form(f"/t/{topic.id}/reply", {"body": body})
    assert response.status_code == 302 and "/code-of-conduct" in response.location
    assert len(response.headers.get("Set-Cookie", "")) < 4000  # not carried in the cookie
    client.post_form("/code-of-conduct", {"version": "2", "accept": "y"})
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert body.strip()[:200] in page and page.count("Una risposta molto lunga.") >= 800
    # Reading it changed nothing: a second visit shows it again, until the reply is posted.
    assert client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True).count("Una risposta molto lunga.") >= 800
    assert member.accepted_coc_version == 2
    assert client.post_form(f"/t/{topic.id}/reply", {"body": body}).status_code == 302
    page = client.get(f"/t/{topic.slug}/{topic.id}?page=1").get_data(as_text=True)
    assert "We restored the text" not in page

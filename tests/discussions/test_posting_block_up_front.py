"""A member who cannot post is told before they write, not on submit (issue 11): the reply box
and the new-topic form give way to what stops them (accounts' wording, with the end of a
silence in their time zone), and text they already wrote is kept and shown."""

from __future__ import annotations

import html as html_lib
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from forum.discussions.models import Draft
from forum.extensions import db
from tests.factories import make_category, make_topic, make_user, opening_post
from tests.factories.accounts import make_member_in_state

MESSAGES = {
    "unverified": "Please confirm your email address before posting. Check your inbox.",
    "pending": "Your membership is waiting for approval by the moderators.",
    "rejected": "Your membership application was not accepted, so you cannot post.",
    "silenced": "You are read-only until ",
}


@pytest.fixture
def topic():
    return make_topic(make_user("opener"), make_category("Talk", slug="talk"), title="Let us talk about grinders")


def _reply_box(page: str) -> str:
    return page.split('<section class="reply-box" id="reply">', 1)[1].split("</section>", 1)[0]


@pytest.mark.parametrize("state", sorted(MESSAGES))
def test_blocked_members_see_why_in_place_of_the_reply_box(client, topic, state):
    make_member_in_state(state, "blocked")
    client.login("blocked")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    box = html_lib.unescape(_reply_box(page))
    assert MESSAGES[state] in box
    assert "<form" not in box and 'name="body"' not in box  # nothing to type into and lose
    assert "js-quote" not in page and "composer.js" not in page
    # The new-topic page says the same instead of a form.
    page = html_lib.unescape(client.get("/new-topic").get_data(as_text=True))
    assert MESSAGES[state] in page and 'name="title"' not in page and "Create topic" not in page


def test_a_silenced_member_sees_when_the_silence_ends_in_their_time_zone(client, topic):
    member = make_member_in_state("silenced", "quiet", timezone="Europe/Rome")
    member.silenced_until = datetime(2099, 12, 12, 13, 0, tzinfo=UTC)  # 14:00 in Rome
    db.session.commit()
    client.login("quiet")
    box = _reply_box(client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True))
    assert "You are read-only until" in box
    assert '<time datetime="2099-12-12T13:00:00' in box  # a real <time>, not escaped text
    # The whole time in Rome, in the member's language ("2:00" alone would match 12:00 or 22:00).
    assert ">Dec 12, 2099, 2:00\u202fPM</time>" in box
    for locale, sentence, when in (("it", "Sei in sola lettura fino al <time", ">12 dic 2099, 14:00</time>"),
                                   ("fr", "Vous êtes en lecture seule jusqu’au <time", ">12 déc. 2099, 14:00</time>")):
        member.locale = locale
        db.session.commit()
        box = _reply_box(client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True))
        assert sentence in box and when in box


def test_a_silenced_members_draft_is_kept_and_shown(client, topic):
    member = make_member_in_state("silenced", "quiet")
    db.session.add(Draft(user_id=member.id, kind="reply", key=str(topic.id),
                         data={"kind": "reply", "key": topic.id, "body": "What I was <saying> before"}))
    db.session.commit()
    client.login("quiet")
    box = _reply_box(client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True))
    assert "readonly" in box and "What I was &lt;saying&gt; before" in box
    assert "Your draft is kept" in box
    # Sending anyway (a form left open before the silence): refused, text kept, draft kept.
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "Sent from an old tab."})
    assert response.status_code == 400
    assert "Sent from an old tab." in _reply_box(response.get_data(as_text=True))
    draft = db.session.scalar(select(Draft).where(Draft.user_id == member.id))
    assert draft is not None and draft.data["body"] == "Sent from an old tab."


def test_a_blocked_members_new_topic_draft_is_kept_and_shown(client):
    member = make_member_in_state("pending", "applicant")
    db.session.add(Draft(user_id=member.id, kind="topic", key="new",
                         data={"kind": "topic", "key": None, "category": None, "title": "My first question",
                               "body": "How do I descale?"}))
    db.session.commit()
    client.login("applicant")
    page = client.get("/new-topic").get_data(as_text=True)
    assert "My first question" in page and "How do I descale?" in page and "readonly" in page


def test_after_new_rules_the_box_stays_and_says_acceptance_comes_first(client, topic, app):
    from forum.accounts import services as accounts

    admin = make_user("rules_admin", role="admin")
    make_user("member")
    with app.test_request_context():
        accounts.publish_coc(admin, "Version two of the rules, be kind to everyone.", "Kinder.")
    client.login("member")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    box = _reply_box(page)
    assert "you will be asked to accept it before you post" in box
    assert 'name="body"' in box and "js-quote" in page  # writing goes on; the text is kept while they accept


def test_active_members_see_no_notice(client, topic):
    make_user("member")
    client.login("member")
    box = _reply_box(client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True))
    assert "posting-blocked" not in box and 'name="body"' in box


def test_each_post_body_carries_its_language(client, topic):
    post = opening_post(topic)
    post.language = "it"
    db.session.commit()
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert '<article class="post' in page and '<div class="cooked" lang="it">' in page


def test_block_ends_are_told_only_when_they_end_by_themselves(app):
    from forum.accounts.models import PERMANENT
    from forum.accounts.permissions import posting_block

    silenced = make_member_in_state("silenced")
    block = posting_block(silenced)
    assert block is not None and block.reason == "silenced" and block.until == silenced.silenced_until
    pending = posting_block(make_member_in_state("pending"))
    assert pending is not None and pending.reason == "unapproved" and pending.until is None
    for_good = make_member_in_state("suspended", suspended_until=PERMANENT)
    assert posting_block(for_good).until is None  # "until 31 Dec 9999" would be a lie
    assert posting_block(make_user()) is None

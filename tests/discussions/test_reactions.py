"""Likes and reactions: who may react, counts on the post and the profile, the "who reacted"
list, the admin's set, the consolidated notice, and ``forum check`` on the reaction counters."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm.attributes import set_committed_value

from forum import jobs
from forum.accounts.models import IgnoredUser, User
from forum.db_types import utcnow
from forum.discussions import integrity, reactions
from forum.discussions.models import Post, PostReaction, ReadAccess
from forum.extensions import db
from forum.moderation.services.post_actions import hide_post
from forum.notifications.models import Notification
from forum.notifications.rendering import reading_as, render
from forum.settings import set_setting
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post
from tests.factories.accounts import make_member_in_state


@pytest.fixture
def post(app):
    """Giulia's reply in Anna's topic; the tests' members react to it."""
    anna = make_user("anna", display_name="Anna")
    topic = make_topic(anna, make_category("Coffee", slug="coffee"), title="Grinding for espresso")
    return make_reply(topic, make_user("giulia", display_name="Giulia"), "Finer than you think.")


def react(client, post, reaction="heart", **headers):
    return client.post_form(f"/posts/{post.id}/react", {"reaction": reaction}, headers=headers)


def unreact(client, post):
    return client.post_form(f"/posts/{post.id}/unreact")


def counts(post):
    db.session.expire_all()
    fresh = db.session.get(Post, post.id)
    return fresh.reaction_count, sorted(db.session.execute(
        select(User.username, PostReaction.reaction).join(User, User.id == PostReaction.user_id)
        .where(PostReaction.post_id == post.id)).all())


def user(name):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == name))


# --- like, change, undo ------------------------------------------------------------------------------

def test_like_change_and_undo_move_every_counter_once(client, post):
    make_user("bruno")
    client.login("bruno")
    response = react(client, post)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#p{post.post_number}")
    assert counts(post) == (1, [("bruno", "heart")])
    assert (user("bruno").likes_given, user("giulia").likes_received) == (1, 1)
    react(client, post)  # a second click, or another tab: nothing more
    assert counts(post) == (1, [("bruno", "heart")])
    react(client, post, "laughing")  # changing one's reaction
    assert counts(post) == (1, [("bruno", "laughing")])
    assert (user("bruno").likes_given, user("giulia").likes_received) == (1, 1)
    assert unreact(client, post).status_code == 302
    assert counts(post) == (0, [])
    assert (user("bruno").likes_given, user("giulia").likes_received) == (0, 0)
    unreact(client, post)  # undoing twice takes nothing more away
    assert counts(post) == (0, [])


@pytest.mark.parametrize("who", ["author", "silenced", "unverified", "pending"])
def test_who_may_not_react(client, post, who):
    if who == "author":
        client.login("giulia")
    else:
        make_member_in_state(who, "reader")
        client.login("reader")
    assert react(client, post).status_code == 403
    assert counts(post) == (0, [])


def test_a_visitor_is_asked_to_sign_in(client, post):
    response = react(client, post)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert counts(post) == (0, [])


def test_no_reaction_on_a_hidden_or_withdrawn_post(client, post, app):
    make_user("bruno")
    moderator = make_user("mona", role="moderator")
    with app.test_request_context():
        hide_post(moderator, post, "off topic")
    client.login("bruno")
    assert react(client, post).status_code == 403
    assert counts(post) == (0, [])


def test_a_post_hidden_after_the_page_was_shown_takes_no_reaction(app, post):
    """The decision is taken on the post's row under its lock, not on what the page loaded."""
    bruno = make_user("bruno")
    with app.test_request_context():
        hide_post(make_user("mona", role="moderator"), post, "spam")
    set_committed_value(post, "state", "published")  # what the page loaded before the moderator acted
    with app.test_request_context(), pytest.raises(reactions.ReactionUnavailable):
        reactions.react(bruno, post, "heart")  # ``post`` still says "published" in memory
    assert counts(post) == (0, [])


def test_no_reaction_where_the_member_may_not_read(client, app):
    club = make_category("Club", slug="club", read_access=ReadAccess.STAFF)
    post = opening_post(make_topic(make_user("boss", role="admin"), club, title="Staff only chat"))
    make_user("bruno")
    client.login("bruno")
    assert react(client, post).status_code == 404
    assert client.get(f"/posts/{post.id}/reactions").status_code == 404


def test_only_offered_reactions(client, post, app):
    make_user("bruno")
    client.login("bruno")
    assert react(client, post, "celebrate").status_code == 302  # not offered by default: refused
    assert react(client, post, "fireworks").status_code == 302
    assert counts(post) == (0, [])
    with app.test_request_context():
        set_setting("reactions", ["heart", "celebrate"])
        db.session.commit()
    react(client, post, "celebrate")
    assert counts(post) == (1, [("bruno", "celebrate")])


def test_a_reaction_the_admin_took_away_stays_counted_and_can_be_taken_back(client, post, app):
    make_user("bruno")
    client.login("bruno")
    react(client, post, "laughing")
    with app.test_request_context():
        set_setting("reactions", ["heart"])
        db.session.commit()
    html = client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True)
    row = reaction_row(html, post)
    assert 'aria-label="Funny"' in row and 'aria-pressed="true"' in row  # still there, and still hers to undo
    assert 'value="thumbs_up"' not in row
    unreact(client, post)
    assert counts(post) == (0, [])


# --- what the page shows -------------------------------------------------------------------------------

def reaction_row(html, post):
    """The post's reaction row (it ends where the post's footer starts)."""
    start = html.find(f'id="reactions-{post.id}"')
    assert start != -1, "no reaction row"
    return html[start:html.find("<footer", start)]


def test_the_row_shows_counts_mine_and_who_reacted(client, post):
    for name in ("bruno", "carla", "dario"):
        make_user(name, display_name=name.title())
        client.login(name)
        react(client, post, "heart" if name != "dario" else "thankful")
        client.post_form("/logout")
    client.login("carla")
    row = reaction_row(client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True), post)
    like = re.search(r'<button[^>]*aria-pressed="true"[^>]*>.*?</button>', row, re.S)
    assert like and 'aria-label="Like"' in like.group(0) and '<span class="count">2</span>' in like.group(0)
    assert 'aria-label="Thank you"' in row and '<span class="count">1</span>' in row
    assert "3 reactions" in row
    assert f"/posts/{post.id}/unreact" in row  # pressing hers takes it back
    who = client.get(f"/posts/{post.id}/reactions").get_data(as_text=True)
    assert all(name in who for name in ("Bruno", "Carla", "Dario"))
    only = client.get(f"/posts/{post.id}/reactions?reaction=thankful").get_data(as_text=True)
    assert "Dario" in only and "Bruno" not in only
    partial = client.get(f"/posts/{post.id}/reactions?partial=1").get_data(as_text=True)
    assert partial.lstrip().startswith('<ul class="who-list">')


def test_visitors_and_authors_see_counts_without_buttons(client, post):
    make_user("bruno")
    client.login("bruno")
    react(client, post)
    client.post_form("/logout")
    row = reaction_row(client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True), post)
    assert "<button" not in row and '<span class="count">1</span>' in row
    client.login("giulia")
    row = reaction_row(client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True), post)
    assert "<button" not in row and '<span class="count">1</span>' in row


def test_the_script_gets_the_row_back_instead_of_a_redirect(client, post):
    make_user("bruno")
    client.login("bruno")
    response = react(client, post, **{"X-Requested-With": "fetch"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith(f'<div class="reactions" id="reactions-{post.id}"')
    assert 'aria-pressed="true"' in html


def test_the_who_reacted_list_is_paginated(app, post):
    members = [make_user(f"fan{i}") for i in range(reactions.WHO_PER_PAGE + 3)]
    for member in members:
        db.session.add(PostReaction(post_id=post.id, user_id=member.id, reaction="heart", created_at=utcnow()))
    integrity.repair(db.session)  # rows written straight in: the counters follow them
    db.session.commit()
    with app.test_request_context():
        first = reactions.who_reacted(members[0], post)
        assert len(first.items) == reactions.WHO_PER_PAGE and first.next_cursor
        second = reactions.who_reacted(members[0], post, cursor=first.next_cursor)
    names = [r.user.username for r in first.items + second.items]
    assert sorted(names) == sorted(m.username for m in members) and len(set(names)) == len(names)


def test_profiles_show_likes_given_and_received(client, post):
    make_user("bruno")
    client.login("bruno")
    react(client, post)
    assert "1 like received" in client.get("/u/giulia").get_data(as_text=True)
    assert "1 like given" in client.get("/u/bruno").get_data(as_text=True)


# --- the admin's set -------------------------------------------------------------------------------------

def test_the_admin_chooses_the_reactions_and_the_like_stays(client, app):
    make_user("ada", role="admin")
    client.login("ada")
    page = client.get("/admin/reactions").get_data(as_text=True)
    assert 'value="thumbs_up" checked' in page and 'value="celebrate">' in page
    assert client.post_form("/admin/reactions", {"reactions": ["celebrate", "sad"]}).status_code == 302
    with app.test_request_context():
        assert reactions.offered_reactions() == ["heart", "celebrate", "sad"]
    assert client.post_form("/admin/reactions", {"reactions": ["fireworks"]}).status_code == 400


def test_members_may_not_choose_the_set(client):
    make_user("bruno")
    client.login("bruno")
    assert client.post_form("/admin/reactions", {"reactions": ["sad"]}).status_code == 403


# --- the author's notice ------------------------------------------------------------------------------

def notices(name):
    db.session.expire_all()
    author = user(name)
    rows = list(db.session.scalars(select(Notification).where(Notification.user_id == author.id,
                                                              Notification.kind == "post_liked")
                                   .order_by(Notification.id)))
    return rows


def like_as(app, name, post, reaction="heart", **fields):
    member = user(name) or make_user(name, display_name=name.title(), **fields)
    with app.test_request_context():
        reactions.react(member, db.session.get(Post, post.id), reaction)
        jobs.run_pending()


def test_the_author_hears_once_per_post_consolidated(app, post):
    like_as(app, "anna", post)
    [notice] = notices("giulia")
    with app.test_request_context():
        assert render(notice) == "Anna liked your post in “Grinding for espresso”"
    assert notice.post_id == post.id and notice.topic_id == post.topic_id and notice.actor_id == user("anna").id
    assert notice.url == f"/t/{post.topic.slug}/{post.topic_id}/{post.post_number}"
    like_as(app, "bruno", post)
    [notice] = notices("giulia")
    with app.test_request_context():
        assert render(notice) == "Bruno and Anna liked your post in “Grinding for espresso”"
    for name in ("carla", "dario", "elena"):
        like_as(app, name, post)
    [notice] = notices("giulia")
    assert notice.params["count"] == 5 and notice.params["names"] == ["Elena", "Dario"]
    with app.test_request_context():
        assert render(notice) == "Elena and 4 others liked your post in “Grinding for espresso”"
    # Read: the next like starts a new notice, about that like alone.
    db.session.execute(update(Notification).where(Notification.id == notice.id).values(read_at=utcnow()))
    db.session.commit()
    like_as(app, "fabio", post)
    old, new = notices("giulia")
    assert old.params["count"] == 5 and new.params["count"] == 1 and new.params["names"] == ["Fabio"]


def test_other_reactions_are_told_as_reactions(app, post):
    like_as(app, "anna", post, "laughing")
    [notice] = notices("giulia")
    with app.test_request_context():
        assert render(notice) == "Anna reacted to your post in “Grinding for espresso”"
    like_as(app, "bruno", post)
    [notice] = notices("giulia")
    with app.test_request_context():
        assert render(notice) == "Bruno and Anna reacted to your post in “Grinding for espresso”"


def test_undoing_notifies_nobody_and_leaves_the_notice_when_nothing_is_left(app, post):
    like_as(app, "anna", post)
    like_as(app, "bruno", post)
    with app.test_request_context():
        reactions.unreact(user("bruno"), db.session.get(Post, post.id))
        jobs.run_pending()
    [notice] = notices("giulia")
    assert notice.params["count"] == 1 and notice.params["names"] == ["Anna"]
    with app.test_request_context():
        reactions.unreact(user("anna"), db.session.get(Post, post.id))
        jobs.run_pending()
    assert notices("giulia") == []  # unread and about nothing any more
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == user("anna").id,
                                                           Notification.kind == reactions.NOTICE_KIND)) is None


def test_members_the_author_ignores_are_not_in_the_notice(app, post):
    troll = make_user("troll", display_name="Troll")
    db.session.add(IgnoredUser(user_id=user("giulia").id, ignored_user_id=troll.id, created_at=utcnow()))
    db.session.commit()
    like_as(app, "troll", post)
    assert notices("giulia") == []
    like_as(app, "anna", post)
    [notice] = notices("giulia")
    assert notice.params["count"] == 1 and notice.params["names"] == ["Anna"]


def test_the_notice_job_is_idempotent(app, post):
    like_as(app, "anna", post)
    like_as(app, "bruno", post)
    with app.test_request_context():
        reactions.refresh_notice({"post_id": post.id})
        reactions.refresh_notice({"post_id": post.id})
    [notice] = notices("giulia")
    assert notice.params["count"] == 2


def test_the_notice_reads_in_the_authors_language(app, post):
    author = user("giulia")
    author.locale = "it"
    db.session.commit()
    like_as(app, "anna", post)
    like_as(app, "bruno", post)
    like_as(app, "carla", post)
    [notice] = notices("giulia")
    with app.test_request_context(), reading_as(author):
        text = render(notice)
    assert "Carla" in text and "2" in text and "Grinding for espresso" in text and "liked" not in text


# --- forum check ------------------------------------------------------------------------------------------

def test_forum_check_finds_and_repairs_the_reaction_counters(app, post):
    like_as(app, "anna", post)
    like_as(app, "bruno", post, "thankful")
    assert integrity.check(db.session) == []
    other = opening_post(post.topic)
    db.session.execute(update(Post).where(Post.id == post.id).values(reaction_count=7))
    db.session.execute(update(Post).where(Post.id == other.id).values(reaction_count=3))
    db.session.execute(update(User).where(User.username == "anna").values(likes_given=0, likes_received=4))
    db.session.commit()
    found = {(m.table, m.row_id, m.column) for m in integrity.check(db.session)}
    assert found == {("post", post.id, "reaction_count"), ("post", other.id, "reaction_count"),
                     ("user", user("anna").id, "likes_given/likes_received")}
    integrity.repair(db.session)
    db.session.commit()
    assert integrity.check(db.session) == []
    assert counts(post)[0] == 2 and (user("anna").likes_given, user("giulia").likes_received) == (1, 2)


def test_reactions_stay_with_a_hidden_post_and_come_back_with_it(app, post):
    like_as(app, "anna", post)
    moderator = make_user("mona", role="moderator")
    with app.test_request_context():
        hide_post(moderator, db.session.get(Post, post.id), "check")
    assert counts(post)[0] == 1 and integrity.check(db.session) == []
    assert user("giulia").likes_received == 1


def test_every_reaction_has_an_icon():
    icons = (Path(__file__).resolve().parents[2] / "forum/templates/macros/icons.html").read_text()
    missing = [r.icon for r in reactions.REACTIONS.values() if f'"{r.icon}": [' not in icons]
    assert not missing and '"smile-plus": [' in icons and '"bookmark": [' in icons


def test_a_recent_like_shows_first(app, post):
    like_as(app, "anna", post)
    older = db.session.scalar(select(PostReaction).where(PostReaction.post_id == post.id))
    older.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    like_as(app, "bruno", post)
    with app.test_request_context():
        page = reactions.who_reacted(user("anna"), post)
    assert [r.user.username for r in page.items] == ["bruno", "anna"]

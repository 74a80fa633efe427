"""Who hears of a post (forum.discussions.notices): the fan-out job's rules, kind by kind.

Posts are written through the real services; the fan-out runs as the queue runs it (inline:
``jobs.run_pending()`` after the write, or right after a request).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum import jobs
from forum.accounts.ignores import ignore_user
from forum.discussions import notices as post_notices
from forum.discussions import services as discussions
from forum.discussions import watching
from forum.discussions.models import NotificationLevel, Post, ReadAccess
from forum.extensions import db
from forum.moderation import services as moderation
from forum.notifications.models import Notification
from forum.staff import notices as staff_notices
from forum.staff import services as staff
from tests.factories import (
    hold_new_members,
    make_category,
    make_reply,
    make_staff,
    make_topic,
    make_user,
    opening_post,
    support_category,
)
from tests.notifications.helpers import notices, texts
from tests.notifications.test_every_kind import assert_every_kind_reads_in_every_language


def reply(topic: Any, author: Any, body: str, **kwargs: Any) -> Post:
    post = discussions.create_reply(author, topic, body, **kwargs).post
    jobs.run_pending()
    return post


def kinds(user: Any) -> list[str]:
    return [n.kind for n in notices(user)]


def test_the_engagement_loop_anna_hears_from_bruno_and_giulia(app):
    anna, bruno = make_user("anna", display_name="Anna"), make_user("bruno", display_name="Bruno")
    giulia = make_staff("giulia", display_name="Giulia")
    question = make_topic(anna, support_category(), title="My kettle whistles twice")
    jobs.run_pending()

    mention = reply(question, bruno, "Same here @anna, maybe @giulia knows?")
    official = reply(question, giulia, "Descale it twice a month.", official=True)

    assert kinds(anna) == ["mentioned", "official_reply"]
    assert texts(anna) == ["Bruno mentioned you in “My kettle whistles twice”",
                           "Giulia gave an official reply in “My kettle whistles twice”"]
    first, second = notices(anna)
    assert (first.post_id, first.topic_id, first.actor_id) == (mention.id, question.id, bruno.id)
    assert first.url == f"/t/{question.slug}/{question.id}/2" and second.url == f"/t/{question.slug}/{question.id}/3"
    assert first.dedupe_key == f"post:{mention.id}:mentioned"
    # Giulia was mentioned by Bruno; she hears nothing of her own reply; Bruno, tracking the
    # topic he replied to, is not watching it: nothing for him.
    assert kinds(giulia) == ["mentioned"] and kinds(bruno) == []
    assert official.id not in {n.post_id for n in notices(giulia)}


def test_nobody_hears_of_a_staff_only_category_they_may_not_read(app):
    anna, mod = make_user("anna"), make_user("mona", role="moderator")
    backroom = make_category("Backroom", read_access=ReadAccess.STAFF)
    topic = make_topic(mod, backroom, title="Private planning notes")
    reply(topic, mod, "Should we ask @anna about this?")
    assert notices(anna) == []


def test_a_member_who_ignores_the_author_hears_nothing_from_them(app):
    anna, bruno, carla = make_user("anna"), make_user("bruno"), make_user("carla")
    topic = make_topic(anna, support_category(), title="Who ignores whom here")
    ignore_user(anna, bruno)
    reply(topic, bruno, "Hello @anna, and @carla too.")
    assert notices(anna) == []
    assert kinds(carla) == ["mentioned"]


def test_replying_in_her_own_topic_notifies_nobody_about_herself(app):
    anna = make_user("anna")
    topic = make_topic(anna, support_category(), title="Talking to myself here")
    reply(topic, anna, "An update from me, @anna, to myself.")
    assert notices(anna) == []
    assert db.session.scalar(select(Notification.id)) is None


def test_every_post_kind_is_created_and_reads_in_every_language(app):
    with app.test_request_context("/"):
        asker, bruno, carla, dario = (make_user(n, display_name=n.title())
                                      for n in ("asker", "bruno", "carla", "dario"))
        watcher, fan = make_user("watcher"), make_user("fan")
        staff.add_member_by_group_name(make_user("sara"), "Support", create=True)
        giulia = make_staff("giulia", group="Support")
        category = support_category()
        watching.set_category_level(fan, category, NotificationLevel.WATCHING_FIRST_POST)
        topic = make_topic(asker, category, title="A question for every kind")  # fan: watched_topic
        watching.set_topic_level(watcher, topic, NotificationLevel.WATCHING)
        jobs.run_pending()
        first = reply(topic, bruno, "My answer, for @carla too.")  # asker: topic_reply, carla: mentioned
        reply(topic, carla, f'[quote="bruno, post:{first.post_number}, topic:{topic.id}"]\nMy answer\n[/quote]\n\n'
                            "Quoting it.")  # bruno: quoted
        reply(topic, dario, "I disagree with you.", reply_to=first.post_number)  # bruno: replied; watcher: watched
        reply(topic, giulia, "Pinging @support about it.")  # sara: group_mentioned
        answer = reply(topic, giulia, "The official answer.", official=True)  # asker, watcher: official_reply
        staff.mark_solution(asker, answer)  # giulia: answer_accepted
        other = make_reply(make_topic(carla, category, title="Another question here"), bruno, "An answer to it.")
        staff.mark_solution(giulia, other)  # carla: question_solved; bruno: answer_accepted
        jobs.run_pending()

    assert kinds(fan) == ["watched_topic", "watched_topic"]
    assert kinds(carla)[:1] == ["mentioned"] and "question_solved" in kinds(carla)
    assert "quoted" in kinds(bruno) and "replied" in kinds(bruno) and "answer_accepted" in kinds(bruno)
    assert kinds(sara := db.session.scalar(select(type(asker)).where(type(asker).username == "sara"))) \
        == ["group_mentioned"]
    assert texts(sara) == ["Giulia mentioned @support in “A question for every kind”"]
    assert kinds(asker) == ["topic_reply", "topic_reply", "topic_reply", "topic_reply", "official_reply"]
    assert "watched_post" in kinds(watcher) and kinds(watcher)[-1] == "official_reply"
    assert kinds(giulia) == ["answer_accepted"]
    assert_every_kind_reads_in_every_language(post_notices.KINDS)
    assert_every_kind_reads_in_every_language(staff_notices.KINDS)


def test_a_mentioned_watcher_gets_the_mention_only(app):
    anna, bruno = make_user("anna"), make_user("bruno")
    topic = make_topic(make_user(), support_category(), title="Watched and mentioned")
    jobs.run_pending()
    watching.set_topic_level(anna, topic, NotificationLevel.WATCHING)
    post = reply(topic, bruno, "What do you think, @anna?")
    assert [(n.kind, n.post_id) for n in notices(anna)] == [("mentioned", post.id)]


def test_members_cannot_page_a_staff_group_staff_can(app):
    sara = make_staff("sara", group="Support")
    topic = make_topic(make_user(), support_category(), title="Who may ping the team")
    reply(topic, make_user("member"), "Hey @support, anyone there?")
    assert notices(sara) == []
    reply(topic, make_user("mona", role="moderator"), "Calling @support for this one.")
    assert kinds(sara) == ["group_mentioned"]


def test_a_kind_turned_off_falls_back_to_the_next_that_applies(app):
    anna = make_user("anna")
    topic = make_topic(anna, support_category(), title="Preferences decide")
    jobs.run_pending()
    anna.notification_prefs = {"mentioned": "never"}
    db.session.commit()
    reply(topic, make_user("bruno"), "A reply naming @anna.")
    assert kinds(anna) == ["topic_reply"]  # she still hears of replies to her topic
    anna.notification_prefs = {"mentioned": "never", "topic_reply": "never", "watched_post": "never"}
    db.session.commit()
    reply(topic, make_user("carla"), "Another reply naming @anna.")
    assert kinds(anna) == ["topic_reply"]


def test_a_muted_topic_tells_nothing_even_a_mention(app):
    anna = make_user("anna")
    topic = make_topic(anna, support_category(), title="Muted by its author")
    watching.set_topic_level(anna, topic, NotificationLevel.MUTED)
    reply(topic, make_user("bruno"), "Hey @anna, look.")
    assert notices(anna) == []
    muted = make_category("Muted place")
    watching.set_category_level(anna, muted, NotificationLevel.MUTED)
    other = make_topic(make_user(), muted, title="In a muted category")
    reply(other, make_user("carla"), "Hey @anna, here too.")
    assert notices(anna) == []


def test_a_held_reply_tells_nobody_until_it_is_approved(app):
    anna, mod = make_user("anna"), make_user("mona", role="moderator")
    topic = make_topic(anna, support_category(), title="Held replies wait")
    hold_new_members(1)
    newbie = make_user("newbie")
    held = reply(topic, newbie, "My first post, @anna.")
    assert held.state == "pending" and notices(anna) == []
    moderation.approve_item(mod, moderation.open_item_for_post(held.id))
    jobs.run_pending()
    assert kinds(anna) == ["mentioned"]


def test_an_edit_that_adds_a_mention_tells_only_the_newly_mentioned(app):
    anna, bruno, carla = make_user("anna"), make_user("bruno"), make_user("carla")
    topic = make_topic(make_user(), support_category(), title="Edits add mentions")
    post = reply(topic, bruno, "Hello @anna.")
    discussions.edit_post(bruno, post, "Hello @anna and @carla.")
    jobs.run_pending()
    discussions.edit_post(bruno, post, "Hello @anna and @carla, again.")  # nobody new
    jobs.run_pending()
    assert kinds(anna) == ["mentioned"] and kinds(carla) == ["mentioned"]


def test_the_job_run_twice_notifies_nobody_twice(app):
    anna = make_user("anna")
    topic = make_topic(anna, support_category(), title="Run it twice")
    jobs.run_pending()
    post = reply(topic, make_user("bruno"), "Hi @anna.")
    post_notices.notify_post({"post_id": post.id, "edit": False})
    post_notices.notify_post({"post_id": post.id, "edit": False})
    assert len(notices(anna)) == 1


def test_mentions_inside_quotes_do_not_notify_again(app):
    carla = make_user("carla")
    topic = make_topic(make_user(), support_category(), title="Quotes keep mentions quiet")
    reply(topic, make_user("bruno"), '[quote="someone"]\nask @carla\n[/quote]\n\nI agree with that.')
    assert notices(carla) == []


def test_the_opening_post_of_a_held_topic_waits_too(app):
    fan = make_user("fan")
    category = support_category()
    watching.set_category_level(fan, category, NotificationLevel.WATCHING_FIRST_POST)
    hold_new_members(1)
    topic = make_topic(make_user("newbie"), category, title="A held first topic")
    jobs.run_pending()
    assert notices(fan) == []
    moderation.approve_item(make_user("mona", role="moderator"), moderation.open_item_for_post(opening_post(topic).id))
    jobs.run_pending()
    assert kinds(fan) == ["watched_topic"]


def test_members_are_not_asked_about_mentions_of_staff_groups(client, app):
    make_user("mario")
    client.login("mario")
    assert 'name="kind__group_mentioned"' not in client.get("/settings/notifications").get_data(as_text=True)
    assert 'value="group_mentioned"' not in client.get("/notifications").get_data(as_text=True)
    make_user("sara", role="moderator")
    staff = app.test_client()  # the fixture's client class: FormClient
    staff.login("sara")
    assert 'name="kind__group_mentioned"' in staff.get("/settings/notifications").get_data(as_text=True)

"""The review queue: what puts posts there, what reviewers do, claims, bulk, filters, queries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Post, PostRevision, PostState, Topic
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.moderation import services
from forum.moderation.models import PostVerdict, ReviewItem, ReviewKind, ReviewReason, ReviewStatus
from forum.plugins import Verdict, hookimpl
from tests.factories import hold_new_members, make_category, make_reply, make_topic, make_user
from tests.moderation.helpers import audit_actions, item_ids
from tests.notifications.helpers import texts


def open_item(post: Post) -> ReviewItem:
    item = services.open_item_for_post(post.id)
    assert item is not None
    return item


def notifications_of(user: Any) -> list[str]:
    return texts(user)


# --- what puts things in the queue --------------------------------------------------------------

def test_first_posts_of_a_new_member_are_held_until_approved(app, member, mod, category, counters_ok, recorder):
    hold_new_members(1)
    topic = make_topic(member, category, title="My first question here")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    assert post.state == PostState.PENDING and topic.state == PostState.PENDING
    item = open_item(post)
    assert (item.kind, item.reason_code) == (ReviewKind.TOPIC, ReviewReason.NEW_MEMBER)
    verdicts = db.session.scalars(select(PostVerdict).where(PostVerdict.post_id == post.id)).all()
    assert [(v.plugin, v.verdict) for v in verdicts] == [("core:moderation", "require_approval")]
    assert category.topic_count == 0 and member.post_count == 0
    counters_ok()

    services.approve_item(mod, item)
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED and topic.state == PostState.PUBLISHED
    assert item.status == ReviewStatus.RESOLVED and item.resolved_by_id == mod.id
    assert audit_actions("post", post.id) == ["post.approve"]
    assert ("approved", post.id) in recorder.events
    assert "Your topic “My first question here” was approved." in notifications_of(member)
    counters_ok()
    # One approved post is enough: the next one goes straight out.
    reply = make_reply(topic, member, "A follow-up with more details.")
    assert reply.state == PostState.PUBLISHED


def test_staff_are_never_held(app, mod, category):
    hold_new_members(5)
    staff = make_user("brandy", staff=True)
    assert make_topic(mod, category).state == PostState.PUBLISHED
    assert make_topic(staff, category).state == PostState.PUBLISHED


def test_categories_can_hold_topics_or_replies(app, member):
    topics_held = make_category("Showcase", approve_topics=True)
    replies_held = make_category("Feedback", approve_replies=True)
    held_topic = make_topic(member, topics_held)
    assert held_topic.state == PostState.PENDING
    assert open_item(db.session.scalar(select(Post).where(Post.topic_id == held_topic.id))).reason_code == \
        ReviewReason.CATEGORY
    open_topic = make_topic(member, replies_held)
    assert open_topic.state == PostState.PUBLISHED
    reply = make_reply(open_topic, make_user())
    assert reply.state == PostState.PENDING
    assert open_item(reply).kind == ReviewKind.REPLY


class Filter:
    def __init__(self, verdict: Verdict | None = None, fail: bool = False) -> None:
        self.verdict, self.fail = verdict, fail

    @hookimpl
    def forum_filter_post(self, draft: Any, author: Any, context: Any) -> Any:
        if self.fail:
            raise RuntimeError("boom")
        return self.verdict if "trigger" in draft.raw else None


def test_filter_verdicts_are_queued_and_recorded(app, member, category):
    pm = app.extensions["forum.plugins"]
    pm.register(Filter(Verdict.require_approval("watched word: trigger")), name="testfilter")
    topic = make_topic(member, category)
    post = make_reply(topic, make_user(), "This has the trigger word.")
    item = open_item(post)
    assert (item.kind, item.reason_code) == (ReviewKind.REPLY, ReviewReason.FILTER)
    assert "watched word: trigger" in item.reason
    assert db.session.scalar(select(PostVerdict.reason).where(PostVerdict.post_id == post.id)) == \
        "watched word: trigger"


def test_a_flag_verdict_queues_a_published_post(app, member, category):
    app.extensions["forum.plugins"].register(Filter(Verdict.flag("looks like spam")), name="testflag")
    post = make_reply(make_topic(member, category), make_user(), "A trigger for the flagger.")
    assert post.state == PostState.PUBLISHED
    item = open_item(post)
    assert (item.kind, item.reason_code) == (ReviewKind.FLAG, ReviewReason.FILTER)
    assert db.session.scalar(select(PostVerdict.verdict).where(PostVerdict.post_id == post.id)) == "flag"


def test_a_failing_plugin_sends_the_post_to_the_queue(app, member, category):
    topic = make_topic(member, category)
    app.extensions["forum.plugins"].register(Filter(fail=True), name="brokenplugin")
    post = make_reply(topic, make_user(), "Anything at all.")
    assert post.state == PostState.PENDING
    item = open_item(post)
    assert item.reason_code == ReviewReason.PLUGIN_ERROR
    assert "plugin brokenplugin failed" in item.reason


# --- authors and their held or rejected posts --------------------------------------------------------

def test_authors_see_their_pending_post_marked_awaiting_approval(app, client, member, mod, category):
    topic = make_topic(make_user(), category)
    hold_new_members(1)
    pending = make_reply(topic, member, "Pending words from mario.")
    assert pending.state == PostState.PENDING
    url = f"/t/{topic.slug}/{topic.id}"
    client.login("mario")
    html = client.get(url).get_data(as_text=True)
    assert "Pending words from mario." in html and "Awaiting approval" in html
    client.post_form("/logout")
    make_user("luigi")
    client.login("luigi")
    assert "Pending words from mario." not in client.get(url).get_data(as_text=True)
    client.post_form("/logout")
    assert "Pending words from mario." not in client.get(url).get_data(as_text=True)
    client.login("mona")
    assert "Pending words from mario." in client.get(url).get_data(as_text=True)


def test_a_rejected_post_returns_to_its_author_who_can_resubmit(app, client, member, mod, category, recorder):
    topic = make_topic(make_user(), category)
    hold_new_members(1)
    post = make_reply(topic, member, "My draft with a small mistake.")
    item = open_item(post)
    client.login("mona")
    response = client.post_form(f"/review/{item.id}/reject", {"reason_key": "unclear", "text": "Add the model."})
    assert response.status_code == 302
    db.session.expire_all()
    assert post.state == PostState.REJECTED and post.raw == "My draft with a small mistake."
    assert db.session.get(Post, post.id) is not None  # nothing deleted
    assert "Add the model." in post.state_reason and "Unclear" in post.state_reason
    assert audit_actions("post", post.id) == ["post.reject"]
    assert ("rejected", post.id) in recorder.events
    assert any("not approved" in m for m in notifications_of(member))

    client.post_form("/logout")
    client.login("mario")
    html = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "My draft with a small mistake." in html and "Add the model." in html
    assert f"/posts/{post.id}/resubmit" in html
    page = client.get(f"/posts/{post.id}/resubmit").get_data(as_text=True)
    assert "My draft with a small mistake." in page
    response = client.post_form(f"/posts/{post.id}/resubmit", {"body": "My fixed draft, model X200."})
    assert response.status_code == 302
    db.session.expire_all()
    assert post.state == PostState.PENDING and post.raw == "My fixed draft, model X200."
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert revision.raw == "My draft with a small mistake."
    again = open_item(post)
    assert again.id != item.id and again.reason_code == ReviewReason.RESUBMITTED
    assert "Add the model." in again.reason
    client.post_form("/logout")
    make_user("luigi")
    client.login("luigi")
    assert "My fixed draft" not in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert client.get(f"/posts/{post.id}/resubmit").status_code in (403, 404)


def test_a_rejected_topic_stays_visible_to_its_author_only(app, client, member, mod, category, counters_ok):
    hold_new_members(1)
    topic = make_topic(member, category, title="A topic to reject")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    services.reject_item(mod, open_item(post), "", "Please search first.")
    db.session.expire_all()
    assert topic.state == PostState.REJECTED and post.state == PostState.REJECTED
    client.login("mario")
    assert "Please search first." in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    counters_ok()


def test_reject_needs_a_reason(refused, app, member, mod, category):
    hold_new_members(1)
    post = db.session.scalar(select(Post).where(Post.topic_id == make_topic(member, category).id))
    with refused():
        services.reject_item(mod, open_item(post), "", "  ")
    assert post.state == PostState.PENDING


def test_edit_then_approve_keeps_a_revision_and_tells_the_author(app, member, mod, category, counters_ok):
    hold_new_members(1)
    topic = make_topic(member, category, title="Typo in the ttle")
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id))
    services.edit_and_approve(mod, open_item(post), "Hello everyone, fixed by a moderator.",
                              title="Typo in the title")
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED and post.raw == "Hello everyone, fixed by a moderator."
    assert topic.title == "Typo in the title"
    revision = db.session.scalar(select(PostRevision).where(PostRevision.post_id == post.id))
    assert revision.raw == "Hello everyone, this is the first post." and revision.editor_id == mod.id
    assert "A moderator edited and approved your topic “Typo in the title”." in notifications_of(member)
    assert audit_actions("post", post.id) == ["post.edit", "post.approve"]
    counters_ok()


def test_an_approved_reply_is_a_post_and_an_approved_topic_a_topic_in_every_language(app, member, mod, category):
    hold_new_members(2)
    topic = make_topic(member, category, title="Grinder settings")
    services.approve_item(mod, open_item(db.session.scalar(select(Post).where(Post.topic_id == topic.id))))
    reply = make_reply(topic, member, "And one more detail about the burrs.")
    assert reply.state == PostState.PENDING
    services.approve_item(mod, open_item(reply))
    assert notifications_of(member) == ["Your topic “Grinder settings” was approved.",
                                        "Your post in “Grinder settings” was approved."]
    member.locale = "it"
    db.session.commit()
    assert notifications_of(member) == ["La tua discussione “Grinder settings” è stata approvata.",
                                        "Il tuo messaggio in “Grinder settings” è stato approvato."]
    member.locale = "fr"
    db.session.commit()
    assert notifications_of(member)[0] == "Votre sujet «\u00a0Grinder settings\u00a0» a été approuvé."


def test_edit_then_approve_over_http(app, client, member, mod, category):
    hold_new_members(1)
    post = make_reply(make_topic(mod, category), member, "Needs a fix here.")
    item = open_item(post)
    client.login("mona")
    assert "Needs a fix here." in client.get(f"/review/{item.id}/edit").get_data(as_text=True)
    assert client.post_form(f"/review/{item.id}/edit", {"body": "x"}).status_code == 400  # too short
    assert client.post_form(f"/review/{item.id}/edit", {"body": "Fixed by mona."}).status_code == 302
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED and post.raw == "Fixed by mona."


def test_delete_from_the_queue_is_soft_and_restorable(app, member, mod, category, counters_ok, recorder):
    hold_new_members(1)
    post = make_reply(make_topic(mod, category), member, "Spam spam spam.")
    item = open_item(post)
    services.delete_item(mod, item, "spam")
    db.session.expire_all()
    assert post.state == PostState.DELETED and post.raw == "Spam spam spam."
    assert item.resolution == "deleted" and ("deleted", post.id) in recorder.events
    assert audit_actions("post", post.id) == ["post.delete"]
    services.restore_post(mod, post, "it was fine")
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED
    counters_ok()


# --- claims, bulk, filters -----------------------------------------------------------------------------

def test_a_claimed_item_is_off_limits_to_other_moderators_until_it_expires(refused, app, client, member, mod, category):
    other = make_user("otto", role="moderator")
    hold_new_members(1)
    post = make_reply(make_topic(mod, category), member, "Claim me please.")
    item = open_item(post)
    services.claim_item(mod, item)
    assert audit_actions("review_item", item.id) == ["review.claim"]
    with refused(services.ItemClaimed):
        services.approve_item(other, item)
    client.login("otto")
    html = client.get("/review").get_data(as_text=True)
    assert "Claimed by Mona" in html
    client.post_form(f"/review/{item.id}/approve")
    db.session.expire_all()
    assert post.state == PostState.PENDING
    # The claim expires by itself (no cron): after claim_minutes anyone may act.
    item.claimed_at = utcnow() - timedelta(minutes=services.claim_minutes() + 1)
    db.session.commit()
    services.approve_item(other, item)
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED and item.resolved_by_id == other.id


def test_release_a_claim(app, member, mod, category):
    hold_new_members(1)
    item = open_item(make_reply(make_topic(mod, category), member, "Release me."))
    services.claim_item(mod, item)
    services.release_item(mod, item)
    assert item.claimed_by_id is None
    assert audit_actions("review_item", item.id) == ["review.claim", "review.release"]


def test_bulk_approve_and_reject(app, client, mod, category, counters_ok):
    hold_new_members(1)
    topic = make_topic(mod, category)
    posts = [make_reply(topic, make_user(), f"Held reply number {i}.") for i in range(4)]
    items = [open_item(p) for p in posts]
    claimer = make_user("otto", role="moderator")
    services.claim_item(claimer, items[3])
    client.login("mona")
    response = client.post_form("/review/bulk", {"action": "approve", "item_ids": [items[0].id, items[1].id]})
    assert response.status_code == 302
    response = client.post_form("/review/bulk", {"action": "reject", "reason_key": "spam",
                                                 "item_ids": [items[2].id, items[3].id]})
    db.session.expire_all()
    assert [p.state for p in posts] == ["published", "published", "rejected", "pending"]
    assert audit_actions("post") == ["post.approve", "post.approve", "post.reject"]
    counters_ok()


def test_bulk_reject_without_a_reason_changes_nothing(refused, app, mod, category):
    hold_new_members(1)
    post = make_reply(make_topic(mod, category), make_user(), "Held reply.")
    with refused():
        services.bulk_review(mod, [open_item(post).id], "reject")
    assert post.state == PostState.PENDING


def test_queue_filters_by_kind_category_reason_and_age(app, client, mod, member):
    hold_new_members(1)
    general, showcase = make_category("General talk"), make_category("Showcase", approve_topics=True)
    new_member_post = make_reply(make_topic(mod, general), member, "New member reply.")
    category_topic = make_topic(make_user(), showcase)
    category_post = db.session.scalar(select(Post).where(Post.topic_id == category_topic.id))
    a, b = open_item(new_member_post), open_item(category_post)
    a.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    client.login("mona")

    def ids(query: str) -> set[int]:
        return set(item_ids(client.get("/review" + query).get_data(as_text=True)))

    assert ids("") == {a.id, b.id}
    assert ids("?kind=reply") == {a.id}
    assert ids("?kind=topic") == {b.id}
    assert ids(f"?category={showcase.id}") == {b.id}
    assert ids("?reason=new_member") == {a.id}
    assert ids("?reason=category") == {b.id}
    assert ids("?age=1d") == {a.id}


def test_queue_page_runs_a_constant_number_of_queries(app, client, mod, count_queries):
    hold_new_members(100)
    topic = make_topic(mod, make_category("Busy"))
    flagger = make_user("flo")

    def fill(n: int) -> None:
        for i in range(n):
            author = make_user()
            post = make_reply(topic, author, f"Held reply {i} with enough text.")
            if i % 3 == 0:  # a few flag items, with flaggers, in the mix
                services.approve_item(mod, open_item(post))
                services.flag_post(flagger, post, "spam")
        db.session.expire_all()

    client.login("mona")
    fill(1)
    with count_queries() as one:
        assert client.get("/review").status_code == 200
    fill(29)
    with count_queries() as thirty:
        html = client.get("/review").get_data(as_text=True)
    assert len(item_ids(html)) == 30
    assert thirty.count == one.count, "\n".join(thirty.statements)


def test_nav_shows_counts_per_kind_to_moderators_only(app, client, mod, member, category):
    hold_new_members(1)
    make_reply(make_topic(mod, category), member, "Held reply one.")
    make_reply(make_topic(mod, category), make_user(), "Held reply two.")
    client.login("mona")
    html = client.get("/").get_data(as_text=True)
    assert 'class="review-link"' in html and "Replies 2" in html
    client.post_form("/logout")
    client.login("mario")
    assert 'class="review-link"' not in client.get("/").get_data(as_text=True)
    assert services.queue_counts(member) == {}


def test_moderators_cannot_act_on_an_admins_post(app, admin, mod, category):
    app.extensions["forum.plugins"].register(Filter(Verdict.require_approval("held")), name="holdall")
    post = make_reply(make_topic(admin, category), admin, "An admin post with trigger.")
    item = open_item(post)
    with pytest.raises(PermissionDenied):
        services.approve_item(mod, item)
    services.approve_item(admin, item)
    assert db.session.get(Post, post.id).state == PostState.PUBLISHED


def test_nothing_is_hard_deleted(app, member, mod, category):
    hold_new_members(1)
    topic = make_topic(mod, category)
    posts = [make_reply(topic, member, f"Post {i} to moderate.") for i in range(2)]
    services.reject_item(mod, open_item(posts[0]), "spam")
    services.delete_item(mod, open_item(posts[1]), "spam")
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.topic_id == topic.id)) == 3
    assert db.session.scalar(select(func.count()).select_from(ReviewItem)) == 2
    assert db.session.scalar(select(func.count()).select_from(Topic)) == 1
    assert discussions.get_post(mod, posts[1].id).raw == "Post 1 to moderate."

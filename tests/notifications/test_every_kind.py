"""Every converted caller creates its kind, with parameters that render in every language.

Each domain's test drives its real services until every kind it registers has been created
once, then reads each notice in English, Italian and French: a kind left out, a renderer that
fails, or a sentence missing from a catalog fails here.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import force_locale
from sqlalchemy import select

from forum.events import services as events
from forum.events.models import Event, EventState
from forum.events.services import notices as event_notices
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.models import ReviewItem, ReviewKind, ReviewReason, ReviewStatus
from forum.moderation.services import notices as moderation_notices
from forum.notifications import render
from forum.notifications.models import Notification
from forum.notifications.rendering import neutral_text
from forum.settings import set_setting
from tests.factories import (
    event_input,
    hold_new_members,
    make_category,
    make_event,
    make_reply,
    make_topic,
    make_user,
    make_users,
    opening_post,
)


def _held_item(post_id: int) -> ReviewItem:
    item = moderation.open_item_for_post(post_id)
    assert item is not None
    return item


def assert_every_kind_reads_in_every_language(kinds: tuple[Any, ...]) -> None:
    rows = list(db.session.scalars(select(Notification).where(Notification.kind.in_([k.name for k in kinds]))))
    assert {n.kind for n in rows} == {k.name for k in kinds}, "some kind was never created"
    for row in rows:
        assert row.message is None and row.params is not None
        texts = {}
        for locale in ("en", "it", "fr"):
            with force_locale(locale):
                texts[locale] = render(row)
                assert texts[locale] != neutral_text(), f"{row.kind} {row.params} did not render"
        assert texts["it"] != texts["en"] and texts["fr"] != texts["en"], f"{row.kind} is not translated: {texts}"


def test_every_moderation_kind(app):
    with app.test_request_context("/"):
        mod = make_user("mona", role="moderator")
        category = make_category("Help")
        author = make_user("author")
        topic = make_topic(author, category, title="Broken kettle")
        moderation.hide_post(mod, make_reply(topic, author, "A reply to hide."), "Off topic.")
        moderation.delete_post(mod, make_reply(topic, author, "A reply to remove."), "Advertising.")
        flagged = make_reply(topic, author, "A reply someone flags.")
        moderation.flag_post(make_user("flo"), flagged, "spam")
        moderation.resolve_flag_item(mod, _held_item(flagged.id), "disagree")

        hold_new_members(1)
        for name, decide in (("newbie", lambda item: moderation.approve_item(mod, item)),
                             ("other", lambda item: moderation.reject_item(mod, item, "spam", "")),
                             ("third", lambda item: moderation.edit_and_approve(
                                 mod, item, "An edited body that reads better."))):
            held = make_topic(make_user(name), category, title=f"First question of {name}")
            decide(_held_item(opening_post(held).id))

        set_setting("approve_members", True)
        db.session.commit()
        for name, decide in (("applicant", lambda item: moderation.approve_item(mod, item)),
                             ("refused", lambda item: moderation.reject_item(mod, item, "", "Customers only."))):
            user = make_user(name)
            user.approved_at = None
            item = moderation.queue_application(user, {"Why?": "Because"})
            db.session.commit()
            decide(item)

        writer = make_user("writer")
        profile = ReviewItem(kind=ReviewKind.PROFILE, status=ReviewStatus.OPEN, reason_code=ReviewReason.FILTER,
                             user_id=writer.id, data={"bio": "Buy followers"})
        db.session.add(profile)
        db.session.commit()
        moderation.reject_item(mod, profile, "spam", "")

        member = make_user("mario")
        moderation.warn_user(mod, member, "Mind the tone.")
        moderation.silence_user(mod, member, timedelta(days=1), "Cool down.")
        moderation.lift_silence(mod, member)
        moderation.suspend_user(mod, member, timedelta(days=3), "Insults.")
        moderation.lift_suspension(mod, member)

    assert_every_kind_reads_in_every_language(moderation_notices.KINDS)


def test_every_event_kind(app):
    with app.test_request_context("/"):
        host = make_user("hostess", role="moderator")
        m1, m2, m3, m4 = make_users(4, "member", start=1)
        event = make_event(host, capacity=1, cohosts="member4")  # event_cohost_invited
        events.accept_cohost(m4, event)  # event_cohost_answered
        events.rsvp(m1, event, "going")
        events.rsvp(m2, event, "going")  # waitlisted
        events.rsvp(m1, event, "not_going")  # m2: event_promoted
        events.rsvp(m3, event, "interested")
        events.remove_attendee(host, event, m3.id)  # event_removed
        events.rsvp(m1, event, "interested")
        events.send_due_reminders(event.starts_at - timedelta(hours=1))  # event_reminder
        day = event.local_start.date()
        events.update_event(host, event, event_input(start_date=day, end_date=day, capacity=1,
                                                     venue="Another bar", cohosts="member4"))  # event_changed
        events.cancel_event(host, event)  # event_cancelled

        creator = make_user("creator")
        for approve in (True, False):
            held = make_event(host, title=f"Held meetup {approve}")
            held.state, held.created_by_id = EventState.PENDING, creator.id
            db.session.commit()
            held = db.session.get(Event, held.id)
            if approve:
                events.approve_event(host, held)  # event_approved
            else:
                events.refuse_held_event(host, held, "Say where you meet.")  # event_rejected
                db.session.commit()

    assert_every_kind_reads_in_every_language(event_notices.KINDS)

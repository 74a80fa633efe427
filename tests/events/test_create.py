"""Creating and editing events: who may, what is validated, the discussion topic, filters."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from forum.accounts.models import AnonymousUser
from forum.discussions.models import Category, Post, Topic
from forum.errors import PermissionDenied, ValidationFailed
from forum.events import services
from forum.events.models import Event, EventState
from forum.extensions import db
from forum.plugins import Verdict
from forum.settings import set_setting
from tests.factories import event_input, future_day, make_category, make_topic, make_user


def test_staff_event_gets_a_linked_discussion_topic_in_the_events_category(app, make_event, host):
    event = make_event()
    assert event.state == EventState.SCHEDULED
    topic = db.session.get(Topic, event.topic_id)
    assert topic is not None and topic.title == event.title and topic.user_id == host.id
    assert topic.category.slug == "events"
    assert event.category_id == topic.category_id
    first = db.session.scalar(db.select(Post).where(Post.topic_id == topic.id))
    assert f"/events/{event.id}/{event.slug}" in first.cooked
    # The admin's choice is remembered: a second event goes to the same category.
    assert make_event(title="Another meetup").category_id == event.category_id
    assert db.session.scalar(db.select(db.func.count()).select_from(Category).where(Category.slug == "events")) == 1


def test_topic_header_links_to_the_event_with_one_query(client, make_event, count_queries):
    event = make_event()
    topic = db.session.get(Topic, event.topic_id)
    with count_queries() as q:
        found = services.event_for_topic(AnonymousUser(), topic.id)
    assert found is not None and found.id == event.id
    assert q.count == 1
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert f'href="/events/{event.id}/{event.slug}"' in page
    plain = make_topic()
    assert "Event page and RSVP" not in client.get(f"/t/{plain.slug}/{plain.id}").get_data(as_text=True)


def test_event_uid_is_fixed_at_creation(make_event):
    event = make_event()
    assert event.uid == f"event-{event.id}@forum.test"


def test_members_cannot_create_events_unless_the_admin_allows_it(app, client, members):
    member = members[0]
    with pytest.raises(PermissionDenied):
        services.create_event(member, event_input())
    client.login(member.username)
    assert client.get("/events/new").status_code == 403
    set_setting("events_creators", "members")
    db.session.commit()
    event = services.create_event(member, event_input())
    assert event.created_by_id == member.id and event.topic_id
    assert client.get("/events/new").status_code == 200


def test_visitors_are_sent_to_log_in(client):
    response = client.get("/events/new")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_staff_group_member_can_create(app):
    staffer = make_user("brandperson", staff=True)
    assert services.create_event(staffer, event_input()).id


def test_description_is_cooked_and_sanitised(make_event):
    event = make_event(description="Hello <script>alert(1)</script> [x](javascript:alert(1)) **bold**")
    assert "<script>" not in event.description_html
    assert 'href="javascript' not in event.description_html
    assert "<strong>bold</strong>" in event.description_html
    assert event.description.startswith("Hello <script>")  # the source is kept as written


@pytest.mark.parametrize("field", ["map_url", "online_url", "cover_url"])
@pytest.mark.parametrize("value", ["http://example.com/x", "javascript:alert(1)", "//example.com/x",
                                   "https://", "ftp://example.com", "https://exa mple.com"])
def test_links_must_be_https(make_event, field, value):
    with pytest.raises(ValidationFailed) as exc:
        make_event(**{field: value})
    assert field in exc.value.errors


def test_invalid_times_are_refused(make_event):
    day = future_day(20)
    with pytest.raises(ValidationFailed) as exc:
        make_event(timezone="Mars/Olympus")
    assert "timezone" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        make_event(start_date=day, start_time=time(20), end_date=day, end_time=time(19))
    assert "end_time" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:
        make_event(start_time=None)
    assert "start_time" in exc.value.errors
    with pytest.raises(ValidationFailed) as exc:  # deadline after the start
        make_event(start_date=day, end_date=day, rsvp_deadline=datetime.combine(day, time(20)))
    assert "rsvp_deadline" in exc.value.errors


def test_a_time_skipped_by_daylight_saving_is_refused():
    with pytest.raises(ValueError):
        services.local_to_utc(date(2031, 3, 30), time(2, 30), ZoneInfo("Europe/Rome"))


def test_all_day_events_keep_their_dates(make_event):
    day = future_day(30)
    event = make_event(all_day=True, start_date=day, end_date=date.fromordinal(day.toordinal() + 1),
                       start_time=None, end_time=None)
    assert event.all_day and event.start_date == day
    assert event.local_start.hour == 0 and event.local_end.date().toordinal() == day.toordinal() + 2


def test_restricted_event_needs_a_category_as_restricted(app, make_event, host):
    with pytest.raises(ValidationFailed) as exc:
        make_event(visibility="members")
    assert "category" in exc.value.errors
    private = make_category("Members lounge", read_access="members")
    event = make_event(visibility="members", category_id=private.id)
    assert event.category_id == private.id
    staff_room = make_category("Staff room", read_access="staff", topic_access="staff")
    assert make_event(visibility="staff", category_id=staff_room.id).visibility == "staff"


def test_cohosts_must_exist(make_event, members):
    with pytest.raises(ValidationFailed) as exc:
        make_event(cohosts="member1, nobody_here")
    assert "nobody_here" in exc.value.errors["cohosts"]
    event = make_event(cohosts="@member1, member2")
    assert {h.user.username for h in event.hosts} == {"member1", "member2"}


# --- content filters --------------------------------------------------------------------------

def test_a_rejected_description_keeps_the_text_in_the_form(client, host, event_filter):
    plugin = event_filter(Verdict.reject("No forbidden words, please."))
    client.login(host.username)
    day = future_day(12)
    page = client.post_form("/events/new", {
        "title": "A forbidden meetup", "description": "Some forbidden text I wrote",
        "timezone": "Europe/Rome", "start_date": day.isoformat(), "start_time": "19:00",
        "visibility": "public", "attendee_visibility": "members",
        "category": services.ensure_events_category().id})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "No forbidden words, please." in html
    assert "Some forbidden text I wrote" in html
    assert "event" in plugin.kinds
    assert db.session.scalar(db.select(db.func.count()).select_from(Event)) == 0


def test_require_approval_holds_the_event_until_a_moderator_approves(app, client, event_filter, members):
    event_filter(Verdict.require_approval("looks odd"))
    set_setting("events_creators", "members")
    db.session.commit()
    author = members[0]
    event = services.create_event(author, event_input(description="A forbidden plan"))
    assert event.state == EventState.PENDING and event.topic_id is None
    assert event.moderation_reason and "looks odd" in event.moderation_reason
    url = f"/events/{event.id}/{event.slug}"
    assert client.get(url).status_code == 404
    assert event not in services.list_upcoming(members[1])[0]
    client.login(author.username)
    assert "Awaiting approval" in client.get(url).get_data(as_text=True)
    client.post_form("/logout")
    moderator = make_user("mod", role="moderator")
    client.login(moderator.username)
    response = client.post_form(f"/events/{event.id}/approve")
    assert response.status_code == 302
    db.session.refresh(event)
    assert event.state == EventState.SCHEDULED and event.topic_id is not None


def test_edit_through_the_form_and_wrong_slug_redirects(client, make_event, host):
    event = make_event()
    client.login(host.username)
    form = client.get(f"/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="Community meetup in Rome"' in form and 'value="19:00"' in form
    day = event.start_date or event.local_start.date()
    response = client.post_form(f"/events/{event.id}/edit", {
        "title": "Community meetup moved", "description": "New text", "timezone": "Europe/Rome",
        "start_date": day.isoformat(), "start_time": "18:30", "end_date": day.isoformat(), "end_time": "20:00",
        "venue": "New bar", "visibility": "public", "attendee_visibility": "public", "capacity": "30"})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.refresh(event)
    assert event.title == "Community meetup moved" and event.slug == "community-meetup-moved"
    assert event.local_start.time() == time(18, 30) and event.capacity == 30 and event.sequence == 1
    old = client.get(f"/events/{event.id}/community-meetup-in-rome")
    assert old.status_code == 301 and old.headers["Location"].endswith(f"/events/{event.id}/community-meetup-moved")
    short = client.get(f"/events/{event.id}")
    assert short.status_code == 301 and short.headers["Location"].endswith("/community-meetup-moved")


def test_reserved_slugs_do_not_shadow_sub_pages(make_event, client):
    event = make_event(title="Edit!")
    assert event.slug == "edit-event"
    assert client.get(f"/events/{event.id}/edit-event").status_code == 200

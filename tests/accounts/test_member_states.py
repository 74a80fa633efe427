"""Member states, defined once in accounts, and every permission that reads them.

"Members only" used to mean "any account": a never-verified sign-up or a rejected applicant
read members-only rooms, answered events and flagged posts. These tests tell the stories
(registration in "approve members" mode, approval, rejection) and check each permission.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from forum.accounts import services as accounts
from forum.accounts.models import User
from forum.accounts.permissions import posting_block_reason
from forum.accounts.states import MemberState, is_active_member, member_state
from forum.db_types import utcnow
from forum.discussions.models import ReadAccess
from forum.discussions.permissions import can_read_category, readable_category_ids
from forum.errors import ValidationFailed
from forum.events import permissions as event_permissions
from forum.events import services as events
from forum.events.models import EventRsvp, RsvpStatus
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.models import ReviewItem, ReviewKind
from forum.moderation.permissions import can_flag
from forum.settings import set_setting
from tests.factories import make_category, make_event, make_reply, make_staff, make_topic, make_user, opening_post
from tests.factories.accounts import make_member_in_state

STATES = ["unverified", "pending", "rejected", "active", "silenced", "suspended"]


@pytest.fixture
def ctx(app: Any) -> Any:
    """Services word their messages: give them a request, as views do."""
    with app.test_request_context("/"):
        yield


@pytest.fixture
def mod(app: Any) -> User:
    return make_user("mona", role="moderator")


def register(client: Any, username: str = "giulia") -> User:
    data = {"username": username, "display_name": username.title(), "email": f"{username}@example.org",
            "password": "a-much-Longer-pass-phrase-9", "coc_version": str(accounts.current_coc_version()),
            "accept_coc": "y"}
    client.post_form("/register", data)
    db.session.expire_all()
    user = db.session.scalar(select(User).where(User.username == username))
    assert user is not None
    return user


# --- the state model -------------------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_each_state_is_read_from_the_row_alone(app, state, count_queries):
    user = make_member_in_state(state)
    db.session.refresh(user)  # loaded once, as the request's current_user is
    with count_queries() as queries:
        assert member_state(user) == MemberState(state)
    assert queries.count == 0
    assert is_active_member(user) == (state == "active")


def test_staff_skip_the_member_gates_but_not_suspension(app):
    moderator = make_member_in_state("pending", role="moderator", verified=False)
    assert member_state(moderator) == MemberState.ACTIVE
    staffer = make_staff("carla")
    staffer.membership = "rejected"
    assert member_state(staffer) == MemberState.ACTIVE
    moderator.suspended_until = utcnow() + timedelta(days=1)
    assert member_state(moderator) == MemberState.SUSPENDED


def test_visitors_are_visitors(app):
    from forum.accounts.models import AnonymousUser

    assert member_state(AnonymousUser()) == MemberState.VISITOR
    assert posting_block_reason(AnonymousUser()) == "anonymous"


@pytest.mark.parametrize(("state", "code"), [("unverified", "unverified"), ("pending", "unapproved"),
                                             ("rejected", "rejected"), ("silenced", "silenced"),
                                             ("active", None)])
def test_posting_block_reason_keeps_its_codes(app, state, code):
    # Not in "approve members" mode: a rejected applicant could post before (no trace on the row).
    assert posting_block_reason(make_member_in_state(state)) == code


def test_a_rejected_applicant_is_told_so_not_to_wait(app, client):
    topic = make_topic(title="A topic to read")
    make_member_in_state("rejected", "refused")
    client.login("refused")
    reply = client.post_form(f"/t/{topic.id}/reply", {"body": "Let me in."}, follow_redirects=True)
    page = reply.get_data(as_text=True)
    assert "application was not accepted" in page
    assert "waiting for approval" not in page


# --- the story: registration, approval, rejection ----------------------------------------------

def test_approve_members_mode_makes_registrations_pending_then_approval_activates(app, client, mod, ctx):
    set_setting("approve_members", True)
    db.session.commit()
    user = register(client)
    assert user.membership == "pending"
    user.email_verified_at = utcnow()
    db.session.commit()
    assert member_state(user) == MemberState.PENDING
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == ReviewKind.MEMBER,
                                                      ReviewItem.user_id == user.id))
    moderation.approve_item(mod, item)
    db.session.expire_all()
    assert user.membership == "open" and member_state(user) == MemberState.ACTIVE
    assert posting_block_reason(user) is None


def test_a_rejected_applicant_stays_rejected_when_the_mode_is_switched_off(app, client, mod, ctx):
    set_setting("approve_members", True)
    db.session.commit()
    user = register(client)
    user.email_verified_at = utcnow()
    db.session.commit()
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == ReviewKind.MEMBER,
                                                      ReviewItem.user_id == user.id))
    moderation.reject_item(mod, item, "", "We only admit customers.")
    set_setting("approve_members", False)
    db.session.commit()
    db.session.expire_all()
    assert user.membership == "rejected" and member_state(user) == MemberState.REJECTED
    assert posting_block_reason(user) == "rejected"  # told the truth, not "waiting for approval"
    members_only = make_category("Club", read_access=ReadAccess.MEMBERS)
    assert not can_read_category(user, members_only)


# --- reading members-only categories -------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_members_only_categories_are_for_members_in_good_standing(app, state):
    club = make_category("Club", read_access=ReadAccess.MEMBERS)
    staff_room = make_category("Staff room", read_access=ReadAccess.STAFF)
    user = make_member_in_state(state)
    readable = state in ("active", "silenced")  # a silenced member still reads
    assert can_read_category(user, club) is readable
    assert (club.id in readable_category_ids(user)) is readable
    assert staff_room.id not in readable_category_ids(user)


def test_an_unverified_account_cannot_open_a_members_only_topic(app, client):
    club = make_category("Club", read_access=ReadAccess.MEMBERS)
    topic = make_topic(make_user("author"), club, title="Members talk about things")
    make_member_in_state("unverified", "newbie")
    client.login("newbie")
    assert client.get(f"/t/{topic.slug}/{topic.id}").status_code in (403, 404)
    assert "Members talk about things" not in client.get("/latest").get_data(as_text=True)


# --- flags ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_only_active_members_flag(app, state):
    post = opening_post(make_topic(make_user("author")))
    assert can_flag(make_member_in_state(state), post) is (state == "active")


def test_a_member_cannot_flag_a_post_they_cannot_see(app):
    staff_room = make_category("Staff room", read_access=ReadAccess.STAFF)
    post = opening_post(make_topic(make_user("boss", role="admin"), staff_room))
    assert not can_flag(make_user("curious"), post)


# --- events: create, RSVP, seats --------------------------------------------------------------------

@pytest.mark.parametrize("state", STATES)
def test_only_active_members_create_events(app, state):
    set_setting("events_creators", "members")
    db.session.commit()
    assert event_permissions.can_create_event(make_member_in_state(state)) is (state == "active")
    assert event_permissions.can_create_event(make_member_in_state(state, role="moderator")) is (
        state not in ("silenced", "suspended"))


@pytest.mark.parametrize("state", ["unverified", "pending", "rejected", "silenced"])
def test_only_active_members_rsvp(app, ctx, state):
    event = make_event(make_user("hostess", role="moderator"))
    user = make_member_in_state(state)
    with pytest.raises(ValidationFailed):
        events.rsvp(user, event, "going")
    assert db.session.scalar(select(EventRsvp.id).where(EventRsvp.user_id == user.id)) is None


def test_a_silenced_member_on_the_waitlist_is_not_given_a_seat(app, ctx):
    event = make_event(make_user("hostess", role="moderator"), capacity=1)
    first, quiet, patient = make_user("first"), make_user("quiet"), make_user("patient")
    events.rsvp(first, event, "going")
    events.rsvp(quiet, event, "going")
    events.rsvp(patient, event, "going")
    quiet.silenced_until = utcnow() + timedelta(days=3)
    db.session.commit()
    events.rsvp(first, event, "not_going")
    status = dict(db.session.execute(select(EventRsvp.user_id, EventRsvp.status)
                                     .where(EventRsvp.event_id == event.id)).all())
    assert status[quiet.id] == RsvpStatus.WAITLISTED  # keeps their place in line
    assert status[patient.id] == RsvpStatus.GOING


# --- profile text ---------------------------------------------------------------------------------

BIO = "Visit https://cheap-pills.example for deals"


@pytest.mark.parametrize("state", STATES)
def test_only_members_get_public_profile_text(app, ctx, state):
    user = make_member_in_state(state)
    user.bio = BIO
    accounts.publish_bio(user)
    db.session.commit()
    public = state in ("active", "silenced", "suspended")
    assert ("cheap-pills" in user.bio_html) is public
    assert user.bio == BIO  # kept for the member's own settings form


def test_an_unverified_account_saving_its_profile_shows_nothing(app, client):
    user = make_member_in_state("unverified", "linker")
    client.login("linker")
    client.post_form("/settings", {"display_name": "Linker", "bio": BIO, "locale": "", "timezone": ""})
    db.session.expire_all()
    assert user.bio == BIO and user.bio_html == ""
    assert "cheap-pills" not in client.get("/u/linker").get_data(as_text=True)


def test_confirming_the_email_publishes_the_profile_text(app, client, outbox):
    user = make_member_in_state("unverified", "linker")
    client.login("linker")
    client.post_form("/settings", {"display_name": "Linker", "bio": "I repair blenders.", "locale": "", "timezone": ""})
    client.post_form("/verify/resend", {"next": "/"})
    link = next(line for m in outbox for line in m.body.splitlines() if "/verify/" in line).strip()
    client.get(link)
    db.session.expire_all()
    assert "repair blenders" in user.bio_html


def test_approval_publishes_the_applicants_profile_text(app, mod, ctx):
    user = make_member_in_state("active", "applicant")
    item = moderation.queue_application(user, {"Why?": "Because"})
    user.bio = "I repair blenders."
    accounts.publish_bio(user)
    db.session.commit()
    assert user.bio_html == ""
    moderation.approve_item(mod, item)
    db.session.expire_all()
    assert "repair blenders" in user.bio_html


# --- profile counters --------------------------------------------------------------------------------

def counts(html: str) -> tuple[str, str]:
    import re

    match = re.search(r"(\d+) topics? ·\s*(\d+) posts?", html)
    assert match, "no counters on the profile"
    return match.group(1), match.group(2)


def test_profile_counters_show_only_what_the_viewer_may_read(app, client):
    staff_room = make_category("Staff room", read_access=ReadAccess.STAFF)
    boss = make_user("boss", role="admin")
    topic = make_topic(boss, staff_room, title="Quarterly numbers for staff")
    make_reply(topic, boss, "And a reply only staff can read.")
    make_user("reader")
    assert counts(client.get("/u/boss").get_data(as_text=True)) == ("0", "0")  # a visitor
    client.login("reader")
    assert counts(client.get("/u/boss").get_data(as_text=True)) == ("0", "0")
    make_user("colleague", role="moderator")
    client.post_form("/logout")
    client.login("colleague")
    db.session.refresh(boss)
    # Who reads everything the member wrote sees the denormalised counters.
    assert counts(client.get("/u/boss").get_data(as_text=True)) == (str(boss.topic_count), str(boss.post_count))
    assert (boss.topic_count, boss.post_count) == (1, 2)


def test_profile_counters_cost_the_same_whatever_the_activity(app, client, count_queries):
    club = make_category("Club", read_access=ReadAccess.MEMBERS)
    author = make_user("writer")
    make_user("reader")
    client.login("reader")
    client.get("/u/writer")
    with count_queries() as before:
        client.get("/u/writer")
    for n in range(3):
        make_topic(author, make_category(f"Room {n}"))
        make_topic(author, club)
    with count_queries() as after:
        html = client.get("/u/writer").get_data(as_text=True)
    assert counts(html) == ("6", "6")
    assert after.count == before.count

"""The authorization table: every route × member state × role → what the actor gets.

Every rule of ``app.url_map`` (every method) has a row in ``TABLE`` (tests/authorization_table.py),
or is listed in ``EXEMPT`` with a reason: a new route fails ``test_every_route_is_in_the_table``
until someone writes down who may use it. One test per actor builds the world once (factories)
and walks the whole table; each request runs in a savepoint that is rolled back, so the rows do not disturb each other,
and the actor's cookies are put back after each one (a POST to /logout must not sign the next
row out). A mismatch list names every wrong cell at once.

Outcomes (``Expect``):
  200 / 302 / 400 / 403 / 404   that exact status
  ok       2xx or 3xx, not a redirect to the sign-in page
  allowed  the permission check passed: no 401/403/404, no redirect to sign in, no 5xx
  4xx      the permission check passed, then the request was refused for what it asked (409, 422)
           (a 400 for an incomplete form is allowed: the form was looked at)
  login    a redirect to the sign-in page
  denied   403 or 404, or a redirect to the sign-in page
  effect / none   for the rows with a ``probe``: the write happened / did not happen
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from forum.accounts.models import User
from forum.accounts.services import current_coc_version
from forum.api import keys as api_keys
from forum.crisis import timers as crisis_timers
from forum.crisis.models import TopicTimer
from forum.db_types import utcnow
from forum.discussions.models import (
    Category,
    ReadAccess,
    Topic,
)
from forum.escalations import services as escalations
from forum.events.models import Event
from forum.extensions import db
from forum.ideas import boards as ideas_boards
from forum.ideas.models import IdeaBoard
from forum.messages import moving
from forum.messages import services as messages
from forum.messages.models import ConversationMessage, GroupInbox
from forum.moderation import services as moderation
from forum.moderation.models import ReviewItem
from forum.notifications import unsubscribe
from forum.notifications.models import Notification
from forum.staff.models import ExpertBadge, StaffMembership
from forum.tags import admin as tags_admin
from forum.tags import services as tags
from forum.tags.models import TopicTag
from forum.uploads import services as uploads
from forum.uploads.images import square_image
from forum.uploads.models import ReferenceKind, Upload, UploadKind
from forum.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.authorization_table import (
    ACTORS,
    EXEMPT,
    TABLE,
)
from tests.factories import (
    future_day,
    general_category,
    group_named,
    make_category,
    make_event,
    make_reply,
    make_staff,
    make_topic,
    make_user,
    opening_post,
)
from tests.factories.accounts import make_member_in_state
from tests.uploads import image_samples

# --- coverage ---------------------------------------------------------------------------------------

def url_map_rules(app: Flask) -> set[tuple[str, str]]:
    return {(rule.rule, method) for rule in app.url_map.iter_rules()
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}


def test_every_route_is_in_the_table(app):
    rules = url_map_rules(app)
    missing = sorted(rules - set(TABLE) - set(EXEMPT))
    stale = sorted((set(TABLE) | set(EXEMPT)) - rules)
    assert not missing, f"routes nobody decided the access of (add rows to TABLE): {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"
    assert not set(TABLE) & set(EXEMPT)


# --- the world --------------------------------------------------------------------------------------

def build_world(actor: str) -> dict[str, Any]:
    """The objects the table's URLs point at, and the actor (last, so nothing it does counts)."""
    author = make_user("author")
    boss = make_user("boss", role="admin")
    moderator = make_user("modesto", role="moderator")
    public = general_category()
    club = make_category("Club", slug="club", read_access=ReadAccess.MEMBERS)
    staff_room = make_category("Staff room", slug="staff-room", read_access=ReadAccess.STAFF)
    public_topic = make_topic(author, public, title="A public topic for the table")
    reply = make_reply(public_topic, author, "A public reply anyone may read.")
    club_topic = make_topic(author, club, title="A members-only topic for the table")
    staff_topic = make_topic(boss, staff_room, title="A staff-only topic for the table")
    public_event = make_event(moderator, title="Public table meetup")
    members_event = make_event(moderator, title="Members table meetup", visibility="members",
                               category_id=club.id)
    applicant = make_member_in_state("active", "applicant")
    item = moderation.queue_application(applicant, {"Why?": "For the table"})
    db.session.commit()
    ban = moderation.add_ban(moderator, "email_domain", "spam.example")
    warning = moderation.warn_user(moderator, author, "Be kind.")
    staffer = make_staff("staffer")
    membership = db.session.scalar(select(StaffMembership.id).where(StaffMembership.user_id == staffer.id))
    badge = ExpertBadge(user_id=author.id, label="Blenders", granted_by_id=boss.id)
    db.session.add(badge)
    words = db.metadata.tables["word_filter_words"]  # a bundled plugin's table (loaded under its own namespace)
    word_id = db.session.execute(words.insert().values(
        pattern="badword", action="block", is_regex=False, whole_word=True, category_ids=[], locales=[],
        created_at=utcnow(), updated_at=utcnow(), created_by_id=boss.id).returning(words.c.id)).scalar_one()
    db.session.commit()
    events_category = db.session.scalar(select(Category).where(Category.id == public_event.category_id))
    staff_photo = uploads.accept_upload(boss, "photo.png", image_samples.photo_png()).upload
    make_reply(staff_topic, boss, "The plan " + uploads.markdown_for(staff_photo))
    world = {
        "author": author.id, "author_name": author.username, "public_category": public.id,
        "club": club.id, "club_slug": club.slug, "public_topic": public_topic.id,
        "public_slug": public.slug, "public_topic_slug": public_topic.slug,
        "public_reply": reply.id, "club_topic": club_topic.id, "club_topic_slug": club_topic.slug,
        "club_post": opening_post(club_topic).id, "staff_topic": staff_topic.id,
        "staff_topic_slug": staff_topic.slug, "public_event": public_event.id,
        "members_event": members_event.id, "members_event_slug": members_event.slug,
        "events_category": public_event.category_id, "events_slug": events_category.slug if events_category else "",
        "event_day": future_day(20).isoformat(), "item": item.id, "ban": ban.id, "warning": warning.id,
        "group": group_named("Customer Care").id, "membership": membership, "badge": badge.id,
        "word": word_id, "coc": current_coc_version(), "static_file": "css/forum.css",
        "unsubscribe_token": unsubscribe.make_token(author, unsubscribe.DIGEST),
        "notice": db.session.scalar(select(Notification.id).where(Notification.user_id == author.id).limit(1)),
        "staff_photo": staff_photo.token, "avatar": _avatar(author),
    }
    world.update(_webhooks_and_escalations(boss, staffer, public_topic))
    world.update(_conversations(author, boss))
    world.update(_moved_to_private(world, staffer, public_topic))
    world.update(_ideas_board(boss))
    world.update(_tags(boss, moderator, public_topic))
    world["timer"] = crisis_timers.add_timer(moderator, public_topic, "close", utcnow() + timedelta(days=30)).id
    world["api_key"] = api_keys.create_user_key(author, "The author's key", ["read"]).key.id
    world["actor"] = make_actor(actor)
    return world


def _webhooks_and_escalations(boss: User, staffer: User, topic: Topic) -> dict[str, Any]:
    """An endpoint (a documentation address: every send is refused, nothing leaves), one of its
    deliveries, and an open escalation."""
    endpoint = WebhookEndpoint(url="http://192.0.2.10/in", description="", secret="whsec_table",
                               events=["topic_created"], created_by_id=boss.id)
    db.session.add(endpoint)
    db.session.flush()
    delivery = WebhookDelivery(uid="dlv_table", endpoint_id=endpoint.id, event="topic_created", event_id="evt_table",
                               body="{}")
    db.session.add(delivery)
    db.session.commit()
    escalation = escalations.escalate(staffer, topic, None, "For the table", "normal")
    return {"webhook": endpoint.id, "delivery": delivery.id, "escalation": escalation.id}


def _conversations(author: User, boss: User) -> dict[str, Any]:
    """A private conversation (the boss and the author: no actor is in it) and a conversation with
    the "Customer Care" inbox (open), which the staff actor reads as a member of that group."""
    group = group_named("Customer Care")
    db.session.add(GroupInbox(group_id=group.id, enabled=True, description="For the table"))
    messages.sync_open_inboxes()
    db.session.commit()
    private = messages.start_conversation(boss, "A private table talk", "Only the two of us read this.",
                                          to_users=[author])
    with_group = messages.start_conversation(author, "A table question for the staff", "Staff inbox, please.",
                                             to_group=group)
    return {"conversation": private.id, "group_conversation": with_group.id, "group_name": group.name}


def _moved_to_private(world: dict[str, Any], staffer: User, topic: Topic) -> dict[str, Any]:
    """Messages' moderation: the first message of the Customer Care conversation (the staff actor
    may flag it), and a public reply the staffer continued in private with Customer Care."""
    first = db.session.scalar(select(ConversationMessage.id).where(
        ConversationMessage.conversation_id == world["group_conversation"], ConversationMessage.number == 1))
    moved = make_reply(topic, make_user("customer"), "My order number is for the table only.")
    conversation = moving.move_to_private(staffer, moved, "In private, please.", group=group_named("Customer Care"))
    return {"group_message": first, "moved_conversation": conversation.id}


def _ideas_board(boss: User) -> dict[str, Any]:
    """A public category the admin made an ideas board (through the ideas service), with two ideas
    of a member (not the warned author): the table votes for the first, gives it a status, and
    merges it into the second."""
    category = make_category("Table ideas", slug="table-ideas")
    ideas_boards.make_board(boss, category, 0)
    ideator = make_user("ideator")
    idea = make_topic(ideator, category, title="A table idea to vote for")
    other = make_topic(ideator, category, title="Another table idea to merge into")
    return {"idea_board": category.id, "idea_board_slug": category.slug, "idea": idea.id, "other_idea": other.id}


def _tags(boss: User, moderator: User, topic: Topic) -> dict[str, Any]:
    """A tag group, a tag in it on the public topic (put there by a moderator), and a second tag
    the admin may merge the first into."""
    group = tags_admin.save_group(boss, None, name="Table products", position=0, translations={})
    tag = tags_admin.create_tag(boss, "roadmap", "Where we are going.", group_ids=[group.id])
    tags_admin.create_tag(boss, "planning")
    tags.set_topic_tags(moderator, topic, tag.name)
    return {"tag": tag.id, "tag_name": tag.name, "tag_group": group.id}


def _avatar(user: User) -> str:
    """A member's avatar files (made here: the avatar service is not what this table tests)."""
    token = uploads.new_token()
    sizes = square_image(image_samples.photo_png(), sizes=uploads.AVATAR_SIZES)
    upload = Upload(token=token, user_id=user.id, kind=UploadKind.AVATAR, original_name="me.png",
                    url_name="me.webp", content_type="image/webp", size=len(sizes[48].data), sha256="0" * 64)
    files = {uploads.avatar_key(token, size): (e.data, e.content_type) for size, e in sizes.items()}
    uploads.store_files(upload, files)
    user.avatar_token = token  # in use: public (the table's remove row checks that it goes)
    uploads.set_single_reference(ReferenceKind.AVATAR, user.id, upload.id)
    db.session.commit()
    return token


def make_actor(actor: str) -> User | None:
    if actor == "visitor":
        return None
    if actor == "staff":
        return make_staff("actor")
    if actor in ("moderator", "admin"):
        return make_user("actor", role=actor)
    # Suspended: signed in first, suspended after (the cookie stays, the session stops working).
    return make_member_in_state("active" if actor == "suspended" else actor, "actor")


# --- the walk ----------------------------------------------------------------------------------------

def outcome_matches(expected: str, response: Any, effect: bool | None) -> bool:
    status = response.status_code
    to_login = status in (301, 302, 303) and "/login" in (response.headers.get("Location") or "")
    if expected.isdigit():
        return status == int(expected) and not (to_login and expected != "302")
    return {
        "ok": status < 400 and not to_login,
        "4xx": 400 <= status < 500 and status not in (401, 403, 404),  # checks passed, then told why not
        "allowed": status < 500 and status not in (401, 403, 404) and not to_login,
        "login": to_login,
        "denied": status in (403, 404) or to_login,
        "effect": bool(effect) and status < 500,
        "none": effect is False and status < 500,
    }[expected]


def fill(value: Any, world: dict[str, Any]) -> Any:
    """A row's value for this world: a string formatted with it, a function of it (a JSON
    body's ids are numbers), or the value itself."""
    if callable(value):
        return value(world)
    return value.format(**world) if isinstance(value, str) else value


@pytest.mark.parametrize("actor", ACTORS)
def test_the_authorization_table(app, client, actor):
    static = app.static_folder or ""
    with app.test_request_context("/"):  # services word their messages
        world = build_world(actor)
    assert (static and __import__("os").path.exists(f"{static}/{world['static_file']}")), "pick a real static file"
    user = world.pop("actor")
    if user is not None:
        assert client.login("actor").status_code == 302
    if actor == "suspended":
        assert user is not None
        user.suspended_until = utcnow() + timedelta(days=7)
        db.session.commit()
    token = client.csrf_token()
    cookies = dict(client._cookies)
    db.session.remove()
    connection = db.session.get_bind()
    wrong: list[str] = []
    for (rule, method), row in TABLE.items():
        expected = row.expect[actor]
        url = fill(row.url, world)
        savepoint = connection.begin_nested()
        try:
            before = row.probe(world) if row.probe else None
            db.session.remove()
            client._cookies = dict(cookies)
            data = {k: fill(v, world) for k, v in row.data.items()}
            if method == "GET":
                response = client.get(url)
            elif row.json or method not in ("GET", "POST"):
                response = client.open(url, method=method, json=data if method != "DELETE" else None,
                                       headers={"X-CSRFToken": token})
            else:
                response = client.post(url, data={"csrf_token": token, **data})
            effect = (row.probe(world) != before) if row.probe else None
            if not outcome_matches(expected, response, effect):
                where = response.headers.get("Location", "")
                wrong.append(f"{method} {rule} ({url}): expected {expected}, got {response.status_code}"
                             f"{' -> ' + where if where else ''}{'' if effect is None else f' effect={effect}'}")
        finally:
            db.session.remove()
            savepoint.rollback()
    assert not wrong, f"{actor}: {len(wrong)} wrong cells:\n" + "\n".join(wrong)


def test_the_table_reaches_each_members_only_object(app):
    """The rows that guard members-only content point at members-only objects."""
    with app.test_request_context("/"):
        world = build_world("visitor")
    club = db.session.get(Category, world["club"])
    assert club is not None and club.read_access == ReadAccess.MEMBERS
    staff_topic = db.session.get(Topic, world["staff_topic"])
    assert staff_topic is not None and staff_topic.category.read_access == ReadAccess.STAFF
    event = db.session.get(Event, world["members_event"])
    assert event is not None and event.visibility == "members"
    assert db.session.get(ReviewItem, world["item"]) is not None
    assert re.fullmatch(r"\d+", str(world["public_reply"]))
    # issue 15's objects: an ideas board with its ideas, a tag on the public topic, a pending timer
    assert db.session.get(IdeaBoard, world["idea_board"]) is not None
    idea = db.session.get(Topic, world["idea"])
    assert idea is not None and idea.category_id == world["idea_board"]
    assert db.session.scalar(select(TopicTag.topic_id).where(TopicTag.tag_id == world["tag"])) == world["public_topic"]
    timer = db.session.get(TopicTimer, world["timer"])
    assert timer is not None and timer.cancelled_at is None and timer.done_at is None

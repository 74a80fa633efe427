"""What reviews of the crisis tools found: timers that could be lost, announcements reaching
people who may not read them, edits in a locked category and tags-only edits in read-only mode,
the admin's forms that lost text, the rate limits, the template's permission and the dates."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from forum import jobs
from forum.crisis import announcements, site_notices, timers
from forum.crisis import permissions as crisis_permissions
from forum.crisis.models import Announcement, TopicTimer
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.interfaces import TopicTags
from forum.discussions.models import Category, Post, PostState, ReadAccess, Topic
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.moderation.services import post_actions
from forum.notifications.models import Notification
from forum.registry import lookup
from forum.tags.models import Tag
from tests.factories import make_category, make_reply, make_staff, make_topic, make_user


@pytest.fixture
def world(app):
    category = make_category("Recalls", slug="recalls")
    member = make_user("rob")
    topic = make_topic(member, category, title="The recall of the Moka Pro")
    moderator = make_user("mod", role="moderator")
    return category, topic, member, moderator


def _due(timer: TopicTimer) -> None:
    db.session.execute(update(TopicTimer).where(TopicTimer.id == timer.id)
                       .values(run_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()


# --- 1. timers: the claim and the action are one transaction ------------------------------------------

def test_a_failing_timer_action_leaves_the_timer_pending_and_runs_next_time(app, world, monkeypatch, caplog):
    _category, topic, _member, moderator = world
    timer = timers.add_timer(moderator, topic, "close", utcnow() + timedelta(minutes=1))
    _due(timer)

    def broken(*_args, **_kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(timers.discussions, "lock_topic", broken)
    with caplog.at_level(logging.ERROR, logger="forum.crisis.timers"):
        assert timers.run_due() == 0
    assert f"topic timer {timer.id} failed" in caplog.text
    db.session.expire_all()
    assert db.session.get(TopicTimer, timer.id).done_at is None  # still pending, not lost
    assert not db.session.get(Topic, topic.id).is_locked
    monkeypatch.undo()
    assert timers.run_due() == 1  # the next minute's run
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).is_locked
    assert db.session.get(TopicTimer, timer.id).outcome == "done"


def test_hiding_replies_is_all_or_nothing(app, world, monkeypatch):
    _category, topic, member, moderator = world
    old = [make_reply(topic, member, f"Old heated reply number {n}.") for n in range(3)]
    db.session.execute(update(Post).where(Post.id.in_([p.id for p in old]))
                       .values(created_at=utcnow() - timedelta(hours=5)))
    db.session.commit()
    timer = timers.add_timer(moderator, topic, "hide_replies", utcnow() + timedelta(minutes=1), older_than_hours=2)
    _due(timer)
    real_stage_hide, calls = post_actions.stage_hide, []

    def fails_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("crash half way")
        return real_stage_hide(*args, **kwargs)

    monkeypatch.setattr(post_actions, "stage_hide", fails_on_the_second)  # moderation.hide_posts stages each
    assert timers.run_due() == 0
    db.session.expire_all()
    assert {db.session.get(Post, p.id).state for p in old} == {PostState.PUBLISHED}  # none half hidden
    assert db.session.get(TopicTimer, timer.id).done_at is None
    monkeypatch.undo()
    assert timers.run_due() == 1
    db.session.expire_all()
    assert {db.session.get(Post, p.id).state for p in old} == {PostState.HIDDEN}
    assert db.session.get(TopicTimer, timer.id).outcome == "hid 3"
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.topic_id == topic.id)) == 4


# --- 2. and 3. announcements: counted in SQL, only where every member reads ---------------------------

def test_recipient_count_is_the_notification_rule_in_sql(app):
    kind = announcements.KIND
    for name, prefs in {"plain": {}, "mailed": {kind: "email"}, "away": {kind: "email_away"},
                        "odd": {kind: "bogus"}, "unpaused": {"email_paused": False}, "bell": {kind: "app"},
                        "quiet": {kind: "never"}, "paused": {"email_paused": True},
                        "paused_mail": {kind: "email", "email_paused": True}}.items():
        make_user(name, notification_prefs=prefs)
    make_user("nulls", notification_prefs=None)
    db.session.expunge_all()
    assert announcements.recipient_count() == 6  # plain, mailed, away, odd (the default), unpaused, nulls
    assert not [o for o in db.session.identity_map.values() if o.__class__.__name__ == "User"]  # none loaded


def test_preview_statements_do_not_grow_with_members(app, client, count_queries):
    make_user("mod", role="moderator")
    news = make_category("News", slug="news")
    form = {"category": str(news.id), "title": "Moka Pro safety recall", "body": "Please stop using it.",
            "preview": "1"}
    client.login("mod")

    def preview() -> list[str]:
        with count_queries() as q:
            assert client.post_form("/announce", form).status_code == 200
        return q.statements

    few = preview()
    for n in range(25):
        make_user(f"reader{n}")
    many = preview()
    assert len(few) == len(many), "\n".join(many)


def test_announcements_only_in_categories_every_member_reads(app, client, outbox):
    moderator = make_user("mod", role="moderator")
    member = make_user("anna")
    staff_room = make_category("Staff room", slug="staff-room", read_access=ReadAccess.STAFF)
    news = make_category("News", slug="news")
    client.login("mod")
    page = client.get("/announce").get_data(as_text=True)
    assert "News" in page and "Staff room" not in page
    refused = client.post_form("/announce", {"category": str(staff_room.id), "title": "Layoffs next week",
                                             "body": "Internal only.", "confirmed": "y"})
    assert refused.status_code == 400
    with pytest.raises(ValidationFailed):
        announcements.announce(moderator, staff_room, "Layoffs next week", "Internal only.")
    assert db.session.scalar(select(func.count()).select_from(Announcement)) == 0
    # Published in News, then moved to the staff room before the batch ran: members hear nothing.
    row = announcements.announce(moderator, news, "Salary review", "Moved before the mail went out.")
    db.session.execute(update(Topic).where(Topic.id == row.topic_id).values(category_id=staff_room.id))
    db.session.commit()
    jobs.run_pending()
    noticed = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == announcements.KIND)))
    assert member.id not in noticed and moderator.id in noticed
    assert "anna@example.com" not in [mail.to for mail in outbox]


# --- 4. S3: a locked category refuses members' edits ----------------------------------------------------

def test_locked_category_refuses_member_edits_and_keeps_the_text(app, client, world):
    category, topic, _member, _moderator = world
    staffer = make_staff("sam")
    staff_post = make_reply(topic, staffer, "The official word on the recall.")
    category.is_locked = True
    db.session.commit()
    opening = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))
    client.login("rob")
    response = client.post_form(f"/posts/{opening.id}/edit", {"body": "My rewritten angry text.",
                                                                "title": "A new angrier title here",
                                                                "base_revision": "0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This category is locked: posts in it cannot be edited right now." in page
    assert "My rewritten angry text." in page  # kept
    db.session.expire_all()
    assert db.session.get(Post, opening.id).raw != "My rewritten angry text."
    assert db.session.get(Topic, topic.id).title == "The recall of the Moka Pro"
    client.post_form("/logout")
    client.login("sam")
    assert client.post_form(f"/posts/{staff_post.id}/edit", {"body": "The official word, corrected.",
                                                               "base_revision": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, staff_post.id).raw == "The official word, corrected."


# --- 5. S2: read-only mode stops a tags-only edit -------------------------------------------------------

def _topic_tags(topic_id: int) -> list[str]:
    return sorted(t.name for t in lookup(TopicTags).for_topics([topic_id]).get(topic_id, []))


def test_read_only_mode_refuses_a_tags_only_edit(app):
    admin = make_user("ada", role="admin")
    member = make_user("rob")
    for name in ("moka", "grinder"):
        db.session.add(Tag(name=name, description="", topic_count=0))
    db.session.commit()
    topic = discussions.create_topic(member, make_category("Kitchen", slug="kitchen"), "My moka leaks water",
                                     "From the bottom, since yesterday.", tags="moka").post.topic
    assert _topic_tags(topic.id) == ["moka"]
    site_notices.set_read_only(admin, True, "Upgrading")
    opening = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))
    with pytest.raises(ValidationFailed) as refused:
        discussions.edit_post(member, opening, opening.raw, title=topic.title, tags="moka, grinder")
    assert "read-only" in str(refused.value.errors)
    db.session.expire_all()
    assert _topic_tags(topic.id) == ["moka"]
    site_notices.set_read_only(admin, False)
    discussions.edit_post(member, db.session.get(Post, opening.id), opening.raw, title=topic.title,
                          tags="moka, grinder")
    assert _topic_tags(topic.id) == ["grinder", "moka"]


# --- 6. and 7. the admin's forms keep the text; the rules are the service's ------------------------------

def test_an_invalid_read_only_message_comes_back_with_the_text(app, client):
    make_user("ada", role="admin")
    client.login("ada")
    message = "Back soon. " + "x" * site_notices.MAX_READ_ONLY_MESSAGE
    response = client.post_form("/admin/crisis/read-only", {"action": "on", "message": message})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert site_notices.read_only() is None


def test_banner_rules_live_in_the_service_and_the_page_keeps_the_text(app, client):
    admin = make_user("ada", role="admin")
    base = {"level": "info", "text_format": "plain", "dismissible": False, "starts_at": None, "ends_at": None}
    with pytest.raises(ValidationFailed) as no_default:
        site_notices.save_banner(admin, texts={"en": "", "it": "Solo in italiano"}, **base)
    assert set(no_default.value.errors) == {"text_en"}
    start = datetime(2031, 1, 10, 9, tzinfo=UTC)
    with pytest.raises(ValidationFailed) as backwards:
        site_notices.save_banner(admin, texts={"en": "Maintenance"}, **{**base, "starts_at": start,
                                                                       "ends_at": start - timedelta(hours=1)})
    assert set(backwards.value.errors) == {"ends_at"}
    assert site_notices.stored_banner() is None
    client.login("ada")
    response = client.post_form("/admin/crisis", {"level": "info", "text_format": "plain", "text_en": "",
                                                  "text_it": "Il mio testo italiano", "text_fr": "",
                                                  "starts_at": "", "ends_at": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Il mio testo italiano" in page
    assert "Write the text in the community&#39;s default language" in page


# --- 8., 9., 10. template permission, explicit routes, dates ------------------------------------------------

def test_site_notices_template_asks_crisis_permissions(app):
    assert app.jinja_env.globals["crisis_is_exempt"] is crisis_permissions.is_exempt
    template = Path(app.root_path, "templates", "crisis", "_site_notices.html").read_text()
    assert "is_staff" not in template and "crisis_is_exempt(current_user)" in template


def test_init_app_registers_every_crisis_route_from_one_module(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith("crisis.")}
    assert {"crisis.admin", "crisis.read_only", "crisis.end_banner", "crisis.announce"} <= endpoints
    assert {app.view_functions[e].__module__ for e in endpoints} == {"forum.crisis.views"}
    assert not Path(app.root_path, "crisis", "admin_views.py").exists()  # no module imported for its routes


def test_dates_convert_for_datetime_local_fields_and_say_how_far(app):
    from forum.dates import from_viewer_zone, to_viewer_zone, until

    rome = make_user("ada", role="admin", timezone="Europe/Rome")
    with app.test_request_context():
        from flask_login import login_user

        login_user(rome)
        stored = datetime(2031, 7, 1, 8, 0, tzinfo=UTC)
        assert to_viewer_zone(stored) == datetime(2031, 7, 1, 10, 0)  # summer time: +2
        assert from_viewer_zone(to_viewer_zone(stored)) == stored
        assert to_viewer_zone(None) is None
        assert until(timedelta(hours=3)) == "in 3 hours"


# --- 11. rate limits on every crisis POST -----------------------------------------------------------------

def test_cancel_and_lock_count_against_the_crisis_limit(app, database_url, tmp_path):
    from tests.conftest import FormClient, make_app

    limited = make_app(database_url, tmp_path, RATELIMIT_ENABLED=True, RATELIMIT_CRISIS="2 per hour")
    limited.test_client_class = FormClient
    moderator = make_user("mod", role="moderator")
    category = make_category("Recalls", slug="recalls")
    topic = make_topic(make_user(), category, title="The recall of the Moka Pro")
    timer_id = timers.add_timer(moderator, topic, "close", utcnow() + timedelta(hours=1)).id
    client = limited.test_client()
    client.login("mod")
    assert client.post_form("/c/recalls/lock", {"action": "lock"}).status_code == 302
    assert client.post_form("/c/recalls/lock", {"action": "unlock"}).status_code == 302
    assert client.post_form(f"/crisis/timers/{timer_id}/cancel").status_code == 429
    assert client.post_form("/c/recalls/lock", {"action": "lock"}).status_code == 429
    db.session.expire_all()
    assert db.session.get(TopicTimer, timer_id).cancelled_at is None
    assert not db.session.get(Category, category.id).is_locked

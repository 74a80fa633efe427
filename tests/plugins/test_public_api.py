"""The helpers of the public plugin API (forum.plugins, forum.plugins.community) behave as documented."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from flask_login import login_user
from werkzeug.exceptions import Forbidden, NotFound

from forum.audit import AuditLog
from forum.extensions import db
from forum.plugins import (
    FilterContext,
    audit,
    extract_links,
    is_new_member,
    language_name,
    languages,
    plugin_state,
    set_plugin_state,
    utcnow,
)
from forum.plugins.community import categories, count_posts_by, is_admin, recent_posts_by, require_admin
from tests.factories import make_category, make_reply, make_topic, make_user

# --- state and audit: staged in the caller's transaction ----------------------------------------------

def test_plugin_state_is_one_json_value_per_plugin_committed_by_the_caller(app):
    assert plugin_state("t_state") is None and plugin_state("t_state", {}) == {}
    set_plugin_state("t_state", {"version": 3, "seen": ["a"]})
    db.session.rollback()  # staged, not committed: gone
    assert plugin_state("t_state") is None
    set_plugin_state("t_state", {"version": 3, "seen": ["a"]})
    set_plugin_state("t_other", "x")
    db.session.commit()
    assert plugin_state("t_state") == {"version": 3, "seen": ["a"]} and plugin_state("t_other") == "x"


def test_audit_entries_land_with_the_change(app):
    admin = make_user(role="admin")
    with app.test_request_context(environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        audit(admin, "t_plugin.purge", "t_thing", 7, before={"n": 2}, after={"n": 0}, reason="cleanup")
        db.session.rollback()
        audit(admin, "t_plugin.purge", "t_thing", 8, after={"n": 0})
        db.session.commit()
    entries = db.session.scalars(db.select(AuditLog).where(AuditLog.action == "t_plugin.purge")).all()
    assert [(e.actor_id, e.target_type, e.target_id, e.before, e.after, e.reason, e.ip_address)
            for e in entries] == [(admin.id, "t_thing", 8, None, {"n": 0}, None, "203.0.113.9")]


# --- reading content ------------------------------------------------------------------------------------

def test_extract_links_reads_the_rendered_text():
    found = extract_links("See [docs](https://docs.example/a), www.shop-example.com and ![logo](https://img.example/l.png)"
                          "\n\n    https://in-code.example\n\n[bad](javascript:alert(1)) and `https://inline.example`")
    assert found.links == ("https://docs.example/a", "http://www.shop-example.com")
    assert found.images == ("https://img.example/l.png",)
    assert extract_links("no links here at all").links == ()


def test_is_new_member_counts_the_edited_post_as_one_of_the_first():
    old = utcnow() - timedelta(days=60)
    fifth = SimpleNamespace(post_count=5, created_at=old)
    assert not is_new_member(fifth, posts=5, days=2)  # their next post is the sixth
    assert not is_new_member(fifth, posts=5, days=2, context=FilterContext(kind="reply"))
    assert is_new_member(fifth, posts=5, days=2, context=FilterContext(kind="edit"))
    assert not is_new_member(SimpleNamespace(post_count=6, created_at=old), posts=5, days=2,
                             context=FilterContext(kind="edit"))
    young = SimpleNamespace(post_count=100, created_at=utcnow() - timedelta(hours=1))
    assert is_new_member(young, posts=5, days=2) and not is_new_member(young, posts=5, days=0)
    assert not is_new_member(SimpleNamespace(post_count=0, created_at=old), posts=0, days=0)


def test_languages_are_the_communitys(app):
    assert languages() == [(code, language_name(code)) for code in app.config["SUPPORTED_LOCALES"]]
    assert language_name("it") == "Italiano" and language_name("xx") == "xx"


# --- forum.plugins.community ----------------------------------------------------------------------------

def test_categories_are_the_viewers_in_list_order(app):
    member, admin = make_user(), make_user(role="admin")
    second, first = make_category(name="Second"), make_category(name="First")
    staff = make_category(name="Staff room", read_access="staff")
    first.position, second.position, staff.position = 1, 2, 3  # the list's order, not creation's
    db.session.commit()
    ours = {first.id, second.id, staff.id}  # the community's default categories are there too
    with app.test_request_context():
        assert [c.id for c in categories(admin) if c.id in ours] == [first.id, second.id, staff.id]
        assert [(c.name, c.slug) for c in categories(member) if c.id in ours] == [
            ("First", first.slug), ("Second", second.slug)]


def test_recent_posts_and_their_count_cover_every_state(app):
    author = make_user()
    here, there = make_topic(make_user()), make_topic(make_user())
    replies = [make_reply(here, author, "first words here"), make_reply(there, author, "and more words there")]
    old = make_reply(there, author, "an old reply, from last week")
    old.created_at = utcnow() - timedelta(days=7)
    replies[0].state = "deleted"  # withdrawn posts still count
    db.session.commit()
    since = utcnow() - timedelta(days=1)
    assert count_posts_by(author, since) == 2
    recent = recent_posts_by(author, since)
    assert [(p.id, p.topic_id, p.raw, p.state) for p in recent] == [
        (replies[1].id, there.id, "and more words there", "published"),
        (replies[0].id, here.id, "first words here", "deleted")]
    assert [p.id for p in recent_posts_by(author, since, exclude_topic=there.id)] == [replies[0].id]
    assert len(recent_posts_by(author, since, limit=1)) == 1


def test_admin_checks(app):
    admin, moderator = make_user(role="admin"), make_user(role="moderator")
    assert is_admin(admin) and not is_admin(moderator)
    with app.test_request_context(), pytest.raises(NotFound):  # visitors do not learn the page exists
        require_admin()
    with app.test_request_context():
        login_user(moderator)
        with pytest.raises(Forbidden):  # members are told they may not enter
            require_admin()
    with app.test_request_context():
        login_user(admin)
        assert require_admin() is None

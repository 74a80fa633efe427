"""The spam_guard plugin through the app: honeypot, form timer, heuristics, rate limits."""

from __future__ import annotations

import importlib
import re
import time
from datetime import timedelta
from typing import Any

import pytest

from forum.accounts.models import User
from forum.accounts.services import current_coc_version
from forum.db_types import utcnow
from forum.discussions.models import Post, PostState, Topic
from forum.discussions.services import create_reply
from forum.extensions import db
from forum.plugins import Draft, FilterContext
from forum.plugins.manager import run_filters
from forum.plugins.settings import get_plugin_settings, save_plugin_settings
from tests.factories import make_category, make_topic, make_user

HONEYPOT = "pf_spam_guard__homepage"
TIMER = "pf_spam_guard__ts"


@pytest.fixture
def app_config() -> dict[str, Any]:
    # The rate limits follow the site's switch; Flask-Limiter's own limits are set out of the way.
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_POSTING": "1000 per minute", "RATELIMIT_LOGIN": "1000 per minute",
            "RATELIMIT_REGISTER": "1000 per minute"}


def plugin() -> Any:
    return importlib.import_module("forum_plugins.spam_guard")


def configure(app: Any, **values: Any) -> None:
    with app.test_request_context():
        save_plugin_settings(make_user(role="admin"), "spam_guard", {**get_plugin_settings("spam_guard"), **values})


def timer(client: Any, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(rf'name="{TIMER}" value="([^"]+)"', page)
    assert match, f"no timer on {url}"
    return match.group(1)


class Later:
    """A clock a minute ahead: forms are sent a minute after they were shown."""

    @staticmethod
    def time() -> float:
        return time.time() + 60


@pytest.fixture
def slow_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plugin(), "time", Later)


def registration(client: Any, name: str, **extra: str) -> dict[str, str]:
    return {"username": name, "display_name": name.title(), "email": f"{name}@example.com",
            "password": "a long enough passphrase", "accept_coc": "y", "coc_version": str(current_coc_version()),
            **extra}


def registered(name: str) -> bool:
    db.session.expire_all()
    return db.session.scalar(db.select(User.id).where(User.username == name)) is not None


# --- registration --------------------------------------------------------------------------------------

def test_registration_form_has_a_hidden_honeypot_and_a_timer(client):
    page = client.get("/register").get_data(as_text=True)
    match = re.search(r'<div class="pf-extra" aria-hidden="true" style="([^"]+)">(.*?)</div>', page, re.S)
    assert match and "left:-10000px" in match.group(1)
    field = match.group(2)
    assert f'name="{HONEYPOT}"' in field and 'tabindex="-1"' in field and 'autocomplete="off"' in field
    assert 'value=""' in field and "<label" in field
    assert f'name="{TIMER}"' in page


def test_a_filled_honeypot_refuses_the_registration(client, slow_clock):
    data = registration(client, "botty", **{HONEYPOT: "http://spam.example", TIMER: timer(client, "/register")})
    response = client.post_form("/register", data)
    assert response.status_code == 400
    assert "We could not accept this form." in response.get_data(as_text=True)
    assert not registered("botty")


def test_a_registration_sent_too_fast_is_refused_then_accepted(client, slow_clock, monkeypatch):
    stamp = timer(client, "/register")
    monkeypatch.undo()  # back to the real clock: sent at once
    response = client.post_form("/register", registration(client, "speedy", **{TIMER: stamp}))
    assert response.status_code == 400
    assert "That was quick!" in response.get_data(as_text=True)
    assert 'value="speedy"' in response.get_data(as_text=True)  # what they typed is kept
    assert not registered("speedy")
    monkeypatch.setattr(plugin(), "time", Later)
    response = client.post_form("/register", registration(client, "speedy", **{TIMER: stamp}))
    assert response.status_code == 200 and registered("speedy")


def test_forged_or_borrowed_timers_are_refused(app, client, slow_clock):
    assert client.post_form("/register", registration(client, "forger", **{TIMER: "abc.def.ghi"})).status_code == 400
    with app.test_request_context():
        reply_stamp = plugin().make_timer("reply")
    # A timer issued for another form does not count either.
    assert client.post_form("/register", registration(client, "forger", **{TIMER: reply_stamp})).status_code == 400
    assert not registered("forger")


def test_the_timer_is_optional_unless_required(app, client):
    assert client.post_form("/register", registration(client, "noscript")).status_code == 200
    assert registered("noscript")
    client.post_form("/logout")
    configure(app, require_timer=True)
    assert client.post_form("/register", registration(client, "blind")).status_code == 400
    assert not registered("blind")


# --- posting ---------------------------------------------------------------------------------------------

@pytest.fixture
def member(client: Any) -> Any:
    user = make_user()
    client.login(user.username)
    return user


@pytest.fixture
def topic() -> Topic:
    return make_topic(make_user(), make_category(), title="Tell us about your setup")


def last_post(user: Any) -> Post | None:
    db.session.expire_all()
    return db.session.scalars(db.select(Post).where(Post.user_id == user.id).order_by(Post.id.desc())).first()


def test_posting_forms_carry_the_fields(client, member, topic):
    for url in (f"/t/{topic.slug}/{topic.id}", "/new-topic"):
        page = client.get(url).get_data(as_text=True)
        assert f'name="{HONEYPOT}"' in page and f'name="{TIMER}"' in page, url


def test_a_filled_honeypot_refuses_a_post_and_keeps_the_text(client, member, slow_clock):
    category = make_category()
    stamp = timer(client, "/new-topic")
    response = client.post_form("/new-topic", {"category": category.id, "title": "Buy cheap watches",
                                               "body": "Cheap watches for everyone", HONEYPOT: "x", TIMER: stamp})
    assert response.status_code == 400
    assert "Cheap watches for everyone" in response.get_data(as_text=True)
    assert last_post(member) is None


def test_a_reply_sent_too_fast_is_held(client, member, topic):
    stamp = timer(client, f"/t/{topic.slug}/{topic.id}")
    client.post_form(f"/t/{topic.id}/reply", {"body": "Instant answer", TIMER: stamp})
    post = last_post(member)
    assert post.state == PostState.PENDING and "spam_guard" in post.state_reason


def test_a_reply_after_reading_is_published(client, member, topic, slow_clock):
    stamp = timer(client, f"/t/{topic.slug}/{topic.id}")
    client.post_form(f"/t/{topic.id}/reply", {"body": "A considered answer", HONEYPOT: "", TIMER: stamp})
    assert last_post(member).state == PostState.PUBLISHED


def test_links_plus_repeated_text_across_topics_from_a_new_account_is_held(client, member):
    first = make_topic(make_user(), make_category())
    second = make_topic(make_user(), make_category())
    text = "Great offer at https://deals.example.com today"
    client.post_form(f"/t/{first.id}/reply", {"body": text})
    assert last_post(member).state == PostState.PUBLISHED
    client.post_form(f"/t/{second.id}/reply", {"body": "great   OFFER at https://deals.example.com today"})
    post = last_post(member)
    assert post.state == PostState.PENDING and "repeating text" in post.state_reason


def test_repeats_without_links_or_from_established_members_pass(client, member):
    first = make_topic(make_user(), make_category())
    second = make_topic(make_user(), make_category())
    client.post_form(f"/t/{first.id}/reply", {"body": "+1, same problem here"})
    client.post_form(f"/t/{second.id}/reply", {"body": "+1, same problem here"})
    assert last_post(member).state == PostState.PUBLISHED
    client.post_form("/logout")
    old = make_user(created_at=utcnow() - timedelta(days=90), post_count=200)
    client.login(old.username)
    text = "Docs at https://docs.example.com/setup"
    client.post_form(f"/t/{first.id}/reply", {"body": text})
    client.post_form(f"/t/{second.id}/reply", {"body": text})
    assert last_post(old).state == PostState.PUBLISHED


def test_rate_limits_per_trust_level(app, client, member, topic):
    configure(app, new_member_rate=3, member_rate=5)
    for n in range(3):
        assert client.post_form(f"/t/{topic.id}/reply", {"body": f"Reply number {n}"}).status_code == 302
    response = client.post_form(f"/t/{topic.id}/reply", {"body": "One too many"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "You are posting faster than this community allows." in page and "One too many" in page
    # An older post does not count any more.
    db.session.execute(db.update(Post).where(Post.user_id == member.id)
                       .values(created_at=utcnow() - timedelta(minutes=11)))
    db.session.commit()
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Later on"}).status_code == 302
    # Established members get the higher limit, staff none.
    client.post_form("/logout")
    old = make_user(created_at=utcnow() - timedelta(days=90), post_count=200)
    client.login(old.username)
    codes = [client.post_form(f"/t/{topic.id}/reply", {"body": f"Old hand {n}"}).status_code for n in range(6)]
    assert codes == [302] * 5 + [400]
    client.post_form("/logout")
    moderator = make_user(role="moderator")
    client.login(moderator.username)
    codes = [client.post_form(f"/t/{topic.id}/reply", {"body": f"Mod note {n}"}).status_code for n in range(8)]
    assert codes == [302] * 8


def test_rate_limits_follow_the_site_switch(app, member, topic):
    configure(app, new_member_rate=1)
    app.config["RATELIMIT_ENABLED"] = False
    with app.test_request_context():
        for n in range(3):
            create_reply(member, topic, f"scripted reply {n}")
    assert db.session.scalar(db.select(db.func.count()).select_from(Post).where(Post.user_id == member.id)) == 3


# --- edits, meetups, profiles ------------------------------------------------------------------------------

def edit(client: Any, post: Post, body: str) -> Any:
    return client.post_form(f"/posts/{post.id}/edit", {"body": body, "reason": ""})


def test_an_edit_that_repeats_a_link_from_another_topic_is_held(client, member):
    # Spam edited in: an innocent reply, published, then turned into the link posted elsewhere.
    first = make_topic(make_user(), make_category())
    second = make_topic(make_user(), make_category())
    text = "Great offer at https://deals.example.com today"
    client.post_form(f"/t/{first.id}/reply", {"body": text})
    client.post_form(f"/t/{second.id}/reply", {"body": "Thanks, that helped a lot"})
    post = last_post(member)
    assert post.state == PostState.PUBLISHED
    assert edit(client, post, "great offer at https://deals.example.com TODAY").status_code == 302
    post = last_post(member)
    assert post.state == PostState.PENDING and "repeating text" in post.state_reason


def test_editing_a_post_in_its_own_topic_is_not_a_repeat(client, member, topic):
    text = "My setup: https://pics.example.com/desk"
    client.post_form(f"/t/{topic.id}/reply", {"body": text})
    post = last_post(member)
    edit(client, post, text + " (updated)")
    assert last_post(member).state == PostState.PUBLISHED


def test_edits_are_not_rate_limited(app, client, member, topic):
    # The limit counts new posts; fixing a typo in one of them adds none.
    configure(app, new_member_rate=2)
    for n in range(2):
        assert client.post_form(f"/t/{topic.id}/reply", {"body": f"Reply number {n}"}).status_code == 302
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "One too many"}).status_code == 400
    assert edit(client, last_post(member), "Reply number 1, with the typo fixed").status_code == 302
    assert last_post(member).raw == "Reply number 1, with the typo fixed"


@pytest.mark.parametrize("kind", ["event", "profile"])
def test_meetups_and_profiles_get_no_post_heuristics(app, member, kind):
    text = "Great offer at https://deals.example.com today"
    first = make_topic(make_user(), make_category())
    with app.test_request_context():
        create_reply(member, first, text)
        _verdict, verdicts = run_filters("forum_filter_post", draft=Draft(raw=text), author=member,
                                         context=FilterContext(kind=kind))
    assert [v for v in verdicts if v.plugin == "spam_guard"] == []


def test_settings_form(client):
    client.login(make_user(role="admin").username)
    page = client.get("/admin/plugins/spam_guard/settings")
    assert page.status_code == 200 and "Honeypot field" in page.get_data(as_text=True)

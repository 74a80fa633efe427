"""Theme and plugin changes apply to every worker without a restart (forum/live_settings.py).

Each "worker" here is an app built by ``create_app`` on the same database, as gunicorn's
workers are; the rebuilt app has an engine of its own, so these tests commit for real.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from forum.extensions import db
from forum.live_settings import LiveSettings, live
from forum.settings import current_version, set_setting
from tests.conftest import FormClient, make_app
from tests.factories import make_reply, make_topic, make_user

pytestmark = pytest.mark.committing

TERRACOTTA_CSS = "/theme/css/terracotta.css"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SETTINGS_CHECK_SECONDS": 0}  # look at every request: no waiting in tests


def switcher(app: Any) -> LiveSettings:
    watcher = live(app)
    assert watcher is not None
    return watcher


@pytest.fixture
def second_worker(database_url: str, tmp_path: Path) -> Any:
    app = make_app(database_url, tmp_path / "worker2", SETTINGS_CHECK_SECONDS=0)
    app.test_client_class = FormClient
    yield app
    with switcher(app).current.app_context():
        db.engine.dispose()


def test_a_theme_chosen_in_admin_shows_on_the_next_page_of_every_worker(app, client, second_worker):
    admin = make_user("boss", role="admin")
    db.session.commit()
    other = second_worker.test_client()
    assert TERRACOTTA_CSS not in client.get("/").get_data(as_text=True)
    assert TERRACOTTA_CSS not in other.get("/").get_data(as_text=True)

    client.login(admin.username)
    response = client.post_form("/admin/brand", {"theme": "terracotta", "community_name": "Moka Club"},
                                follow_redirects=True)
    page = response.get_data(as_text=True)
    assert TERRACOTTA_CSS in page  # the admin's own next page already has it
    assert "restart" not in page.lower()
    assert "The new theme is now shown to everyone." in page
    # The other worker was never told: it finds out from the database at its next request.
    assert TERRACOTTA_CSS in other.get("/").get_data(as_text=True)


def test_saving_the_brand_without_changing_the_theme_says_nothing_about_themes(app, client):
    admin = make_user("boss", role="admin")
    db.session.commit()
    client.login(admin.username)
    before = switcher(app).current
    page = client.post_form("/admin/brand", {"community_name": "Moka Club"},
                            follow_redirects=True).get_data(as_text=True)
    assert "theme" not in page.split('class="flash', 1)[1].split("</div>", 1)[0].lower()
    assert "Moka Club" in page
    assert switcher(app).current is before  # a name is read per request: nothing to rebuild


def test_a_plugin_enabled_in_admin_works_at_once_on_every_worker(app, client, second_worker):
    admin = make_user("boss", role="admin")
    newcomer = make_user("newbie")
    topic = make_topic(author=newcomer, title="My first topic here")
    db.session.commit()
    path = f"/t/{topic.slug}/{topic.id}"
    other = second_worker.test_client()
    assert "newcomer-badge" not in other.get(path).get_data(as_text=True)  # example_badge starts disabled

    client.login(admin.username)
    page = client.post_form("/admin/plugins/example_badge/enable", {}, follow_redirects=True).get_data(as_text=True)
    assert "next restart" not in page and "server restarts" not in page
    assert "applies to the whole site within seconds" in page
    assert "newcomer-badge" in client.get(path).get_data(as_text=True)
    assert "newcomer-badge" in other.get(path).get_data(as_text=True)

    client.post_form("/admin/plugins/example_badge/disable", {})
    assert "newcomer-badge" not in other.get(path).get_data(as_text=True)


def test_every_settings_write_moves_the_version_in_the_same_transaction(app):
    before = current_version()
    set_setting("community_tagline", "Coffee people")
    set_setting("community_name", "Moka Club")
    db.session.rollback()
    assert current_version() == before  # rolled back with the settings themselves
    set_setting("community_tagline", "Coffee people")
    db.session.commit()
    assert current_version() == before + 1


def test_workers_look_at_most_once_per_interval(app, database_url, tmp_path):
    slow = make_app(database_url, tmp_path / "slow", SETTINGS_CHECK_SECONDS=3600)
    try:
        watcher = switcher(slow)
        client = slow.test_client()
        client.get("/healthz")  # the first request looks
        set_setting("theme", "terracotta")
        db.session.commit()
        client.get("/healthz")
        assert watcher.current is slow  # within the interval: not looked yet
        watcher.check()  # the interval elapsed
        assert watcher.current is not slow
        assert TERRACOTTA_CSS in client.get("/").get_data(as_text=True)
    finally:
        with switcher(slow).current.app_context():
            db.engine.dispose()


def test_a_reply_posted_on_the_old_app_is_kept_while_the_new_one_is_built(app, client):
    # Nothing is lost across a switch: the old app's writes are ordinary commits.
    member = make_user("writer")
    topic = make_topic(author=member)
    db.session.commit()
    set_setting("theme", "terracotta")
    db.session.commit()
    reply = make_reply(topic, author=member, body="Written while the theme changed.")
    db.session.commit()
    assert switcher(app).check() is True
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Written while the theme changed." in page and TERRACOTTA_CSS in page
    assert reply.id


def test_a_failed_rebuild_is_tried_again_later_not_taken_as_done(app, database_url, tmp_path, monkeypatch):
    flaky = make_app(database_url, tmp_path / "flaky", SETTINGS_CHECK_SECONDS=0)
    watcher = switcher(flaky)
    try:
        real_rebuild, calls = watcher._rebuild, []

        def rebuild_failing_once(current: Any) -> Any:
            calls.append(current)
            if len(calls) == 1:
                raise RuntimeError("database busy")
            return real_rebuild(current)

        watcher._rebuild = rebuild_failing_once
        set_setting("theme", "terracotta")
        db.session.commit()
        assert watcher.check() is False and len(calls) == 1
        assert watcher.current is flaky  # failed: still serving the old app
        client = flaky.test_client()
        assert TERRACOTTA_CSS not in client.get("/").get_data(as_text=True)
        assert len(calls) == 1  # backing off: the next request did not build again
        watcher._next_check = 0.0  # the back-off elapsed
        assert TERRACOTTA_CSS in client.get("/").get_data(as_text=True)  # tried again, and done
        assert len(calls) == 2 and watcher.current is not flaky
    finally:
        with switcher(flaky).current.app_context():
            db.engine.dispose()


def test_rate_limits_and_the_mail_sender_survive_a_rebuild(app, database_url, tmp_path):
    limited = make_app(database_url, tmp_path / "limited", SETTINGS_CHECK_SECONDS=0, RATELIMIT_ENABLED=True,
                       RATELIMIT_LOGIN="2 per minute")
    watcher = switcher(limited)
    limited.test_client_class = FormClient
    try:
        client = limited.test_client()
        answers = [client.post_form("/login", {"login": "nobody", "password": "x"}).status_code for _ in range(3)]
        assert answers[-1] == 429
        sender = limited.extensions["forum.mail"]
        set_setting("theme", "terracotta")
        db.session.commit()
        assert watcher.check() is True
        assert watcher.current.extensions["forum.mail"] is sender  # one sender (and console outbox) per process
        # Changing the theme did not give anyone their attempts back.
        assert client.post_form("/login", {"login": "nobody", "password": "x"}).status_code == 429
    finally:
        with switcher(limited).current.app_context():
            db.engine.dispose()

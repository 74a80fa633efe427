"""The example plugin of plugins/README.md: a template slot, a setting, a translation."""

from __future__ import annotations

from typing import Any

import pytest

from forum.plugins.settings import save_plugin_settings
from tests.factories import make_category, make_reply, make_topic, make_user


@pytest.fixture
def app_config():
    return {"DEFAULT_DISABLED_PLUGINS": ()}  # the example is opt-in in production


def topic_page(client: Any, topic: Any) -> str:
    return client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)


def test_newcomers_get_a_badge_under_their_posts(client):
    newcomer = make_user(display_name="Nina <New>")
    topic = make_topic(make_user(), make_category())
    veteran = make_user(post_count=50)
    make_reply(topic, newcomer)
    make_reply(topic, veteran)
    page = topic_page(client, topic)
    # The topic author (1 post) and Nina (1 post) are newcomers; the veteran is not.
    assert page.count('class="tag newcomer-badge"') == 2
    assert "Nina &lt;New&gt; joined recently: say hello!" in page  # escaped by the plugin


def test_staff_never_get_the_badge(client):
    topic = make_topic(make_user(role="moderator"), make_category())
    assert "newcomer-badge" not in topic_page(client, topic)


def test_the_setting_changes_who_gets_it(app, client):
    topic = make_topic(make_user(), make_category())
    assert "newcomer-badge" in topic_page(client, topic)
    with app.test_request_context():
        save_plugin_settings(make_user(role="admin"), "example_badge", {"max_posts": "0"})
    assert "newcomer-badge" not in topic_page(client, topic)


def test_the_badge_is_translated(client):
    topic = make_topic(make_user(), make_category())
    reader = make_user(locale="it")
    client.login(reader.username)
    assert ">Nuovo arrivato</span>" in topic_page(client, topic)
    client.post_form("/logout")
    client.login(make_user(locale="fr").username)
    assert ">Nouveau venu</span>" in topic_page(client, topic)

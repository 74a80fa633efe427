"""The spam guard's posting rate follows the trust level: regulars get their own limit."""

from __future__ import annotations

import importlib
from typing import Any

import pytest

from forum.plugins.settings import get_plugin_settings, save_plugin_settings
from tests.factories import make_category, make_established_user, make_reply, make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_POSTING": "1000 per minute", "RATELIMIT_LOGIN": "1000 per minute"}


def test_regulars_have_their_own_rate(app):
    guard = importlib.import_module("forum_plugins.spam_guard")
    with app.test_request_context():
        save_plugin_settings(make_user(role="admin"), "spam_guard",
                             {**get_plugin_settings("spam_guard"), "member_rate": 2, "regular_rate": 10})
    topic = make_topic(make_user(), make_category("Busy", slug="busy"))
    member = make_established_user("plain", trust_level=2)
    regular = make_established_user("regular", trust_level=3)
    for author in (member, regular):
        for n in range(3):
            make_reply(topic, author, f"Reply number {n} by {author.username}")
    with app.test_request_context():
        assert guard._rate_limited(member, False) is not None  # 3 posts, the limit is 2
        assert guard._rate_limited(regular, False) is None  # a regular's limit is 10
        save_plugin_settings(make_user(role="admin"), "spam_guard",
                             {**get_plugin_settings("spam_guard"), "regular_rate": 0})
        assert guard._rate_limited(regular, False) is not None  # 0: the same as other members

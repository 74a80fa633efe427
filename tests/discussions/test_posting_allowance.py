"""The shared posting allowance (forum.extensions.member_posting_limit): a no-script preview
posts the form and writes nothing, so it does not count; moderators tidying members' posts are
not held to it."""
from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_reply, make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_POSTING": "2 per minute"}


def test_previews_do_not_use_up_the_posting_allowance(client):
    make_user("writer")
    topic = make_topic(make_user(), title="Where people preview")
    client.login("writer")
    for _ in range(2):
        assert client.post_form(f"/t/{topic.id}/reply", {"body": "Draft text", "preview": "1"}).status_code == 200
    # Nothing was posted yet: the real replies go through, up to the allowance.
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Now for real."}).status_code == 302
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "And a second one."}).status_code == 302
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "One too many."}).status_code == 429


def test_a_moderator_fixing_members_posts_is_not_held_to_the_posting_allowance(client):
    make_user("mona", role="moderator")
    topic = make_topic(make_user(), title="Where people misbehave")
    posts = [make_reply(topic) for _ in range(3)]
    client.login("mona")
    codes = [client.post_form(f"/posts/{p.id}/edit", {"body": f"Cleaned up text {i}.", "reason": "tidy"})
             .status_code for i, p in enumerate(posts)]
    assert codes == [302, 302, 302], codes

"""A flag weighs the trust its author earned: throwaway accounts cannot hide posts, and content
by staff, moderators and admins goes to review instead of being hidden by flags."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from forum.db_types import utcnow
from forum.discussions.models import PostState
from forum.extensions import db
from forum.moderation import services
from forum.settings import set_setting
from tests.factories import make_reply, make_staff, make_topic, make_user, opening_post
from tests.moderation.helpers import trusted


@pytest.fixture(autouse=True)
def threshold(app: Any) -> None:
    set_setting("flags_to_hide", 3)
    db.session.commit()


def test_three_throwaway_accounts_cannot_hide_an_admins_opening_post(app, admin, category):
    post = opening_post(make_topic(admin, category))
    for name in ("throw1", "throw2", "throw3"):
        services.flag_post(make_user(name), post, "spam")
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED
    item = services.open_item_for_post(post.id)
    assert item is not None and not item.hidden_by_flags  # a moderator decides


def test_three_throwaway_accounts_cannot_hide_a_members_post(app, member, category):
    post = make_reply(make_topic(member, category), make_user("writer"), "A reply people dislike.")
    throwaways = [make_user(f"throw{i}") for i in range(3)]
    for user in throwaways:
        assert services.flag_weight(user) == services.MIN_FLAG_WEIGHT == 0.25
        services.flag_post(user, post, "spam")
    item = services.open_item_for_post(post.id)
    assert item.score == 0.75 and post.state == PostState.PUBLISHED


def test_weight_grows_with_age_posts_and_upheld_flags(app, mod, category):
    assert services.flag_weight(mod) == 1.0  # moderators' flags weigh fully
    old_lurker = make_user("lurker", created_at=utcnow() - timedelta(days=400))
    assert services.flag_weight(old_lurker) == 0.625  # age alone earns half
    regular = trusted("regular", category)
    assert services.flag_weight(regular) == 1.0
    fresh = make_user("fresh")
    target = make_reply(make_topic(make_user(), category), make_user(), "Spam spam spam spam.")
    services.flag_post(fresh, target, "spam")
    services.resolve_flag_item(mod, services.open_item_for_post(target.id), "agree")
    # One upheld flag: earned 0.1 -> 0.325, accuracy (1 + 2) / (1 + 2) = 1.
    assert services.flag_weight(fresh) == 0.325


def test_trusted_members_still_hide_by_flags(app, category):
    post = make_reply(make_topic(make_user(), category), make_user("writer"), "A reply people dislike.")
    for name in ("t1", "t2", "t3"):
        services.flag_post(trusted(name, category, posts=10), post, "spam")
    db.session.expire_all()
    assert post.state == PostState.HIDDEN


@pytest.mark.parametrize("role", ["staff_group", "moderator", "admin"])
def test_staff_content_goes_to_review_never_hidden(app, client, mod, admin, category, role):
    author = {"staff_group": lambda: make_staff("giulia"), "moderator": lambda: make_user("otto", role="moderator"),
              "admin": lambda: admin}[role]()
    post = make_reply(make_topic(make_user(), category), author, "An answer some people dislike.")
    for name in ("t1", "t2", "t3", "t4"):
        services.flag_post(trusted(name, category, posts=10), post, "spam")
    db.session.expire_all()
    assert post.state == PostState.PUBLISHED
    item = services.open_item_for_post(post.id)
    assert item.score == 4.0 and not item.hidden_by_flags
    client.login("ada")
    html = client.get("/review").get_data(as_text=True)
    assert "weight 1.0" in html and "never hidden by flags" in html

"""Factories: real rows through real services where rules matter, direct inserts elsewhere.

One module per domain; everything is re-exported here, so ``from tests.factories import
make_user, make_topic`` works from any suite, and the ``factories`` fixture bundles the
commonest ones.
"""

from __future__ import annotations

import types
from typing import Any

import pytest

from .accounts import PASSWORD, make_established_user, make_user, make_users, password_hash
from .discussions import (
    category_by_slug,
    general_category,
    make_category,
    make_reply,
    make_topic,
    opening_post,
    set_topic_activity,
    support_category,
)
from .events import event_input, future_day, make_event
from .moderation import hold_new_members
from .staff import group_named, make_staff

__all__ = [
    "PASSWORD",
    "category_by_slug",
    "event_input",
    "future_day",
    "general_category",
    "group_named",
    "hold_new_members",
    "make_category",
    "make_established_user",
    "make_event",
    "make_reply",
    "make_staff",
    "make_topic",
    "make_user",
    "make_users",
    "opening_post",
    "password_hash",
    "set_topic_activity",
    "support_category",
]


@pytest.fixture
def factories() -> Any:
    return types.SimpleNamespace(user=make_user, category=make_category, topic=make_topic, reply=make_reply,
                                 staff=make_staff, event=make_event, password=PASSWORD)

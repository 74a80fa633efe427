"""Moderation's part of the demo: a held first post from a newcomer and a post flagged by
two members, so the review queue has work in it."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from forum.accounts import services as accounts
from forum.accounts.models import User
from forum.discussions import services as discussions
from forum.discussions.models import Category, Topic
from forum.extensions import db
from forum.settings import set_setting

from .services import flag_post


def load_demo_queue(people: dict[str, User]) -> None:
    set_setting("first_posts_need_approval", 1)  # a brand community reviews newcomers' first post
    db.session.commit()
    newcomer = accounts.create_account("nuovo_arrivato", "nuovo@example.com", secrets.token_urlsafe(12),
                                       display_name="Nuovo Arrivato", locale="it")
    topic = db.session.scalar(select(Topic).join(Category, Category.id == Topic.category_id)
                              .where(Category.slug == "general").order_by(Topic.id))
    if topic is None:  # an admin renamed the default category: nothing to queue against
        return
    discussions.create_reply(newcomer, topic, "Ciao! Vendo macchine da caffè usate, scrivetemi in privato "
                                              "per i prezzi: https://example.com/offerte")
    chatty = discussions.create_reply(people["lucas"], topic, "Quelqu'un a vu le match hier soir ? Incroyable !").post
    flag_post(people["hannah"], chatty, "off_topic")
    flag_post(people["marco"], chatty, "off_topic")

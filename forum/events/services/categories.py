"""Where meetups are discussed (the events category) and the events admin settings."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.accounts.permissions import can_administer
from forum.discussions import permissions as discussion_permissions
from forum.discussions import services as discussions
from forum.discussions.models import Category
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting, set_setting

from .. import permissions


def ensure_events_category() -> Category:
    """The admin-chosen events category; on a fresh install an "Events" category is made once."""
    category_id = get_setting("events_category_id")
    category = db.session.get(Category, category_id) if category_id else None
    if category is not None:
        return category
    category = db.session.scalar(select(Category).where(Category.slug == "events"))
    if category is None:
        position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
        category = Category(slug="events", name="Events", position=position, color="#7a3e9d",
                            description="Meetups and their discussions.")
        db.session.add(category)
        db.session.flush()
    set_setting("events_category_id", category.id)
    db.session.commit()
    return category


def category_choices(user: Any) -> list[Category]:
    """Categories an event by ``user`` may live in: the events category first."""
    default = ensure_events_category()
    cats = [c for c in discussions.visible_categories(user) if discussion_permissions.can_start_topic(user, c)]
    return sorted(cats, key=lambda c: (c.id != default.id, c.position, c.name))


def save_settings(admin: User, *, category_id: int, creators: str, reminder_hours: int) -> None:
    if not can_administer(admin):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    if db.session.get(Category, category_id) is None:
        errors["category_id"] = _("Choose a category.")
    if creators not in permissions.CREATOR_CHOICES:
        errors["creators"] = _("Choose who can create events.")
    if not 1 <= reminder_hours <= 24 * 14:
        errors["reminder_hours"] = _("Between 1 hour and 14 days (336 hours).")
    if errors:
        raise ValidationFailed(errors)
    set_setting("events_category_id", category_id)
    set_setting("events_creators", creators)
    set_setting("events_reminder_hours", reminder_hours)
    db.session.commit()

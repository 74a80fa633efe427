"""Admin rules: categories and brand settings."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from forum.accounts.models import User
from forum.discussions.models import Category
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.text import slugify

from .permissions import can_administer
from .settings import set_setting

CATEGORY_FIELDS = ("name", "description", "color", "position", "read_access", "topic_access",
                   "is_questions", "approve_topics", "approve_replies")


def update_category(admin: User, category: Category, data: dict[str, Any]) -> Category:
    if not can_administer(admin):
        raise PermissionDenied()
    slug = slugify(data.get("slug") or data["name"], 60)
    clash = db.session.scalar(select(Category.id).where(Category.slug == slug, Category.id != category.id))
    if clash:
        raise ValidationFailed({"slug": _("Another category already uses this address.")})
    category.slug = slug
    for key in CATEGORY_FIELDS:
        if key in data and data[key] is not None:
            setattr(category, key, data[key])
    db.session.commit()
    return category


def save_brand(admin: User, data: dict[str, Any]) -> None:
    if not can_administer(admin):
        raise PermissionDenied()
    themes = current_app.extensions["forum.themes"]
    if data.get("theme") and data["theme"] not in themes:
        raise ValidationFailed({"theme": _("Unknown theme.")})
    for key in ("community_name", "community_tagline", "logo_url", "brand_primary", "brand_accent", "theme"):
        if key in data:
            set_setting(key, (data[key] or "").strip() or None)
    db.session.commit()

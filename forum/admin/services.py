"""Admin rules: categories and brand settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from forum import jobs
from forum.accounts.models import User
from forum.accounts.permissions import can_administer
from forum.audit import record_action
from forum.discussions import services as discussions
from forum.discussions.models import Category, PostAccess, ReadAccess
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n_content import clean_translations
from forum.interfaces import AdminFigure
from forum.jobs import Job, JobState
from forum.mail import MailMessage, MailState
from forum.mail import delivery as mail_outbox
from forum.registry import contributions
from forum.settings import get_setting, set_setting
from forum.text import slugify

CATEGORY_FIELDS = ("name", "description", "color", "position", "read_access", "topic_access",
                   "is_questions", "approve_topics", "approve_replies", "translations")
COLOUR_PATTERN = r"^(#[0-9a-fA-F]{6})?$"
# https:// addresses, or a path on this site ("/static/logo.svg"); not "//host" nor "/\\host",
# which browsers read as another site.
LOGO_PATTERN = r"^(https://[^\s\"'<>\\]+|/(?![/\\])[^\s\"'<>\\]*)$"
BRAND_FIELDS = ("community_name", "community_tagline", "logo_url", "brand_primary", "brand_accent", "theme")


def clean_category_data(data: dict[str, Any]) -> dict[str, Any]:
    """Validate what an admin typed for a category; returns the values to store."""
    clean = dict(data)
    clean["name"] = " ".join((data.get("name") or "").split())
    clean["description"] = (data.get("description") or "").strip()
    errors: dict[str, str] = {}
    if not clean["name"]:
        errors["name"] = _("Please enter a name.")
    elif len(clean["name"]) > 80:
        errors["name"] = _("Use at most 80 characters.")
    color = (data.get("color") or "").strip()
    if color and not re.match(COLOUR_PATTERN, color):
        errors["color"] = _("Use a colour like #1a73e8.")
    clean["color"] = color or None  # empty: keep the current colour (or the default)
    if data.get("read_access") not in {a.value for a in ReadAccess}:
        errors["read_access"] = _("Choose an option from the list.")
    if data.get("topic_access") not in {a.value for a in PostAccess}:
        errors["topic_access"] = _("Choose an option from the list.")
    # The name and description in other community languages: {"it": {"name": ..., "description": ...}}.
    translations = clean_translations({code: {"name": " ".join(str(entry.get("name") or "").split()),
                                              "description": str(entry.get("description") or "")}
                                       for code, entry in (data.get("translations") or {}).items()},
                                      ("name", "description"))
    for code, entry in translations.items():
        if len(entry.get("name", "")) > 80:
            errors[f"name__{code}"] = _("Use at most 80 characters.")
    clean["translations"] = translations if "translations" in data else None  # absent: keep them
    if errors:
        raise ValidationFailed(errors)
    return clean


def update_category(admin: User, category: Category, data: dict[str, Any]) -> Category:
    if not can_administer(admin):
        raise PermissionDenied()
    data = clean_category_data(data)
    slug = slugify(data.get("slug") or data["name"], 60)
    clash = db.session.scalar(select(Category.id).where(Category.slug == slug, Category.id != category.id))
    if clash:
        raise ValidationFailed({"slug": _("Another category already uses this address.")})
    before = discussions.category_snapshot(category)
    full_before = {"description": category.description, "translations": dict(category.translations or {})}
    category.slug = slug
    for key in CATEGORY_FIELDS:
        if key in data and data[key] is not None:
            setattr(category, key, data[key])
    after = discussions.category_snapshot(category)
    # Texts are cut in the log: compare them whole, or an edit past the cut would go unrecorded.
    changed = [key for key in after if after[key] != before[key]
               or (key in full_before and getattr(category, key) != full_before[key])]
    if changed:
        record_action(admin, "category.update", "category", category.id,
                      before={k: before[k] for k in changed}, after={k: after[k] for k in changed})
    db.session.commit()
    return category


def create_category(admin: User, data: dict[str, Any]) -> Category:
    if not can_administer(admin):
        raise PermissionDenied()
    data = clean_category_data(data)
    fields = {k: v for k, v in data.items() if k in CATEGORY_FIELDS and v is not None}
    return discussions.create_category(admin, slug=data.get("slug") or None, **fields)


def save_brand(admin: User, data: dict[str, Any]) -> set[str]:
    """Store the brand settings; the keys that changed (audited). A new theme reaches every
    worker within seconds (forum.live_settings)."""
    if not can_administer(admin):
        raise PermissionDenied()
    values = {k: (data.get(k) or "").strip() for k in BRAND_FIELDS if k in data}
    errors: dict[str, str] = {}
    themes = current_app.extensions["forum.themes"]
    if values.get("theme") and values["theme"] not in themes:
        errors["theme"] = _("Unknown theme.")
    for key in ("brand_primary", "brand_accent"):
        if values.get(key) and not re.match(COLOUR_PATTERN, values[key]):
            errors[key] = _("Use a colour like #1a73e8.")
    if values.get("logo_url") and not re.match(LOGO_PATTERN, values["logo_url"]):
        errors["logo_url"] = _("Use an https:// address or a path on this site.")
    if errors:
        raise ValidationFailed(errors)
    before = {key: get_setting(key) for key in values}
    changed = {key: value or None for key, value in values.items() if (before[key] or None) != (value or None)}
    for key, value in changed.items():
        set_setting(key, value)
    if changed:
        record_action(admin, "settings.brand", "settings", None,
                      before={k: before[k] for k in changed}, after=changed)
    db.session.commit()
    return set(changed)


def overview_figures(admin: User) -> list[tuple[AdminFigure, int]]:
    """The numbers of the admin overview, with their values now (one query each at most)."""
    if not can_administer(admin):
        raise PermissionDenied()
    figures = [(figure, int(figure.count(admin))) for figure in contributions(AdminFigure)]
    # What needs someone today comes first.
    return sorted(figures, key=lambda item: not (item[0].needs_action and item[1]))


# --- the job queue --------------------------------------------------------------------------------

@dataclass
class JobsOverview:
    counts: dict[str, int]
    mail_counts: dict[str, int]
    failed: list[Job]
    waiting: list[Job]
    mail_attention: list[MailMessage]


def jobs_overview(limit: int = 50) -> JobsOverview:
    """Counts per state, the newest failed jobs, the jobs waiting longest, and the messages that
    failed or whose delivery is unknown: five queries whatever the queue's size."""
    return JobsOverview(
        counts=jobs.counts(), mail_counts=mail_outbox.counts(),
        failed=list(db.session.scalars(select(Job).where(Job.state == JobState.FAILED)
                                       .order_by(Job.updated_at.desc()).limit(limit))),
        waiting=list(db.session.scalars(select(Job).where(Job.state == JobState.QUEUED)
                                        .order_by(Job.run_at).limit(limit))),
        mail_attention=list(db.session.scalars(
            select(MailMessage).where(MailMessage.state.in_((MailState.FAILED, MailState.UNCERTAIN)))
            .order_by(MailMessage.created_at.desc()).limit(limit))))


def retry_job(job_id: int) -> bool:
    return jobs.retry(job_id)


def send_mail_again(message_id: int) -> bool:
    return mail_outbox.send_again(message_id)


def failed_job_count() -> int:
    return jobs.counts().get(JobState.FAILED, 0)

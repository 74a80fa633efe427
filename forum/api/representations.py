"""The ONE place domain objects become public JSON: the API's answers and webhooks' payloads.

Free of request and authentication state: where visibility depends on who reads, the reader
is passed as ``viewer`` (None: a visitor). Links are absolute, built from FORUM_PUBLIC_URL
(:func:`forum.urls.external_url`), so a payload read elsewhere later still points here.
Timestamps are ISO 8601 in UTC.

Names are stable (webhooks import them): ``category_json``, ``topic_json``, ``post_json``,
``user_json``, ``event_json``, ``rsvp_json``, ``flag_json``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from forum.accounts.models import AnonymousUser, Role
from forum.discussions import permissions
from forum.discussions.models import Category, Post, PostState, Topic
from forum.tags import services as tag_services
from forum.urls import external_url, public_url


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _viewer(viewer: Any) -> Any:
    return viewer if viewer is not None else AnonymousUser()


def user_ref(user: Any) -> dict[str, Any] | None:
    """A member as named beside what they wrote (no profile text)."""
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "display_name": user.display_name,
            "url": external_url("accounts.profile", username=user.username)}


def user_json(user: Any, *, topic_count: int | None = None, post_count: int | None = None) -> dict[str, Any]:
    """A member's public profile: what their profile page shows anyone. Counts are those the
    reader may see (discussions' VisibleActivityCounter), passed by the caller; never the raw
    counters, which include rooms the reader cannot enter."""
    return {
        **(user_ref(user) or {}),
        "title": user.title or None,
        "bio_html": user.bio_html or "",
        "is_staff": bool(user.is_staff),
        # The role they hold, as their profile shows it: not what one request's key lets them do.
        "is_moderator": user.role in (Role.MODERATOR, Role.ADMIN),
        "created_at": iso(user.created_at),
        "topic_count": topic_count,
        "post_count": post_count,
    }


def category_json(category: Category) -> dict[str, Any]:
    return {
        "id": category.id,
        "slug": category.slug,
        "name": category.name,
        "description": category.description or "",
        "color": category.color,
        "translations": dict(category.translations or {}),
        "read_access": category.read_access,
        "topic_access": category.topic_access,
        "is_questions": bool(category.is_questions),
        "topic_count": category.topic_count,
        "post_count": category.post_count,
        "last_posted_at": iso(category.last_posted_at),
        "url": external_url("discussions.category", slug=category.slug),
    }


def topic_json(topic: Topic, tags: list[Any] | None = None) -> dict[str, Any]:
    """A topic as listed (its posts are separate: :func:`post_json`). ``tags``: its tags when the
    caller loaded a page's at once (lists); None reads them (one query)."""
    if tags is None:
        tags = tag_services.tags_for_topics([topic.id]).get(topic.id, [])
    return {
        "id": topic.id,
        "title": topic.title,
        "slug": topic.slug,
        "category": {"id": topic.category.id, "slug": topic.category.slug, "name": topic.category.name},
        "author": user_ref(topic.author),
        "state": topic.state,
        "created_at": iso(topic.created_at),
        "last_posted_at": iso(topic.last_posted_at),
        "last_poster": user_ref(topic.last_poster),
        "post_count": topic.post_count,
        "highest_post_number": topic.highest_post_number,
        "is_pinned": topic.is_pinned_now,
        "is_locked": bool(topic.is_locked),
        "is_solved": topic.is_solved,
        "has_official": topic.has_official,
        "language": topic.language,
        "url": external_url("discussions.topic", slug=topic.slug or "-", topic_id=topic.id),
        "tags": [t.name for t in tags],
    }


def tag_json(tag: Any, synonyms: list[str] | None = None) -> dict[str, Any]:
    """A tag: its name (also its address), description, topic count and synonyms."""
    return {"name": tag.name, "description": tag.description or "", "topic_count": tag.topic_count,
            "synonyms": synonyms or [], "url": external_url("tags.tag_page", slug=tag.name)}


def post_json(post: Post, viewer: Any = None) -> dict[str, Any]:
    """A post. ``cooked`` (sanitised HTML) when the viewer may read its body, else null (a
    hidden or withdrawn post is a placeholder, as on the page); ``raw`` (its Markdown) only for
    someone who may edit it."""
    who = _viewer(viewer)
    readable = permissions.can_see_post_body(who, post)
    return {
        "id": post.id,
        "topic_id": post.topic_id,
        "post_number": post.post_number,
        "reply_to_post_number": post.reply_to_post_number,
        "author": user_ref(post.author),
        "state": post.state,
        "cooked": post.cooked if readable else None,
        "raw": post.raw if readable and permissions.can_edit_post(who, post) else None,
        "language": post.language,
        "is_official": bool(post.is_official),
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "edit_count": post.edit_count,
        "reaction_count": post.reaction_count if post.state == PostState.PUBLISHED else 0,
        "url": external_url("discussions.post_permalink", slug=post.topic.slug or "-", topic_id=post.topic_id,
                            post_number=post.post_number),
    }


def event_json(event: Any, *, online_url: str | None = None) -> dict[str, Any]:
    """A meetup. The online link is for the people events' permissions allow
    (``can_see_online_link``): the caller passes it when the reader may see it, else it is null."""
    return {
        "id": event.id,
        "title": event.title,
        "slug": event.slug,
        "description_html": event.description_html or "",
        "timezone": event.timezone,
        "all_day": bool(event.all_day),
        "starts_at": iso(event.starts_at),
        "ends_at": iso(event.ends_at),
        "venue": event.venue or "",
        "address": event.address or "",
        "online_url": online_url,
        "capacity": event.capacity,
        "going_count": event.going_count,
        "rsvp_deadline": iso(event.rsvp_deadline),
        "rsvps_closed": bool(event.rsvps_closed),
        "visibility": event.visibility,
        "state": event.state,
        "category_id": event.category_id,
        "topic_id": event.topic_id,
        "created_at": iso(event.created_at),
        "url": external_url("events.show", event_id=event.id, slug=event.slug or "-"),
    }


def rsvp_json(rsvp: Any) -> dict[str, Any]:
    return {
        "event_id": rsvp.event_id,
        "user": user_ref(rsvp.user),
        "status": rsvp.status,
        "created_at": iso(rsvp.created_at),
        "updated_at": iso(rsvp.updated_at),
        "waitlisted_at": iso(rsvp.waitlisted_at),
    }


def flag_json(flag: Any) -> dict[str, Any]:
    """A flag on a post, for staff (moderation's readers): who flagged, why, where it stands."""
    return {
        "id": flag.id,
        "post_id": flag.post_id,
        "user": user_ref(flag.user),
        "reason": flag.reason,
        "text": flag.text or "",
        "status": flag.status,
        "created_at": iso(flag.created_at),
        "resolved_at": iso(flag.resolved_at),
    }


def escalation_json(escalation: Any) -> dict[str, Any]:
    """An escalation to support, for staff and the helpdesk (forum.escalations)."""
    return {
        "id": escalation.id,
        "topic_id": escalation.topic_id,
        "post_id": escalation.post_id,
        "reason": escalation.reason,
        "priority": escalation.priority,
        "status": escalation.status,
        "ticket_reference": escalation.ticket_reference,
        "ticket_url": escalation.ticket_url,
        "created_by": user_ref(escalation.created_by),
        "created_at": iso(escalation.created_at),
        "resolved_at": iso(escalation.resolved_at),
    }


def notification_json(notice: Any, text: str) -> dict[str, Any]:
    """One of the reader's notices: ``text`` is its sentence rendered for the reader
    (forum.notifications.rendering.render, in their language), passed by the caller."""
    return {
        "id": notice.id,
        "kind": notice.kind,
        "text": text,
        "url": public_url(notice.url) if notice.url else None,
        "topic_id": notice.topic_id,
        "post_id": notice.post_id,
        "created_at": iso(notice.created_at),
        "read_at": iso(notice.read_at),
    }


def review_item_json(item: Any, viewer: Any = None) -> dict[str, Any]:
    """An item of the review queue, for moderators: what waits (a held post, a flagged one,
    an application, profile text, a meetup: ``subject_id``), why, and its flags."""
    return {
        "id": item.id,
        "kind": item.kind,
        "status": item.status,
        "reason_code": item.reason_code,
        "reason": item.reason,
        "post": post_json(item.post, viewer) if item.post is not None else None,
        "topic_id": item.topic_id,
        "category_id": item.category_id,
        "user": user_ref(item.user),
        "subject_id": item.subject_id,
        "score": item.score,
        "hidden_by_flags": bool(item.hidden_by_flags),
        "flags": [flag_json(f) for f in item.flags],
        "claimed_by": user_ref(item.claimed_by),
        "created_at": iso(item.created_at),
        "resolution": item.resolution,
        "resolved_at": iso(item.resolved_at),
    }


def sanction_json(sanction: Any) -> dict[str, Any]:
    """A warning, silence or suspension, for staff (``note`` is staff-only, never the member's)."""
    return {
        "id": sanction.id,
        "kind": sanction.kind,
        "user": user_ref(sanction.user),
        "reason": sanction.reason,
        "note": sanction.note,
        "created_by": user_ref(sanction.created_by),
        "created_at": iso(sanction.created_at),
        "expires_at": iso(sanction.expires_at),
        "lifted_at": iso(sanction.lifted_at),
    }

"""Escalating to support: record it, tell the helpdesk (the ``escalation_created`` webhook,
recorded through forum.interfaces.EventOutbox inside the escalation's own transaction, so
it is never lost; plugins still hear ``forum_escalation_created`` after the commit), keep
the ticket it opened, resolve it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import outbox
from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions.models import Post, Topic
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.text import one_line

from . import permissions
from .models import Escalation, EscalationStatus, Priority

MAX_REASON = 2000


def get_escalation(escalation_id: int) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        raise NotFound()
    return escalation


def escalate(actor: User, topic: Topic, post: Post | None, reason: str, priority: str) -> Escalation:
    """Escalate ``topic`` (about ``post`` when given). One open escalation per post (or per
    topic, without a post): asking again while one is open says so instead of a second ticket."""
    if not permissions.can_escalate(actor, topic):
        raise PermissionDenied()
    if post is not None and post.topic_id != topic.id:
        raise NotFound()
    errors: dict[str, str] = {}
    text = (reason or "").strip()[:MAX_REASON]
    if not text:
        errors["reason"] = _("Tell support what needs their attention.")
    if priority not in set(Priority):
        errors["priority"] = _("Choose a priority.")
    if errors:
        raise ValidationFailed(errors)
    post_id = post.id if post is not None else None
    if db.session.scalar(select(Escalation.id).where(
            Escalation.topic_id == topic.id, Escalation.post_id.is_(None) if post_id is None
            else Escalation.post_id == post_id, Escalation.status == EscalationStatus.OPEN).limit(1)):
        raise ValidationFailed(_("This is already escalated to support."))
    escalation = Escalation(topic_id=topic.id, post_id=post_id, reason=text, priority=priority,
                            created_by_id=actor.id, created_at=utcnow())
    db.session.add(escalation)
    db.session.flush()
    record_action(actor, "escalation.create", "topic", topic.id,
                  after={"escalation": escalation.id, "post_id": post_id, "priority": priority}, reason=text)
    # the helpdesk's webhook, committed with the escalation
    outbox.commit_and_fire([("forum_escalation_created", {"escalation": escalation})])
    return escalation


def _checked_ticket(reference: str, url: str | None) -> tuple[str, str | None]:
    errors: dict[str, str] = {}
    reference = one_line(reference, 100)
    if not reference:
        errors["reference"] = _("Give the ticket's reference.")
    url = (url or "").strip() or None
    if url is not None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500 \
                or any(char <= " " for char in url):
            errors["url"] = _("Enter the ticket's web address, such as https://helpdesk.example.com/tickets/ABC-123.")
    if errors:
        raise ValidationFailed(errors)
    return reference, url


def record_ticket(actor: User, escalation_id: int, reference: str, url: str | None = None) -> Escalation:
    """The helpdesk's ticket for an escalation (``PUT /api/v1/escalations/<id>/ticket``): its
    reference and, optionally, its address. Recording it again replaces it (a ticket merged
    into another); each change is audited."""
    if not permissions.can_record_ticket(actor):
        raise PermissionDenied()
    escalation = get_escalation(escalation_id)
    if not permissions.can_escalate(actor, escalation.topic):
        raise NotFound()
    reference, url = _checked_ticket(reference, url)
    before = {"ticket_reference": escalation.ticket_reference, "ticket_url": escalation.ticket_url}
    escalation.ticket_reference, escalation.ticket_url = reference, url
    escalation.ticket_recorded_at = utcnow()
    record_action(actor, "escalation.ticket", "topic", escalation.topic_id, before=before,
                  after={"escalation": escalation.id, "ticket_reference": reference, "ticket_url": url})
    db.session.commit()
    return escalation


def resolve(actor: User, escalation_id: int) -> Escalation:
    escalation = get_escalation(escalation_id)
    if not permissions.can_resolve(actor, escalation.topic):
        raise PermissionDenied()
    if escalation.status == EscalationStatus.RESOLVED:
        return escalation
    escalation.status, escalation.resolved_by_id, escalation.resolved_at = EscalationStatus.RESOLVED, actor.id, utcnow()
    record_action(actor, "escalation.resolve", "topic", escalation.topic_id, after={"escalation": escalation.id})
    db.session.commit()
    return escalation


def open_for_topic(topic_id: int) -> list[Escalation]:
    """The topic's open escalations, newest first (one query; the topic header shows them)."""
    return list(db.session.scalars(select(Escalation).where(
        Escalation.topic_id == topic_id, Escalation.status == EscalationStatus.OPEN)
        .order_by(Escalation.id.desc())))


def recent_for(viewer: Any, *, status: str = EscalationStatus.OPEN, limit: int = 100) -> list[Escalation]:
    """The escalations ``viewer`` may see, newest first: the one owner of that rule for the
    staff list and the API (``permissions.can_see_escalation``: staff, on a topic they may read)."""
    if not permissions.can_see_escalations(viewer):
        return []
    return [escalation for escalation in recent(limit, status) if permissions.can_see_escalation(viewer, escalation)]


def open_escalation(topic: Topic, post: Post | None) -> Escalation | None:
    """The open escalation of ``post``, or of the whole topic without one (the form says so
    before staff write a reason)."""
    which = Escalation.post_id == post.id if post is not None else Escalation.post_id.is_(None)
    return db.session.scalar(select(Escalation).where(
        Escalation.topic_id == topic.id, which, Escalation.status == EscalationStatus.OPEN).limit(1))


def recent(limit: int = 100, status: str = EscalationStatus.OPEN) -> list[Escalation]:
    """Escalations for the staff list, newest first, with their topics (and categories, which
    the list's permission check reads) and authors (one query)."""
    return list(db.session.scalars(select(Escalation).options(
        joinedload(Escalation.topic).joinedload(Topic.category), joinedload(Escalation.created_by),
        joinedload(Escalation.resolved_by))
        .where(Escalation.status == status).order_by(Escalation.id.desc()).limit(limit)))

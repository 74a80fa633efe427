"""Held meetups in moderation's review queue: events' :class:`ReviewSubject`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.errors import NotFound
from forum.extensions import db
from forum.moderation.models import ReviewKind

from . import services
from .models import Event


class HeldEvents:
    kind = ReviewKind.EVENT.value
    template = "events/_review_item.html"

    def load(self, subject_ids: list[int]) -> dict[int, Any]:
        if not subject_ids:
            return {}
        rows = db.session.scalars(select(Event).options(joinedload(Event.creator), joinedload(Event.category))
                                  .where(Event.id.in_(subject_ids)))
        return {e.id: e for e in rows}

    def _get(self, subject_id: int) -> Event:
        event = db.session.get(Event, subject_id)
        if event is None:
            raise NotFound()
        return event

    def approve(self, actor: Any, subject_id: int) -> list[tuple[str, dict[str, Any]]]:
        return services.publish_held_event(actor, self._get(subject_id))

    def reject(self, actor: Any, subject_id: int, reason: str) -> list[tuple[str, dict[str, Any]]]:
        event = self._get(subject_id)
        return services.refuse_held_event(actor, event, reason)

    def author_of(self, subject: Any) -> Any:
        return getattr(subject, "creator", None)

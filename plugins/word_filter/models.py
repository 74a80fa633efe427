"""The watched-word list. Tables are prefixed ``word_filter_`` (plugin convention)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.plugins import UTCDateTime, db, utcnow

from .matcher import Action, WatchedWord


class WordFilterEntry(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "word_filter_words"

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(500))
    action: Mapped[str] = mapped_column(String(20), index=True)  # matcher.Action values
    replacement: Mapped[str | None] = mapped_column(String(200))  # for "replace"
    message: Mapped[str | None] = mapped_column(String(500))  # for "block": shown to the author
    # The message in the community's other languages: {"it": ..., "fr": ...} (migration 0002).
    message_translations: Mapped[Any] = mapped_column(JSON, default=dict)
    is_regex: Mapped[bool] = mapped_column(default=False)
    whole_word: Mapped[bool] = mapped_column(default=True)
    category_ids: Mapped[Any] = mapped_column(JSON, default=list)  # [] = every category
    locales: Mapped[Any] = mapped_column(JSON, default=list)  # [] = every language
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    def to_word(self) -> WatchedWord:
        return WatchedWord(pattern=self.pattern, action=Action(self.action), replacement=self.replacement,
                           message=self.message, messages=tuple(sorted((self.message_translations or {}).items())),
                           is_regex=bool(self.is_regex), whole_word=bool(self.whole_word),
                           categories=frozenset(self.category_ids or ()),
                           locales=frozenset(self.locales or ()), id=self.id)

    def snapshot(self) -> dict[str, Any]:
        """For the audit log."""
        return {"pattern": self.pattern, "action": self.action, "replacement": self.replacement,
                "message": self.message, "message_translations": dict(self.message_translations or {}),
                "is_regex": self.is_regex, "whole_word": self.whole_word,
                "category_ids": list(self.category_ids or []), "locales": list(self.locales or [])}

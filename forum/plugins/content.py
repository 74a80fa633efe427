"""Helpers about what members write and who writes it, shared by the content filters.

Ground floor only (:mod:`forum.markup`, :mod:`forum.i18n`, :mod:`forum.db_types`), so the
rules stay the site's own: links are found by the same Markdown pipeline that renders the
page, and languages are the ones the site offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

from flask import current_app

from forum import i18n_content, markup
from forum.db_types import utcnow
from forum.i18n import LOCALE_NAMES


@dataclass(frozen=True)
class Links:
    """The URLs a text links to (``<a href>``) and shows (``<img src>``), in order, as rendered."""

    links: tuple[str, ...] = ()
    images: tuple[str, ...] = ()


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.images: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and values.get("href"):
            self.links.append(values["href"] or "")
        elif tag == "img" and values.get("src"):
            self.images.append(values["src"] or "")


def extract_links(raw: str) -> Links:
    """The links and images of ``raw`` Markdown, found in the HTML the page would show: a URL
    inside a code block is not a link, a bare ``www.example.com`` and ``[text](url)`` are, and
    what the sanitiser drops (``javascript:``) is not there."""
    if "." not in raw and ":" not in raw:  # no URL can hide in it: skip the Markdown pass
        return Links()
    parser = _LinkParser()
    parser.feed(markup.cook(raw).html)
    return Links(tuple(parser.links), tuple(parser.images))


def is_new_member(author: Any, *, posts: int, days: int, context: Any = None) -> bool:
    """True during a member's first ``posts`` posts or first ``days`` days (0 turns a test off).

    The member's trust level speaks first (the rule is written once, in
    :func:`forum.accounts.trust.newness`, read here through ``User.is_new_by_trust``): a member
    at level *member* or above is never new, one held at *new* by a lock (demoted) always is,
    while the feature has a "new member" treatment at all (``posts`` or ``days`` not 0).

    The one definition plugins share, each with its own settings. For an edit
    (``context.kind == "edit"``) the edited post counts as one of those first posts, as the
    core's own rule does: a member's last "new" post cannot be edited into spam once they
    have grown out of the limit with it.
    """
    if not posts and not days:  # the feature's "new member" treatment is off: nobody is new to it
        return False
    by_trust = getattr(author, "is_new_by_trust", None)
    if by_trust is not None:
        return bool(by_trust)
    count = getattr(author, "post_count", 0) or 0
    editing = getattr(context, "kind", None) == "edit"
    if posts and (count <= posts if editing else count < posts):
        return True
    created = getattr(author, "created_at", None)
    return bool(days and created is not None and utcnow() - created < timedelta(days=days))


def language_name(code: str) -> str:
    """A language's name in that language ("Italiano"), or the code when the site has none."""
    return LOCALE_NAMES.get(code, code)


def languages() -> list[tuple[str, str]]:
    """The languages this community offers, as (code, name) pairs, for choices."""
    return [(code, language_name(code)) for code in current_app.config["SUPPORTED_LOCALES"]]


def default_language() -> str:
    """The community's default language: the one admins' untranslated texts are written in."""
    return i18n_content.default_language()


def reader_language() -> str:
    """The interface language of the person the current request is for (e.g. the author being
    told why their post was refused); the default language outside a request.

    Not the language a post is written in: that is ``context.locale`` in content filters."""
    return i18n_content.reader_language()


def localized(value: Any, locale: str | None = None) -> str:
    """An admin's text in ``locale`` (the reader's language by default), with the core's fallback
    (that language's text, else the default language's, else any): ``value`` is a plain string
    (the default language's text) or ``{"en": ..., "it": ..., "fr": ...}``."""
    return i18n_content.localize(value, locale)

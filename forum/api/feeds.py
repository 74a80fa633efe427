"""Feeds: RSS 2.0 and Atom for /latest, a category, a topic and a member's posts.

Policy
------
* **What a visitor reads, nothing more.** Feed readers share URLs and fetch them without a
  session, so a feed is built for :class:`~forum.accounts.models.AnonymousUser` whoever asks:
  the discussions domain's own rules (:func:`~forum.discussions.permissions.visible_topic_sql`,
  :func:`~forum.discussions.permissions.visible_post_body_sql`,
  :func:`~forum.discussions.permissions.can_see_topic`) pick the items. A category or topic a
  visitor may not read answers 404, like a missing one, so a feed never tells it exists.
* **Absolute links from ``FORUM_PUBLIC_URL`` only** (:mod:`forum.urls`), never from the
  request's Host; relative links and images inside a post become absolute through
  :func:`forum.markup.mail_html`, which also sanitises the cooked HTML once more.
* **One language.** Feed titles are in the community's default language: a feed URL is the
  same document for every reader, so it cannot follow one browser's Accept-Language.
* **Cheap, constant cost.** At most :data:`FEED_ITEMS` posts, newest first, with their topics
  and authors in the same statement: one query for the items whatever their number.
* **Validators.** The ETag hashes every item's id and change times with the feed's title, so
  an edit, a hidden post or a renamed category changes it; Last-Modified is the newest change.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from feedgen.feed import FeedGenerator
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import contains_eager, joinedload

from forum import settings
from forum.accounts.models import AnonymousUser, User
from forum.accounts.services import get_user_or_404
from forum.discussions import permissions
from forum.discussions.links import post_path
from forum.discussions.models import Category, Post, Topic
from forum.errors import NotFound
from forum.extensions import db
from forum.markup import mail_html
from forum.tags import services as tag_services
from forum.urls import external_url, public_url

FEED_ITEMS = 30
FORMATS = ("rss", "atom")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Feed:
    """One feed's content, before it is written as RSS or Atom."""

    title: str
    subtitle: str
    page_url: str                       # the HTML page the feed follows (absolute)
    feed_urls: dict[str, str]           # "rss"/"atom" -> this feed's own absolute URL
    posts: list[Post]

    @property
    def last_modified(self) -> datetime:
        return max((_changed_at(p) for p in self.posts), default=EPOCH)

    @property
    def etag(self) -> str:
        parts = [self.title, self.subtitle] + [
            f"{p.id}:{_changed_at(p).isoformat()}:{p.topic.title}" for p in self.posts]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def _changed_at(post: Post) -> datetime:
    times = [t for t in (post.created_at, post.edited_at, post.state_changed_at) if t is not None]
    return _aware(max(times))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def visitor() -> AnonymousUser:
    """Who every feed is for (see the module's policy)."""
    return AnonymousUser()


def _site_name() -> str:
    return str(settings.all_settings().get("community_name") or current_app.config["COMMUNITY_NAME"])


def _posts(*conditions: Any) -> list[Post]:
    """The newest visitor-readable posts matching ``conditions``, topic and author loaded with
    them (one statement)."""
    reader = visitor()
    query = (select(Post).join(Post.topic).options(contains_eager(Post.topic), joinedload(Post.author))
             .where(permissions.visible_topic_sql(reader), permissions.visible_post_body_sql(reader), *conditions)
             .order_by(Post.created_at.desc(), Post.id.desc()).limit(FEED_ITEMS))
    return list(db.session.scalars(query).unique())


def _urls(endpoint: str, **values: Any) -> dict[str, str]:
    return {fmt: external_url(f"feeds.{endpoint}_{fmt}", **values) for fmt in FORMATS}


def latest_feed() -> Feed:
    """New topics (their opening posts) in every category a visitor reads."""
    site = _site_name()
    return Feed(title=_("Latest topics — %(site)s", site=site),
                subtitle=_("New topics on %(site)s", site=site),
                page_url=external_url("discussions.latest"), feed_urls=_urls("latest"),
                posts=_posts(Post.post_number == 1))


def category_feed(slug: str) -> Feed:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None or not permissions.can_read_category(visitor(), category):
        raise NotFound()
    site = _site_name()
    return Feed(title=_("%(category)s — %(site)s", category=category.name, site=site),
                subtitle=_("New topics in %(category)s", category=category.name),
                page_url=external_url("discussions.category", slug=category.slug),
                feed_urls=_urls("category", slug=category.slug),
                posts=_posts(Post.post_number == 1, Topic.category_id == category.id))


def topic_feed(topic_id: int) -> Feed:
    topic = db.session.scalar(select(Topic).options(joinedload(Topic.category)).where(Topic.id == topic_id))
    if topic is None or not permissions.can_see_topic(visitor(), topic):
        raise NotFound()
    site = _site_name()
    return Feed(title=_("%(topic)s — %(site)s", topic=topic.title, site=site),
                subtitle=_("Posts in “%(topic)s”", topic=topic.title),
                page_url=external_url("discussions.topic", slug=topic.slug, topic_id=topic.id),
                feed_urls=_urls("topic", slug=topic.slug or "-", topic_id=topic.id),
                posts=_posts(Post.topic_id == topic.id))


def member_feed(username: str) -> Feed:
    member = get_user_or_404(username)
    name = shown_name(member)
    return Feed(title=_("Posts by %(name)s — %(site)s", name=name, site=_site_name()),
                subtitle=_("Public posts by %(name)s", name=name),
                page_url=external_url("accounts.profile", username=member.username),
                feed_urls=_urls("member", username=member.username),
                posts=_posts(Post.user_id == member.id))


def shown_name(user: User | None) -> str:
    if user is None:
        return _("deleted user")  # as elsewhere on the site
    return user.display_name or user.username


def build(scope: Callable[[], Feed]) -> Feed:
    """The feed, with its words in the community's default language."""
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        return scope()


def render(feed: Feed, fmt: str) -> bytes:
    """The feed as an RSS 2.0 (``fmt="rss"``) or Atom document."""
    generator = FeedGenerator()
    generator.id(feed.page_url)
    generator.title(feed.title)
    generator.subtitle(feed.subtitle)  # RSS's required <description>
    # In this order: feedgen writes RSS's channel <link> from the last link it was given.
    generator.link(href=feed.feed_urls[fmt], rel="self")
    generator.link(href=feed.page_url, rel="alternate")
    generator.load_extension("dc")  # RSS's <author> must be an email address: dc:creator names
    generator.language(current_app.config["DEFAULT_LOCALE"])
    generator.generator("Circolo")
    generator.updated(feed.last_modified)
    # feedgen prepends each entry, so the oldest goes in first and the newest ends on top.
    for post in reversed(feed.posts):
        link = public_url(post_path(post.topic, post.post_number))
        entry = generator.add_entry()
        entry.id(link)
        entry.guid(link, permalink=True)
        entry.title(post.topic.title if post.post_number == 1 else
                    _("Re: %(topic)s (#%(number)d)", topic=post.topic.title, number=post.post_number))
        entry.link(href=link, rel="alternate")
        entry.author({"name": shown_name(post.author)})
        entry.dc.dc_creator(shown_name(post.author))
        entry.published(_aware(post.created_at))
        entry.updated(_changed_at(post))
        html = mail_html(post.cooked, public_url)
        entry.content(html, type="html")
        if fmt == "rss":
            entry.description(html)
    if fmt == "rss":
        return bytes(generator.rss_str(pretty=True))
    return bytes(generator.atom_str(pretty=True))


def alternates(kind: str, target: Any = None) -> list[dict[str, str]]:
    """What a page's ``<link rel="alternate">`` tags announce: type, title and absolute href of
    the RSS and Atom feeds that follow it (none when a visitor cannot read it)."""
    reader = visitor()
    with force_locale(current_app.config["DEFAULT_LOCALE"]):
        if kind == "latest":
            title, urls = _("Latest topics — %(site)s", site=_site_name()), _urls("latest")
        elif kind == "category" and permissions.can_read_category(reader, target):
            title = _("%(category)s — %(site)s", category=target.name, site=_site_name())
            urls = _urls("category", slug=target.slug)
        elif kind == "topic" and permissions.can_see_topic(reader, target):
            title = _("%(topic)s — %(site)s", topic=target.title, site=_site_name())
            urls = _urls("topic", slug=target.slug or "-", topic_id=target.id)
        elif kind == "member" and target is not None:
            title = _("Posts by %(name)s — %(site)s", name=shown_name(target), site=_site_name())
            urls = _urls("member", username=target.username)
        else:
            return []
    return [{"type": "application/rss+xml", "title": f"{title} (RSS)", "href": urls["rss"]},
            {"type": "application/atom+xml", "title": f"{title} (Atom)", "href": urls["atom"]}]


def tag_feed(slug: str) -> Feed:
    """New topics carrying a tag (a synonym's feed is its target's), in categories a visitor reads."""
    tag = tag_services.get_by_name(slug)
    if tag is None:
        raise NotFound()
    if tag.target is not None:
        tag = tag.target
    if not tag_services.visible_count(visitor(), tag.id):  # a tag only on closed topics is not named
        raise NotFound()
    site = _site_name()
    return Feed(title=_("Topics tagged %(tag)s — %(site)s", tag=tag.name, site=site),
                subtitle=_("New topics tagged %(tag)s", tag=tag.name),
                page_url=external_url("tags.tag_page", slug=tag.name), feed_urls=_urls("tag", slug=tag.name),
                posts=_posts(Post.post_number == 1, Topic.id.in_(tag_services.topics_with_tag(tag.id))))

"""Tags on topics: reading and writing a topic's tags (the rules, synonyms, counts).

The one owner of ``Tag.topic_count``: a change of one topic's tags goes through :func:`_retag`,
a merge through :func:`move_topics`; both move the counts with SQL arithmetic
(``topic_count = topic_count + 1``), never read-modify-write, so concurrent writes cannot lose a
count. A count is the number of topics carrying the tag, whatever their state (a held or hidden
topic keeps its tags); ``forum check --repair`` repairs counts from the rows
(:mod:`forum.tags.integrity`).

Lock order (every writer of ``topic_tags`` or ``Tag.topic_count``): the topic row first (when a
single topic is retagged), then the tag rows by ascending id (:func:`_lock_tags`), and only then
the UPDATEs, so two writers touching the same tags queue instead of deadlocking.

What a reader sees is counted per reader (:func:`visible_counts`): only topics the reader may
read, so a tag used only in a staff-only category is not named to a visitor. ``Tag.topic_count``
(every topic) is for staff managing tags.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import aliased

from forum import outbox
from forum.audit import record_action
from forum.discussions.models import Topic
from forum.discussions.permissions import visible_topic_sql
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n_content import translated
from forum.plugins.manager import fire
from forum.settings import get_setting

from . import permissions
from .models import MAX_TAG_LENGTH, CategoryTagRule, Tag, TagGroup, TagGroupMember, TopicTag

MAX_PER_TOPIC = "tags.max_per_topic"
DEFAULTS: dict[str, Any] = {MAX_PER_TOPIC: 5}
# What one field may hold before it is refused outright (the form also caps its length).
MAX_TYPED = 30


def normalize(name: str) -> str:
    """A typed tag as stored: ASCII lower case, accents folded, runs of anything else one dash
    ("Firmware 2.1" -> "firmware-2-1"); '' when nothing is left."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def parse_names(typed: str) -> list[str]:
    """The distinct tag names in what was typed (commas separate them), in order."""
    names: list[str] = []
    parts = [p for p in typed.replace("\n", ",").split(",") if p.strip()]
    if len(parts) > MAX_TYPED:
        raise ValidationFailed({"tags": _("Please type fewer tags.")})
    for part in parts:
        name = normalize(part)
        if not name:
            raise ValidationFailed({"tags": _("“%(tag)s” is not a tag name: use letters, digits and dashes.",
                                              tag=part.strip()[:MAX_TAG_LENGTH])})
        if len(name) > MAX_TAG_LENGTH:
            raise ValidationFailed({"tags": _("Tag names are at most %(n)d characters.", n=MAX_TAG_LENGTH)})
        if name not in names:
            names.append(name)
    return names


def find(names: Iterable[str]) -> dict[str, Tag]:
    """Tags by name (synonyms included), in one query."""
    wanted = list(names)
    if not wanted:
        return {}
    return {t.name: t for t in db.session.scalars(select(Tag).where(Tag.name.in_(wanted)))}


def get_by_name(name: str) -> Tag | None:
    return db.session.scalar(select(Tag).where(Tag.name == normalize(name)))


def resolve(actor: Any, typed: str, category_id: int) -> list[Tag]:
    """The tags ``typed`` stands for on a topic in the category: synonyms replaced by their
    targets, new names created when ``actor`` may create tags, the maximum and the category's
    rules checked. Raises ValidationFailed on ``tags`` (nothing is written then)."""
    names = parse_names(typed)
    if names and not permissions.can_tag_topics(actor):
        raise ValidationFailed({"tags": _("Tagging topics opens at a higher trust level. Remove the tags to post.")})
    known = find(names)
    unknown = [n for n in names if n not in known]
    if unknown and not permissions.can_create_tags(actor):
        raise ValidationFailed({"tags": ngettext(
            "There is no tag “%(tags)s”. Choose an existing tag.",
            "There are no tags “%(tags)s”. Choose existing tags.", len(unknown), tags="”, “".join(unknown))})
    targets = {t.target_id for t in known.values() if t.target_id is not None}
    by_id = {t.id: t for t in db.session.scalars(select(Tag).where(Tag.id.in_(targets)))} if targets else {}
    chosen: list[Tag] = []
    for name in names:
        tag = known.get(name)
        if tag is None:
            tag = Tag(name=name, description="", topic_count=0, created_by_id=getattr(actor, "id", None))
            db.session.add(tag)
        elif tag.target_id is not None:
            tag = by_id.get(tag.target_id, tag)
        if tag not in chosen:
            chosen.append(tag)
    limit = int(get_setting(MAX_PER_TOPIC) or 0)
    if limit and len(chosen) > limit:
        raise ValidationFailed({"tags": ngettext("A topic may have at most %(num)d tag.",
                                                 "A topic may have at most %(num)d tags.", limit)})
    check_rules(chosen, category_id)
    db.session.flush()
    return chosen


def check_rules(tags: Sequence[Tag], category_id: int) -> None:
    """The category's tag rules: allowed groups, and a minimum (from a group, if it says so)."""
    rule = db.session.get(CategoryTagRule, category_id)
    if rule is None:
        return
    ids = [t.id for t in tags if t.id is not None]
    groups: dict[int, set[int]] = defaultdict(set)
    if ids:
        for tag_id, group_id in db.session.execute(
                select(TagGroupMember.tag_id, TagGroupMember.group_id).where(TagGroupMember.tag_id.in_(ids))):
            groups[tag_id].add(group_id)
    allowed = set(rule.allowed_group_ids or [])
    if allowed:
        outside = [t.name for t in tags if t.id is None or not groups[t.id] & allowed]
        if outside:
            raise ValidationFailed({"tags": _("These tags cannot be used in this category: %(tags)s.",
                                              tags=", ".join(outside))})
    if rule.min_tags:
        counted = [t for t in tags if rule.required_group_id is None
                   or (t.id is not None and rule.required_group_id in groups[t.id])]
        if len(counted) < rule.min_tags:
            group = db.session.get(TagGroup, rule.required_group_id) if rule.required_group_id else None
            if group is not None:
                message = ngettext("This category needs at least %(num)d tag from “%(group)s”.",
                                   "This category needs at least %(num)d tags from “%(group)s”.",
                                   rule.min_tags, group=group_label(group))
            else:
                message = ngettext("This category needs at least %(num)d tag.",
                                   "This category needs at least %(num)d tags.", rule.min_tags)
            raise ValidationFailed({"tags": message})


def group_label(group: TagGroup) -> str:
    """A group's name in the reader's language (translated like a category's)."""
    return translated(group, "name")


def write_topic_tags(actor: Any, topic: Any, typed: str) -> bool:
    """Inside the caller's transaction: the topic's tags become what ``typed`` names. True when
    they changed."""
    return _retag(topic.id, [t.id for t in resolve(actor, typed, topic.category_id)])


def _lock_tags(tag_ids: Iterable[int]) -> None:
    """The tag rows, locked by ascending id (the module's lock order; SQLite ignores the lock)."""
    ids = sorted(set(tag_ids))
    if ids:
        db.session.execute(select(Tag.id).where(Tag.id.in_(ids)).order_by(Tag.id).with_for_update())


def _retag(topic_id: int, wanted: Sequence[int]) -> bool:
    """Topic ``topic_id`` carries exactly ``wanted`` (tag ids); counts follow in SQL. Locks the
    topic row, then the tags it gains or loses (the module's lock order)."""
    db.session.execute(select(Topic.id).where(Topic.id == topic_id).with_for_update())
    current = set(db.session.scalars(select(TopicTag.tag_id).where(TopicTag.topic_id == topic_id)))
    added = [i for i in dict.fromkeys(wanted) if i not in current]
    removed = [i for i in current if i not in set(wanted)]
    _lock_tags([*added, *removed])
    if added:
        db.session.execute(insert(TopicTag), [{"topic_id": topic_id, "tag_id": i} for i in added])
        _move_counts(added, +1)
    if removed:
        db.session.execute(delete(TopicTag).where(TopicTag.topic_id == topic_id, TopicTag.tag_id.in_(removed)))
        _move_counts(removed, -1)
    return bool(added or removed)


def _move_counts(tag_ids: Sequence[int], step: int) -> None:
    """The caller holds the tags' locks (:func:`_lock_tags`)."""
    db.session.execute(update(Tag).where(Tag.id.in_(list(tag_ids)))
                       .values(topic_count=Tag.topic_count + step).execution_options(synchronize_session=False))
    for tag in db.session.identity_map.values():
        if isinstance(tag, Tag) and tag.id in tag_ids:
            db.session.expire(tag, ["topic_count"])


def move_topics(source: Tag, target: Tag) -> int:
    """Every topic of ``source`` gets ``target`` instead (no topic twice); counts follow. The
    number of topics that gained ``target``. Locks both tags by ascending id first."""
    _lock_tags([source.id, target.id])
    has_target = select(TopicTag.topic_id).where(TopicTag.tag_id == target.id)
    moved = db.session.execute(
        update(TopicTag).where(TopicTag.tag_id == source.id, TopicTag.topic_id.not_in(has_target))
        .values(tag_id=target.id).execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    db.session.execute(delete(TopicTag).where(TopicTag.tag_id == source.id))
    db.session.execute(update(Tag).where(Tag.id == target.id).values(topic_count=Tag.topic_count + moved)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Tag).where(Tag.id == source.id).values(topic_count=0)
                       .execution_options(synchronize_session=False))
    db.session.expire(source, ["topic_count"])
    db.session.expire(target, ["topic_count"])
    return int(moved or 0)


# --- reads -------------------------------------------------------------------------------------

def tags_for_topics(topic_ids: Sequence[int]) -> dict[int, list[Tag]]:
    """Each topic's tags by name, in one query."""
    out: dict[int, list[Tag]] = defaultdict(list)
    if not topic_ids:
        return {}
    rows = db.session.execute(select(TopicTag.topic_id, Tag).join(Tag, Tag.id == TopicTag.tag_id)
                              .where(TopicTag.topic_id.in_(list(topic_ids))).order_by(Tag.name))
    for topic_id, tag in rows:
        out[topic_id].append(tag)
    return dict(out)


def names_for_topics(topic_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    if not topic_ids:
        return {}
    rows = db.session.execute(select(TopicTag.topic_id, Tag.name).join(Tag, Tag.id == TopicTag.tag_id)
                              .where(TopicTag.topic_id.in_(list(topic_ids))).order_by(Tag.name))
    for topic_id, name in rows:
        out[topic_id].append(name)
    return dict(out)


def topics_tagged(name: str) -> Any:
    """A SELECT of the ids of topics tagged ``name`` (or its synonym's target)."""
    tag = get_by_name(name)
    return topics_with_tag(-1 if tag is None else (tag.target_id or tag.id))


def filter_tag(name: str) -> Tag | None:
    """The tag a list's ``?tag=`` names (a synonym: its target), or None: the active filter's chip."""
    tag = get_by_name(name[:80])
    if tag is not None and tag.target_id is not None:
        return tag.target or tag
    return tag


def canonical_names(names: Sequence[str]) -> list[str]:
    """Each name as topics carry it: a synonym's name replaced by its tag's, unknown names kept
    (they match nothing). One query: search's ``tag:`` filter."""
    wanted = list(dict.fromkeys(names))
    if not wanted:
        return []
    target = aliased(Tag)
    found = dict(db.session.execute(select(Tag.name, func.coalesce(target.name, Tag.name))
                                    .outerjoin(target, target.id == Tag.target_id).where(Tag.name.in_(wanted))).all())
    return list(dict.fromkeys(found.get(n, n) for n in wanted))


def topics_with_tag(tag_id: int) -> Any:
    """A SELECT of the ids of topics carrying tag ``tag_id`` (no lookup: the caller has the tag)."""
    return select(TopicTag.topic_id).where(TopicTag.tag_id == tag_id)


def visible_counts_sql(viewer: Any) -> Any:
    """A subquery ``(tag_id, n)``: per tag, the topics ``viewer`` may read (discussions' rule)."""
    return (select(TopicTag.tag_id, func.count().label("n")).join(Topic, Topic.id == TopicTag.topic_id)
            .where(visible_topic_sql(viewer)).group_by(TopicTag.tag_id).subquery("visible_counts"))


def visible_count(viewer: Any, tag_id: int) -> int:
    """How many topics carrying the tag ``viewer`` may read (one query)."""
    return int(db.session.scalar(select(func.count()).select_from(TopicTag).join(Topic, Topic.id == TopicTag.topic_id)
                                 .where(TopicTag.tag_id == tag_id, visible_topic_sql(viewer))) or 0)


@dataclass
class CountedTag:
    """A tag as one reader sees it: ``topic_count`` counts only the topics they may read."""
    tag: Tag
    topic_count: int

    @property
    def id(self) -> int:
        return self.tag.id

    @property
    def name(self) -> str:
        return self.tag.name

    @property
    def description(self) -> str:
        return self.tag.description


@dataclass
class GroupOfTags:
    group: TagGroup | None  # None: tags in no group
    tags: list[CountedTag]


def tag_index(viewer: Any) -> list[GroupOfTags]:
    """Every tag ``viewer`` finds on a topic they may read (synonyms left out) under its groups,
    groups in order, then tags in no group. Two queries: the counted tags, the groups with their
    members."""
    counts = visible_counts_sql(viewer)
    tags = [CountedTag(tag, int(n)) for tag, n in db.session.execute(
        select(Tag, counts.c.n).join(counts, counts.c.tag_id == Tag.id)
        .where(Tag.target_id.is_(None)).order_by(Tag.name))]
    groups: dict[int, TagGroup] = {}
    members: dict[int, set[int]] = defaultdict(set)
    for group, tag_id in db.session.execute(
            select(TagGroup, TagGroupMember.tag_id).outerjoin(TagGroupMember, TagGroupMember.group_id == TagGroup.id)
            .order_by(TagGroup.position, TagGroup.name)):
        groups.setdefault(group.id, group)
        if tag_id is not None:
            members[group.id].add(tag_id)
    grouped = {tag_id for ids in members.values() for tag_id in ids}
    out = [GroupOfTags(g, [t for t in tags if t.id in members[g.id]]) for g in groups.values()]
    rest = [t for t in tags if t.id not in grouped]
    if rest:
        out.append(GroupOfTags(None, rest))
    return [entry for entry in out if entry.tags]


def suggestions(viewer: Any, prefix: str, limit: int = 10) -> list[CountedTag]:
    """Tags starting with what was typed, found on topics ``viewer`` may read, most used first
    (the composer's suggestions). One query."""
    start = normalize(prefix)
    counts = visible_counts_sql(viewer)
    query = select(Tag, counts.c.n).join(counts, counts.c.tag_id == Tag.id).where(Tag.target_id.is_(None))
    if start:
        query = query.where(Tag.name.startswith(start, autoescape=True))
    rows = db.session.execute(query.order_by(counts.c.n.desc(), Tag.name).limit(limit))
    return [CountedTag(tag, int(n)) for tag, n in rows]


def visible_tags(viewer: Any, limit: int = 500) -> list[CountedTag]:
    """The tags (synonyms left out) on topics ``viewer`` may read, by name: the API's list."""
    counts = visible_counts_sql(viewer)
    rows = db.session.execute(select(Tag, counts.c.n).join(counts, counts.c.tag_id == Tag.id)
                              .where(Tag.target_id.is_(None)).order_by(Tag.name).limit(limit))
    return [CountedTag(tag, int(n)) for tag, n in rows]


def all_tags(limit: int = 500) -> list[Tag]:
    """Every tag (targets of synonyms loaded), by name: the admin page (staff see every count)."""
    return list(db.session.scalars(select(Tag).order_by(Tag.name).limit(limit)))


def synonyms_of(tag_ids: Sequence[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = defaultdict(list)
    for target_id, name in db.session.execute(select(Tag.target_id, Tag.name)
                                              .where(Tag.target_id.in_(list(tag_ids))).order_by(Tag.name)):
        if target_id is not None:
            out[target_id].append(name)
    return dict(out)


class TopicTagsFromTags:
    """The :class:`~forum.discussions.interfaces.TopicTags` discussions looks up."""

    def write(self, actor: Any, topic: Any, names: str, *, new: bool) -> bool:
        if not new and not permissions.can_edit_topic_tags(actor, topic, editing_post=True):
            return False
        return write_topic_tags(actor, topic, names)

    def for_topics(self, topic_ids: Sequence[int]) -> dict[int, list[Any]]:
        return tags_for_topics(topic_ids)  # type: ignore[return-value]

    def names_for(self, topic_ids: Sequence[int]) -> dict[int, list[str]]:
        return names_for_topics(topic_ids)

    def topics_tagged(self, name: str) -> Any:
        return topics_tagged(name)


class SearchTagNamesFromTags:
    """The :class:`~forum.search.interfaces.SearchTagNames` search's ``tag:`` filter asks."""

    def canonical(self, names: Sequence[str]) -> list[str]:
        return canonical_names(names)


def set_topic_tags(actor: Any, topic: Any, typed: str) -> bool:
    """Staff's change of a topic's tags (its page's menu): written, audited, committed, then
    ``forum_topic_changed`` fired (the search index refreshes the topic's posts)."""
    if not permissions.can_edit_topic_tags(actor, topic):
        raise PermissionDenied()
    before = names_for_topics([topic.id]).get(topic.id, [])
    try:
        changed = write_topic_tags(actor, topic, typed)
        if changed:
            after = names_for_topics([topic.id]).get(topic.id, [])
            record_action(actor, "topic.tags", "topic", topic.id, before={"tags": before}, after={"tags": after})
            outbox.record("forum_topic_changed", topic=topic, actor=actor, change="tags")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if changed:
        fire("forum_topic_changed", topic=topic, actor=actor, change="tags")
    return changed

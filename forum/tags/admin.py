"""Managing tags (Admin → Tags): create, rename, describe, group, synonyms, merge, delete, and
the categories' tag rules. Every change is audited in its own transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update

from forum import outbox
from forum.audit import record_action
from forum.discussions.models import Category, Topic
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n_content import clean_translations
from forum.settings import get_setting, set_setting

from . import permissions
from .models import MAX_TAG_LENGTH, CategoryTagRule, Tag, TagGroup, TagGroupMember, TopicTag
from .services import MAX_PER_TOPIC, get_by_name, move_topics, normalize


def _require(actor: Any) -> None:
    if not permissions.can_manage_tags(actor):
        raise PermissionDenied()


def _clean_name(typed: str, field: str = "name") -> str:
    name = normalize(typed or "")
    if not name:
        raise ValidationFailed({field: _("Please enter a name of letters, digits and dashes.")})
    if len(name) > MAX_TAG_LENGTH:
        raise ValidationFailed({field: _("Tag names are at most %(n)d characters.", n=MAX_TAG_LENGTH)})
    return name


def _snapshot(tag: Tag) -> dict[str, Any]:
    groups = sorted(db.session.scalars(select(TagGroupMember.group_id).where(TagGroupMember.tag_id == tag.id)))
    return {"name": tag.name, "description": (tag.description or "")[:300], "groups": groups,
            "synonym_of": tag.target.name if tag.target is not None else None}


def _topics_of(tag_id: int) -> list[int]:
    return list(db.session.scalars(select(TopicTag.topic_id).where(TopicTag.tag_id == tag_id)))


def _reindex(actor: Any, topic_ids: Sequence[int]) -> list[tuple[str, dict[str, Any]]]:
    """Topics whose tags changed: their search documents follow (after the commit)."""
    return [("forum_topic_changed", {"topic": t, "actor": actor, "change": "tags"})
            for t in db.session.scalars(select(Topic).where(Topic.id.in_(list(topic_ids))))]


def create_tag(actor: Any, name: str, description: str = "", group_ids: Sequence[int] = ()) -> Tag:
    _require(actor)
    clean = _clean_name(name)
    if get_by_name(clean) is not None:
        raise ValidationFailed({"name": _("There is already a tag “%(tag)s”.", tag=clean)})
    tag = Tag(name=clean, description=(description or "").strip()[:1000], topic_count=0, created_by_id=actor.id)
    db.session.add(tag)
    db.session.flush()
    _set_groups(tag, group_ids)
    record_action(actor, "tag.create", "tag", tag.id, after=_snapshot(tag))
    db.session.commit()
    return tag


def _set_groups(tag: Tag, group_ids: Sequence[int]) -> None:
    known = set(db.session.scalars(select(TagGroup.id).where(TagGroup.id.in_(list(group_ids))))) if group_ids else set()
    db.session.execute(delete(TagGroupMember).where(TagGroupMember.tag_id == tag.id))
    for group_id in sorted(known):
        db.session.add(TagGroupMember(group_id=group_id, tag_id=tag.id))
    db.session.flush()


def update_tag(actor: Any, tag: Tag, *, name: str, description: str, group_ids: Sequence[int],
               synonym_of: str | None) -> Tag:
    """Rename, describe, group, or make a synonym (an empty ``synonym_of`` makes it a tag of its
    own again). A tag that becomes a synonym hands its topics to its target (a merge)."""
    _require(actor)
    before = _snapshot(tag)
    clean = _clean_name(name)
    other = get_by_name(clean)
    if other is not None and other.id != tag.id:
        raise ValidationFailed({"name": _("There is already a tag “%(tag)s”.", tag=clean)})
    events: list[tuple[str, dict[str, Any]]] = []
    renamed = clean != tag.name
    tag.name = clean
    tag.description = (description or "").strip()[:1000]
    _set_groups(tag, group_ids)
    target_name = normalize(synonym_of or "")
    if target_name:
        target = _synonym_target(tag, target_name)
        events = _reindex(actor, _topics_of(tag.id))
        move_topics(tag, target)
        tag.target_id = target.id
        db.session.execute(update(Tag).where(Tag.target_id == tag.id).values(target_id=target.id))
    else:
        tag.target_id = None
    if renamed and not events:
        events = _reindex(actor, _topics_of(tag.id))
    db.session.flush()
    db.session.refresh(tag)
    record_action(actor, "tag.update", "tag", tag.id, before=before, after=_snapshot(tag))
    outbox.commit_and_fire(events)
    return tag


def _synonym_target(tag: Tag, target_name: str) -> Tag:
    target = get_by_name(target_name)
    if target is None:
        raise ValidationFailed({"synonym_of": _("There is no tag “%(tag)s”.", tag=target_name)})
    if target.target_id is not None:
        target = db.session.get(Tag, target.target_id) or target
    if target.id == tag.id:
        raise ValidationFailed({"synonym_of": _("A tag cannot be a synonym of itself.")})
    return target


def merge_tag(actor: Any, tag: Tag, into: str) -> Tag:
    """Every topic of ``tag`` gets ``into`` instead (no topic twice); ``tag`` becomes its
    synonym, so typing it goes on tagging the target. Audited with the number moved."""
    _require(actor)
    target = _synonym_target(tag, normalize(into or ""))
    topic_ids = _topics_of(tag.id)
    events = _reindex(actor, topic_ids)
    moved = move_topics(tag, target)
    tag.target_id = target.id
    db.session.execute(update(Tag).where(Tag.target_id == tag.id).values(target_id=target.id))
    record_action(actor, "tag.merge", "tag", tag.id, before={"topics": len(topic_ids)},
                  after={"into": target.name, "topics": moved})
    outbox.commit_and_fire(events)
    return target


def delete_tag(actor: Any, tag: Tag) -> None:
    """Remove the tag from its topics and delete it (its synonyms go with it). Nothing is lost:
    the audit entry's ``before`` holds all a restore needs (name, description, groups, the ids
    of the topics it was on, its synonyms' names). To keep its topics tagged, merge it instead."""
    _require(actor)
    topic_ids = sorted(_topics_of(tag.id))
    events = _reindex(actor, topic_ids)
    synonyms = sorted(db.session.scalars(select(Tag.name).where(Tag.target_id == tag.id)))
    record_action(actor, "tag.delete", "tag", tag.id, before={**_snapshot(tag), "topics": len(topic_ids),
                                                               "topic_ids": topic_ids, "synonyms": synonyms})
    db.session.execute(delete(TopicTag).where(TopicTag.tag_id == tag.id))
    db.session.execute(delete(Tag).where(Tag.target_id == tag.id))
    db.session.delete(tag)
    outbox.commit_and_fire(events)


# --- groups ------------------------------------------------------------------------------------

def save_group(actor: Any, group: TagGroup | None, *, name: str, position: int | None,
               translations: dict[str, dict[str, Any]]) -> TagGroup:
    _require(actor)
    clean = " ".join((name or "").split())[:80]
    if not clean:
        raise ValidationFailed({"name": _("Please enter a name.")})
    clash = db.session.scalar(select(TagGroup.id).where(func.lower(TagGroup.name) == clean.lower()))
    if clash is not None and (group is None or clash != group.id):
        raise ValidationFailed({"name": _("There is already a group with this name.")})
    before = None if group is None else {"name": group.name, "position": group.position,
                                         "translations": group.translations}
    if group is None:
        group = TagGroup(name=clean, translations={}, position=position or 0)
        db.session.add(group)
    group.name = clean
    group.position = position or 0
    group.translations = clean_translations(translations, ("name",))
    db.session.flush()
    record_action(actor, "tag_group.create" if before is None else "tag_group.update", "tag_group", group.id,
                  before=before, after={"name": group.name, "position": group.position,
                                        "translations": group.translations})
    db.session.commit()
    return group


def delete_group(actor: Any, group: TagGroup) -> None:
    """The group goes; its tags stay (in no group unless in another)."""
    _require(actor)
    record_action(actor, "tag_group.delete", "tag_group", group.id, before={"name": group.name})
    db.session.delete(group)
    db.session.commit()


def groups() -> list[TagGroup]:
    return list(db.session.scalars(select(TagGroup).order_by(TagGroup.position, TagGroup.name)))


def group_members() -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for group_id, tag_id in db.session.execute(select(TagGroupMember.group_id, TagGroupMember.tag_id)):
        out.setdefault(tag_id, []).append(group_id)
    return out


# --- settings ---------------------------------------------------------------------------------

def save_settings(actor: Any, *, max_per_topic: int, min_trust_level: int | None) -> None:
    """The per-topic maximum and who besides staff creates tags (None: staff only)."""
    _require(actor)
    before = {"max_per_topic": get_setting(MAX_PER_TOPIC),
              "create_min_trust_level": get_setting(permissions.CREATE_MIN_TRUST_LEVEL)}
    set_setting(MAX_PER_TOPIC, max(1, min(int(max_per_topic), 20)))
    set_setting(permissions.CREATE_MIN_TRUST_LEVEL, min_trust_level)
    record_action(actor, "tag.settings", "tag", None, before=before,
                  after={"max_per_topic": max_per_topic, "create_min_trust_level": min_trust_level})
    db.session.commit()


# --- category rules ----------------------------------------------------------------------------

def save_rule(actor: Any, category: Category, *, min_tags: int, required_group_id: int | None,
              allowed_group_ids: Sequence[int]) -> CategoryTagRule:
    _require(actor)
    known = set(db.session.scalars(select(TagGroup.id)))
    if required_group_id is not None and required_group_id not in known:
        raise ValidationFailed({"required_group": _("Choose a group from the list.")})
    rule = db.session.get(CategoryTagRule, category.id)
    before = None if rule is None else _rule_snapshot(rule)
    if rule is None:
        rule = CategoryTagRule(category_id=category.id)
        db.session.add(rule)
    rule.min_tags = max(0, min(int(min_tags or 0), 10))
    rule.required_group_id = required_group_id
    rule.allowed_group_ids = sorted(g for g in set(allowed_group_ids) if g in known)
    db.session.flush()
    record_action(actor, "category.tag_rules", "category", category.id, before=before, after=_rule_snapshot(rule))
    db.session.commit()
    return rule


def _rule_snapshot(rule: CategoryTagRule) -> dict[str, Any]:
    return {"min_tags": rule.min_tags, "required_group_id": rule.required_group_id,
            "allowed_group_ids": list(rule.allowed_group_ids or [])}


def rules() -> dict[int, CategoryTagRule]:
    return {r.category_id: r for r in db.session.scalars(select(CategoryTagRule))}

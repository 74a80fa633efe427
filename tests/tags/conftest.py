"""Tags fixtures: tags and groups made directly (their admin flows are tested on their own)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.tags.models import Tag, TagGroup, TagGroupMember, TopicTag


def make_tag(name: str, *, group: TagGroup | None = None, target: Tag | None = None) -> Tag:
    tag = Tag(name=name, description="", topic_count=0, target_id=target.id if target else None)
    db.session.add(tag)
    db.session.flush()
    if group is not None:
        db.session.add(TagGroupMember(group_id=group.id, tag_id=tag.id))
    db.session.commit()
    return tag


def make_group(name: str, **fields: Any) -> TagGroup:
    group = TagGroup(name=name, translations=fields.pop("translations", {}), position=fields.pop("position", 0))
    db.session.add(group)
    db.session.commit()
    return group


def tags_of(topic_id: int) -> list[str]:
    return sorted(db.session.scalars(select(Tag.name).join(TopicTag, TopicTag.tag_id == Tag.id)
                                     .where(TopicTag.topic_id == topic_id)))


def counts() -> dict[str, int]:
    db.session.expire_all()
    return dict(db.session.execute(select(Tag.name, Tag.topic_count)).all())


@pytest.fixture
def tag_factory() -> Any:
    return make_tag
